import { createHash } from 'node:crypto';
import { BrokerError } from '../../domain/errors';
import type { BrokerSession } from '../../ports/broker';
import { TransportError } from '../transport/http-client';
import { fyersMessage, isOk, isTokenError, type FyersRest } from './fyers-rest';

/** What a user gives us to connect a Fyers account. */
export interface FyersCredentials {
  app_id: string;
  secret_key: string;
  /** a pasted access token (the bare JWT, not `app_id:token`); optional when using the redirect login */
  access_token?: string;
}

export function readFyersCredentials(c: Record<string, string>): FyersCredentials {
  const app_id = (c.app_id ?? '').trim();
  const secret_key = (c.secret_key ?? '').trim();
  if (!app_id) throw new BrokerError('BROKER_AUTH_FAILED', 'Fyers app_id is required');
  const token = (c.access_token ?? '').trim();
  // Users often paste the SDK's `app_id:token` form; keep just the JWT.
  const bare = token.startsWith(`${app_id}:`) ? token.slice(app_id.length + 1) : token;
  return { app_id, secret_key, ...(bare ? { access_token: bare } : {}) };
}

/** The validate-authcode checksum: hex SHA-256 of `app_id:secret_key` (note the colon). */
export function fyersAppIdHash(appId: string, secretKey: string): string {
  return createHash('sha256').update(`${appId}:${secretKey}`).digest('hex');
}

export function fyersLoginUrl(apiUrl: string, appId: string, redirectUri: string, state: string): string {
  const q = new URLSearchParams({ client_id: appId, redirect_uri: redirectUri, response_type: 'code', state });
  return `${apiUrl}/api/v3/generate-authcode?${q.toString()}`;
}

export interface FyersTokenClaims {
  /** epoch ms */
  expiresAt: number | null;
  hsmKey: string | null;
  fyId: string | null;
}

/** Reads (does not verify) the access-token JWT: `exp` says when Fyers stops honouring it, `hsm_key` opens the market-data socket. */
export function decodeFyersToken(token: string): FyersTokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const p = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      expiresAt: typeof p.exp === 'number' ? p.exp * 1000 : null,
      hsmKey: typeof p.hsm_key === 'string' ? p.hsm_key : null,
      fyId: typeof p.fy_id === 'string' ? p.fy_id : null,
    };
  } catch {
    return null;
  }
}

function sessionFor(accessToken: string, fyId: string | null, extra: Record<string, string> = {}): BrokerSession {
  const claims = decodeFyersToken(accessToken);
  return { accessToken, expiresAt: claims?.expiresAt ?? null, extra, accountRef: fyId ?? claims?.fyId ?? null };
}

/** `GET /api/v3/profile` with the token: the real call that proves a session works. Returns the Fyers client id. */
export async function fetchFyersProfile(rest: FyersRest, apiUrl: string): Promise<{ ok: true; fyId: string | null } | { ok: false; expired: boolean; message: string }> {
  const r = await rest.send('GET', `${apiUrl}/api/v3/profile`);
  if (isOk(r)) {
    const data = (r.body?.data ?? {}) as Record<string, unknown>;
    return { ok: true, fyId: typeof data.fy_id === 'string' ? data.fy_id : null };
  }
  return { ok: false, expired: isTokenError(r), message: fyersMessage(r, `Fyers profile check failed (HTTP ${r.status})`) };
}

/** Pasted token: valid only if Fyers answers the profile call with it. */
export async function loginWithPastedToken(rest: FyersRest, apiUrl: string, accessToken: string): Promise<BrokerSession> {
  try {
    const p = await fetchFyersProfile(rest, apiUrl);
    if (!p.ok) throw new BrokerError('BROKER_AUTH_FAILED', p.message);
    return sessionFor(accessToken, p.fyId);
  } catch (e) {
    if (e instanceof TransportError) throw new BrokerError('BROKER_AUTH_FAILED', `Fyers did not answer: ${e.message}`);
    throw e;
  }
}

/** Exchanges the redirect's `auth_code` for an access token (`POST /api/v3/validate-authcode`). */
export async function exchangeFyersAuthCode(rest: FyersRest, apiUrl: string, creds: FyersCredentials, callback: Record<string, string>): Promise<BrokerSession> {
  if (callback.s !== undefined && callback.s !== 'ok') {
    throw new BrokerError('BROKER_AUTH_FAILED', callback.message || `Fyers login was not completed (${callback.s})`);
  }
  const code = callback.auth_code;
  if (!code) throw new BrokerError('BROKER_AUTH_FAILED', 'Fyers redirect carried no auth_code');
  if (!creds.secret_key) throw new BrokerError('BROKER_AUTH_FAILED', 'Fyers secret_key is required');
  try {
    const r = await rest.send('POST', `${apiUrl}/api/v3/validate-authcode`, {
      grant_type: 'authorization_code',
      appIdHash: fyersAppIdHash(creds.app_id, creds.secret_key),
      code,
    });
    const token = r.body?.access_token;
    if (!isOk(r) || typeof token !== 'string' || !token) {
      throw new BrokerError('BROKER_AUTH_FAILED', fyersMessage(r, `Fyers refused the auth code (HTTP ${r.status})`), String(r.body?.code ?? r.status));
    }
    const refresh = r.body?.refresh_token;
    return sessionFor(token, null, typeof refresh === 'string' && refresh ? { refresh_token: refresh } : {});
  } catch (e) {
    if (e instanceof TransportError) throw new BrokerError('BROKER_AUTH_FAILED', `Fyers did not answer: ${e.message}`);
    throw e;
  }
}
