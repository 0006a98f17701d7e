import * as OTPAuth from 'otpauth';
import { BrokerError } from '../../domain/errors';
import type { BrokerSession, SessionState } from '../../ports/broker';
import type { HttpClient } from '../transport/http-client';
import { dhanCall, isTokenError, type DhanAuthHeaders } from './dhan-rest-client';

const IST_OFFSET_MS = 19_800_000;
const TOKEN_TTL_MS = 24 * 3600 * 1000;
const AUTH_TIMEOUT_MS = 10_000;

/** The six-digit RFC-6238 code (SHA-1, 30 s) the Dhan app would show for this base32 secret. */
export function dhanTotp(secretBase32: string, atMs: number): string {
  let secret: OTPAuth.Secret;
  try {
    secret = OTPAuth.Secret.fromBase32(secretBase32.replace(/[\s-]/g, '').toUpperCase());
  } catch {
    throw new BrokerError('BROKER_AUTH_FAILED', 'The TOTP secret is not valid base32 text');
  }
  return new OTPAuth.TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: atMs });
}

/** The `exp` claim of Dhan's JWT access token, in epoch ms. */
export function dhanJwtExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && claims.exp > 0 ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** `DD/MM/YYYY HH:MM` (IST), as /v2/profile reports tokenValidity. */
export function parseDhanTokenValidity(s: unknown): number | null {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})/.exec(typeof s === 'string' ? s : '');
  if (!m) return null;
  return Date.UTC(Number(m[3]), Number(m[2]) - 1, Number(m[1]), Number(m[4]), Number(m[5])) - IST_OFFSET_MS;
}

function session(clientId: string, accessToken: string, expiresAt: number | null): BrokerSession {
  return { accessToken, expiresAt, extra: { clientId }, accountRef: clientId };
}

/** GET /v2/profile: the cheapest call that proves the token and client id work together. */
export async function dhanProfileState(http: HttpClient, apiUrl: string, auth: DhanAuthHeaders): Promise<SessionState> {
  let reply;
  try {
    reply = await dhanCall(http, { method: 'GET', url: `${apiUrl}/v2/profile`, timeoutMs: AUTH_TIMEOUT_MS }, auth);
  } catch (e) {
    return { state: 'ERROR', message: `Dhan unreachable: ${(e as Error).message}` };
  }
  if (reply.ok) {
    const p = (reply.body ?? {}) as Record<string, unknown>;
    return { state: 'CONNECTED', expiresAt: parseDhanTokenValidity(p.tokenValidity) ?? dhanJwtExpiry(auth.accessToken) };
  }
  if (isTokenError(reply.error)) return { state: 'TOKEN_EXPIRED', at: dhanJwtExpiry(auth.accessToken), message: reply.error.message };
  return { state: 'ERROR', message: `${reply.error.message} (${reply.error.code})` };
}

/** Manual paste: a token generated on web.dhan.co, accepted only once /v2/profile honours it. */
export async function dhanTokenLogin(http: HttpClient, apiUrl: string, clientId: string, accessToken: string): Promise<BrokerSession> {
  const s = await dhanProfileState(http, apiUrl, { clientId, accessToken });
  if (s.state === 'CONNECTED') return session(clientId, accessToken, s.expiresAt);
  if (s.state === 'TOKEN_EXPIRED') throw new BrokerError('BROKER_AUTH_FAILED', `Dhan did not accept this access token: ${s.message}`, 'DH-901');
  throw new BrokerError('BROKER_UNAVAILABLE', s.message);
}

/** PIN + TOTP: POST auth.dhan.co/app/generateAccessToken (query parameters, no body), then prove it on the API host. */
export async function dhanTotpLogin(
  http: HttpClient,
  urls: { apiUrl: string; authUrl: string },
  creds: { clientId: string; pin: string; totpSecret: string },
  now: () => number,
): Promise<BrokerSession> {
  const q = new URLSearchParams({ dhanClientId: creds.clientId, pin: creds.pin, totp: dhanTotp(creds.totpSecret, now()) });
  let reply;
  try {
    reply = await dhanCall(http, { method: 'POST', url: `${urls.authUrl}/app/generateAccessToken?${q.toString()}`, timeoutMs: AUTH_TIMEOUT_MS }, null);
  } catch (e) {
    throw new BrokerError('BROKER_UNAVAILABLE', `Dhan login unreachable: ${(e as Error).message}`);
  }
  if (!reply.ok) {
    if (reply.error.status >= 500) throw new BrokerError('BROKER_UNAVAILABLE', `Dhan login failed: ${reply.error.message}`, reply.error.code);
    throw new BrokerError('BROKER_AUTH_FAILED', `Dhan login refused: ${reply.error.message}`, reply.error.code);
  }
  const b = (reply.body ?? {}) as Record<string, unknown>;
  const token = typeof b.accessToken === 'string' ? b.accessToken : '';
  if (!token) throw new BrokerError('BROKER_AUTH_FAILED', 'Dhan login answered without an access token');
  const s = await dhanProfileState(http, urls.apiUrl, { clientId: creds.clientId, accessToken: token });
  if (s.state === 'TOKEN_EXPIRED') throw new BrokerError('BROKER_AUTH_FAILED', `Dhan issued a token the API refuses: ${s.message}`, 'DH-901');
  if (s.state === 'ERROR') throw new BrokerError('BROKER_UNAVAILABLE', s.message);
  return session(creds.clientId, token, dhanJwtExpiry(token) ?? s.expiresAt ?? now() + TOKEN_TTL_MS);
}
