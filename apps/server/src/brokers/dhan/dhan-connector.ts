import { BrokerError } from '../../domain/errors';
import type { BrokerConnector, BrokerSession } from '../../ports/broker';
import type { HttpClient } from '../transport/http-client';
import { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { dhanTokenLogin, dhanTotpLogin } from './dhan-auth';
import { DhanBroker } from './dhan-broker';
import { DHAN_ORDERS_PER_SECOND, DHAN_QUOTES_PER_SECOND } from './dhan-orders';
import { DhanScripMaster } from './dhan-scrip-master';

export const DHAN_DEFAULT_API_URL = 'https://api.dhan.co';
export const DHAN_DEFAULT_AUTH_URL = 'https://auth.dhan.co';
export const DHAN_DEFAULT_FEED_URL = 'wss://api-feed.dhan.co';
export const DHAN_DEFAULT_SCRIP_MASTER_URL = 'https://images.dhan.co/api-data/api-scrip-master.csv';

export interface DhanConnectorConfig {
  /** DHAN_API_URL (https://api.dhan.co); paths add /v2 */
  apiUrl: string;
  /** DHAN_AUTH_URL (https://auth.dhan.co): PIN + TOTP login */
  authUrl: string;
  /** DHAN_FEED_URL (wss://api-feed.dhan.co) */
  feedUrl: string;
  http: HttpClient;
  orderTimeoutMs?: number;
  /** compact scrip master; defaults to images.dhan.co, or `${apiUrl}/api-scrip-master.csv` when apiUrl is not Dhan's (a sim) */
  scripMasterUrl?: string;
  now?: () => number;
}

/**
 * What a user types to connect Dhan: `client_id` plus either `access_token` (pasted from
 * web.dhan.co) or `pin` + `totp_secret` (base32 seed from enabling TOTP), which lets us log in
 * again every day without them.
 */
export interface DhanCredentials {
  client_id?: string;
  access_token?: string;
  pin?: string;
  totp_secret?: string;
}

function trimmed(v: string | undefined): string {
  return (v ?? '').trim();
}

export function createDhanConnector(config: DhanConnectorConfig): BrokerConnector<Record<string, string>> {
  const apiUrl = config.apiUrl.replace(/\/+$/, '');
  const authUrl = config.authUrl.replace(/\/+$/, '');
  const now = config.now ?? Date.now;
  const masterUrl = config.scripMasterUrl ?? (apiUrl === DHAN_DEFAULT_API_URL ? DHAN_DEFAULT_SCRIP_MASTER_URL : `${apiUrl}/api-scrip-master.csv`);
  const master = new DhanScripMaster(config.http, masterUrl, now);
  // Dhan counts orders per client id, so every Broker opened for the same account shares one bucket.
  const orderBuckets = new Map<string, SlidingWindowLimiter>();
  const quoteBuckets = new Map<string, SlidingWindowLimiter>();
  const bucketFor = (m: Map<string, SlidingWindowLimiter>, clientId: string, rate: number): SlidingWindowLimiter => {
    let b = m.get(clientId);
    if (!b) {
      // Dhan counts a sliding second: the limiter allows exactly that, a full burst included.
      b = new SlidingWindowLimiter(rate);
      m.set(clientId, b);
    }
    return b;
  };

  const canAutoLogin = (c: DhanCredentials): boolean => Boolean(trimmed(c.client_id) && trimmed(c.pin) && trimmed(c.totp_secret));

  return {
    kind: 'dhan',
    canAutoLogin,
    async login(creds): Promise<BrokerSession> {
      const c = creds as DhanCredentials;
      const clientId = trimmed(c.client_id);
      if (!clientId) throw new BrokerError('BROKER_AUTH_FAILED', 'Dhan client id is required');
      const token = trimmed(c.access_token);
      if (token) {
        try {
          return await dhanTokenLogin(config.http, apiUrl, clientId, token);
        } catch (e) {
          // a stale pasted token should not block an account that can log itself in
          if (!(e instanceof BrokerError && e.code === 'BROKER_AUTH_FAILED' && canAutoLogin(c))) throw e;
        }
      }
      if (canAutoLogin(c)) {
        return dhanTotpLogin(config.http, { apiUrl, authUrl }, { clientId, pin: trimmed(c.pin), totpSecret: trimmed(c.totp_secret) }, now);
      }
      throw new BrokerError('BROKER_AUTH_FAILED', 'Dhan needs an access token, or PIN and TOTP secret');
    },
    open(creds, session) {
      const clientId = session.extra.clientId ?? trimmed((creds as DhanCredentials).client_id);
      return new DhanBroker(
        {
          http: config.http,
          apiUrl,
          feedUrl: config.feedUrl,
          master,
          orderBucket: bucketFor(orderBuckets, clientId, DHAN_ORDERS_PER_SECOND),
          quoteBucket: bucketFor(quoteBuckets, clientId, DHAN_QUOTES_PER_SECOND),
          orderTimeoutMs: config.orderTimeoutMs ?? 5_000,
        },
        session,
        clientId,
      );
    },
  };
}
