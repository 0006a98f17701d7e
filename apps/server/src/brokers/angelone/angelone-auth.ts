import { Secret, TOTP } from 'otpauth';
import { BrokerError } from '../../domain/errors';
import type { BrokerSession } from '../../ports/broker';
import type { HttpClient } from '../transport/http-client';
import { TransportError } from '../transport/http-client';
import { ANGELONE_PATHS, AngelRestClient, type AngelClientIdentity } from './angelone-rest';

/** What a user types to connect an Angel One account. */
export interface AngelOneCredentials {
  api_key?: string;
  client_code?: string;
  /** automatic daily login: the 4-digit MPIN and the base32 TOTP secret */
  mpin?: string;
  totp_secret?: string;
  /** or a pasted session: jwt + feed token (from publisher login or another tool) */
  access_token?: string;
  feed_token?: string;
  refresh_token?: string;
}

const IST_OFFSET_MS = 19_800_000;
const DAY_MS = 86_400_000;
const LOGIN_TIMEOUT_MS = 10_000;

/** Angel sessions end at 12 midnight IST (angel-docs 04-user.md). */
export function angelSessionExpiry(now: number): number {
  return Math.floor((now + IST_OFFSET_MS) / DAY_MS) * DAY_MS + DAY_MS - IST_OFFSET_MS;
}

export function canAutoLogin(c: AngelOneCredentials): boolean {
  return Boolean(c.api_key && c.client_code && c.mpin && c.totp_secret);
}

/** The current RFC-6238 code for the user's TOTP secret (SHA1, 6 digits, 30 s, as Angel issues them). */
export function angelTotp(secretBase32: string, now: number): string {
  let secret: Secret;
  try {
    secret = Secret.fromBase32(secretBase32.replace(/\s+/g, '').toUpperCase());
  } catch {
    throw new BrokerError('BROKER_AUTH_FAILED', 'The TOTP secret is not valid base32 text');
  }
  return new TOTP({ secret, algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: now });
}

function authFailure(e: unknown): BrokerError {
  if (e instanceof BrokerError) return e;
  if (e instanceof TransportError) return new BrokerError('BROKER_UNAVAILABLE', `Angel One could not be reached: ${e.failure}`);
  return new BrokerError('BROKER_UNAVAILABLE', 'Angel One login failed unexpectedly');
}

/**
 * Headless login. With MPIN + TOTP secret we generate the code ourselves, so the session can be
 * renewed every day without the user; with a pasted jwt we prove it with a profile call.
 */
export async function angelLogin(http: HttpClient, apiUrl: string, identity: Omit<AngelClientIdentity, 'apiKey'>, c: AngelOneCredentials, now: number): Promise<BrokerSession> {
  if (!c.api_key || !c.client_code) throw new BrokerError('BROKER_AUTH_FAILED', 'api_key and client_code are required');
  const id: AngelClientIdentity = { ...identity, apiKey: c.api_key };
  try {
    if (c.mpin && c.totp_secret) {
      const totp = angelTotp(c.totp_secret, now);
      const r = await new AngelRestClient(http, apiUrl, id, null).call('POST', ANGELONE_PATHS.login, { clientcode: c.client_code, password: c.mpin, totp }, LOGIN_TIMEOUT_MS);
      if (r.kind === 'rate_limited') throw new BrokerError('BROKER_RATE_LIMITED', 'Angel One refused the login: too many attempts, try again in a second');
      if (r.kind === 'server') throw new BrokerError('BROKER_UNAVAILABLE', `Angel One login failed: ${r.message}`);
      if (r.kind !== 'ok') throw new BrokerError('BROKER_AUTH_FAILED', r.message || 'Angel One refused the login', r.code);
      const d = (r.data ?? {}) as Record<string, unknown>;
      const jwt = String(d.jwtToken ?? '').replace(/^Bearer\s+/i, '');
      if (!jwt) throw new BrokerError('BROKER_UNAVAILABLE', 'Angel One login answered without a token');
      return {
        accessToken: jwt,
        expiresAt: angelSessionExpiry(now),
        extra: { feed_token: String(d.feedToken ?? ''), refresh_token: String(d.refreshToken ?? ''), client_code: c.client_code },
        accountRef: c.client_code,
      };
    }
    if (c.access_token) {
      if (!c.feed_token) throw new BrokerError('BROKER_AUTH_FAILED', 'feed_token is required with a pasted access_token');
      const jwt = c.access_token.replace(/^Bearer\s+/i, '');
      const r = await new AngelRestClient(http, apiUrl, id, jwt).call('GET', ANGELONE_PATHS.profile, undefined, LOGIN_TIMEOUT_MS);
      if (r.kind === 'token') throw new BrokerError('BROKER_AUTH_FAILED', `The access token was refused: ${r.message}`, r.code);
      if (r.kind === 'rate_limited') throw new BrokerError('BROKER_RATE_LIMITED', 'Angel One refused the check: too many requests');
      if (r.kind === 'server') throw new BrokerError('BROKER_UNAVAILABLE', `Angel One could not check the token: ${r.message}`);
      if (r.kind === 'error') throw new BrokerError('BROKER_AUTH_FAILED', r.message, r.code);
      return {
        accessToken: jwt,
        expiresAt: angelSessionExpiry(now),
        extra: { feed_token: c.feed_token, refresh_token: c.refresh_token ?? '', client_code: c.client_code },
        accountRef: c.client_code,
      };
    }
  } catch (e) {
    throw authFailure(e);
  }
  throw new BrokerError('BROKER_AUTH_FAILED', 'Give either mpin and totp_secret, or access_token and feed_token');
}
