import { createHash } from 'node:crypto';
import { BrokerError } from '../../domain/errors';
import { istDateOf, istToEpochMs, addDays } from '../../domain/exchange-time';
import type { BrokerSession } from '../../ports/broker';
import { TransportError } from '../transport/http-client';
import { KiteApiError, type KiteRest } from './zerodha-rest';

/** What a user gives us to connect a Kite account. */
export interface ZerodhaCredentials {
  api_key: string;
  api_secret: string;
  /** optional manual paste of today's access token, instead of the redirect login */
  access_token?: string;
}

export function readZerodhaCredentials(c: Record<string, string>): ZerodhaCredentials {
  const apiKey = (c.api_key ?? '').trim();
  if (!apiKey) throw new BrokerError('BROKER_AUTH_FAILED', 'Zerodha needs the api_key of your Kite Connect app');
  const token = (c.access_token ?? '').trim();
  return { api_key: apiKey, api_secret: (c.api_secret ?? '').trim(), ...(token ? { access_token: token } : {}) };
}

/** `checksum = hex(sha256(api_key + request_token + api_secret))`, Kite's proof of the app secret. */
export function kiteChecksum(apiKey: string, requestToken: string, apiSecret: string): string {
  return createHash('sha256').update(`${apiKey}${requestToken}${apiSecret}`).digest('hex');
}

/**
 * Kite's login page. Kite redirects to the app's registered redirect URL; `redirect_params` comes
 * back appended to it, which is how our `state` survives the round trip.
 */
export function kiteLoginUrl(loginBase: string, apiKey: string, state: string): string {
  const u = new URL('connect/login', loginBase.endsWith('/') ? loginBase : `${loginBase}/`);
  u.searchParams.set('v', '3');
  u.searchParams.set('api_key', apiKey);
  if (state) u.searchParams.set('redirect_params', new URLSearchParams({ state }).toString());
  return u.toString();
}

/** Kite access tokens stop working at 06:00 IST on the morning after login. */
export function kiteTokenExpiry(loginAt: number): number {
  const sixToday = istToEpochMs(istDateOf(loginAt), '06:00:00');
  return sixToday > loginAt ? sixToday : istToEpochMs(addDays(istDateOf(loginAt), 1), '06:00:00');
}

/** Kite's `login_time` ("YYYY-MM-DD HH:MM:SS", IST) to epoch ms, falling back to now. */
function loginTimeMs(text: unknown, now: number): number {
  const m = typeof text === 'string' ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text) : null;
  if (!m) return now;
  try {
    return istToEpochMs(m[1] as string, m[2] as string);
  } catch {
    return now;
  }
}

function authFailure(e: unknown): BrokerError {
  if (e instanceof BrokerError) return e;
  if (e instanceof KiteApiError) {
    if (e.status >= 500 || e.status === 429) return new BrokerError('BROKER_UNAVAILABLE', `Zerodha is unavailable: ${e.message}`, e.errorType);
    return new BrokerError('BROKER_AUTH_FAILED', e.message, e.errorType);
  }
  if (e instanceof TransportError) return new BrokerError('BROKER_UNAVAILABLE', `Zerodha did not answer: ${e.message}`);
  return new BrokerError('BROKER_AUTH_FAILED', String(e));
}

interface KiteSessionData {
  access_token: string;
  user_id: string;
  login_time?: string;
}

/** The redirect login's second half: trade the one-time request_token for an access token. */
export async function exchangeRequestToken(rest: KiteRest, creds: ZerodhaCredentials, requestToken: string, now = Date.now()): Promise<BrokerSession> {
  if (!creds.api_secret) throw new BrokerError('BROKER_AUTH_FAILED', 'Zerodha needs the api_secret of your Kite Connect app');
  try {
    const d = await rest.call<KiteSessionData>('POST', 'session/token', {
      form: { api_key: creds.api_key, request_token: requestToken, checksum: kiteChecksum(creds.api_key, requestToken, creds.api_secret) },
    });
    if (!d?.access_token) throw new BrokerError('BROKER_AUTH_FAILED', 'Zerodha returned no access token');
    return { accessToken: d.access_token, expiresAt: kiteTokenExpiry(loginTimeMs(d.login_time, now)), extra: {}, accountRef: d.user_id ?? null };
  } catch (e) {
    throw authFailure(e);
  }
}

/** A pasted access token is accepted only after Kite confirms it with a real call. */
export async function validatePastedToken(rest: KiteRest, accessToken: string, now = Date.now()): Promise<BrokerSession> {
  try {
    const p = await rest.call<{ user_id: string }>('GET', 'user/profile');
    return { accessToken, expiresAt: kiteTokenExpiry(now), extra: {}, accountRef: p?.user_id ?? null };
  } catch (e) {
    throw authFailure(e);
  }
}
