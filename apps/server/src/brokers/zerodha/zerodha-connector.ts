import { BrokerError } from '../../domain/errors';
import type { Broker, BrokerConnector, BrokerSession } from '../../ports/broker';
import type { HttpClient } from '../transport/http-client';
import { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { exchangeRequestToken, kiteLoginUrl, readZerodhaCredentials, validatePastedToken } from './zerodha-auth';
import { ZerodhaBroker } from './zerodha-broker';
import { KiteRest } from './zerodha-rest';
import { KiteInstrumentCache, parseKiteInstrumentsCsv } from './zerodha-symbols';

export interface ZerodhaConnectorConfig {
  /** KITE_API_URL, default https://api.kite.trade */
  apiUrl: string;
  /** KITE_WS_URL, default wss://ws.kite.trade */
  wsUrl: string;
  /** KITE_LOGIN_URL, default https://kite.zerodha.com */
  loginUrl: string;
  http: HttpClient;
  orderTimeoutMs?: number;
  /** Kite sends the browser to the redirect URL registered with the app; kept for symmetry with Fyers. */
  redirectUrl?: string;
}

export const KITE_DEFAULT_URLS = {
  apiUrl: 'https://api.kite.trade',
  wsUrl: 'wss://ws.kite.trade',
  loginUrl: 'https://kite.zerodha.com',
} as const;

/** Kite's documented order placement limit per user/app. */
export const KITE_ORDERS_PER_SECOND = 10;

export function createZerodhaConnector(config: ZerodhaConnectorConfig): BrokerConnector {
  const orderTimeoutMs = config.orderTimeoutMs ?? 5_000;
  // The master is the same for every account: one download per connector per day.
  const instruments = new KiteInstrumentCache(async () => {
    const rest = new KiteRest(config.http, config.apiUrl, '', null);
    const [nse, bse] = await Promise.all([rest.csv('instruments/NSE'), rest.csv('instruments/BSE')]);
    const a = parseKiteInstrumentsCsv(nse);
    const b = parseKiteInstrumentsCsv(bse);
    return {
      instruments: [...a.instruments, ...b.instruments],
      tokenOf: (id) => a.tokenOf(id) ?? b.tokenOf(id),
      idOf: (t) => a.idOf(t) ?? b.idOf(t),
    };
  });
  // Kite counts orders per app/user, so every Broker opened for one api_key shares one bucket.
  // Kite counts per sliding second: the limiter allows exactly that, a full burst included.
  const buckets = new Map<string, SlidingWindowLimiter>();
  const bucketFor = (apiKey: string): SlidingWindowLimiter => {
    let b = buckets.get(apiKey);
    if (!b) {
      b = new SlidingWindowLimiter(KITE_ORDERS_PER_SECOND);
      buckets.set(apiKey, b);
    }
    return b;
  };

  return {
    kind: 'zerodha',

    async login(credentials: Record<string, string>): Promise<BrokerSession> {
      const creds = readZerodhaCredentials(credentials);
      if (!creds.access_token) {
        throw new BrokerError('BROKER_AUTH_FAILED', 'Zerodha needs the Kite login (redirect) or an access_token pasted from today');
      }
      return validatePastedToken(new KiteRest(config.http, config.apiUrl, creds.api_key, creds.access_token), creds.access_token);
    },

    loginUrl(credentials: Record<string, string>, state: string): string {
      return kiteLoginUrl(config.loginUrl, readZerodhaCredentials(credentials).api_key, state);
    },

    async completeLogin(credentials: Record<string, string>, callback: Record<string, string>): Promise<BrokerSession> {
      const creds = readZerodhaCredentials(credentials);
      if (callback.status && callback.status !== 'success') {
        throw new BrokerError('BROKER_AUTH_FAILED', `Kite login did not succeed (status ${callback.status})`);
      }
      const requestToken = callback.request_token;
      if (!requestToken) throw new BrokerError('BROKER_AUTH_FAILED', 'Kite login callback has no request_token');
      return exchangeRequestToken(new KiteRest(config.http, config.apiUrl, creds.api_key, null), creds, requestToken);
    },

    canAutoLogin: () => false,

    open(credentials: Record<string, string>, session: BrokerSession): Broker {
      const creds = readZerodhaCredentials(credentials);
      return new ZerodhaBroker({
        rest: new KiteRest(config.http, config.apiUrl, creds.api_key, session.accessToken),
        http: config.http,
        apiUrl: config.apiUrl,
        wsUrl: config.wsUrl,
        apiKey: creds.api_key,
        accessToken: session.accessToken,
        expiresAt: session.expiresAt,
        orderBucket: bucketFor(creds.api_key),
        ordersPerSecond: KITE_ORDERS_PER_SECOND,
        orderTimeoutMs,
        symbols: () => instruments.get(),
      });
    },
  };
}
