import { BrokerError } from '../../domain/errors';
import type { InstrumentId } from '../../domain/instrument';
import type { Broker, BrokerConnector, BrokerSession, SessionState } from '../../ports/broker';
import type { MarketFeed } from '../../ports/market-feed';
import type { HttpClient } from '../transport/http-client';
import { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { decodeFyersToken, exchangeFyersAuthCode, fetchFyersProfile, fyersLoginUrl, loginWithPastedToken, readFyersCredentials } from './fyers-auth';
import { FyersFeed } from './fyers-feed';
import { FYERS_ORDERS_PER_SECOND, FyersOrders } from './fyers-orders';
import { FyersRest } from './fyers-rest';
import { FyersSymbolMaster, hsmTopicForFyToken, toFyersSymbol } from './fyers-symbols';

export const FYERS_DEFAULT_API_URL = 'https://api-t1.fyers.in';
export const FYERS_DEFAULT_WS_URL = 'wss://socket.fyers.in/hsm/v1-5/prod';
const FYERS_PUBLIC_SYMBOLS_URL = 'https://public.fyers.in/sym_details';

export interface FyersConnectorConfig {
  /** FYERS_API_URL: REST host; paths `/api/v3/...` are appended */
  apiUrl: string;
  /** data API base (quotes, symbol-token); defaults to `${apiUrl}/data` */
  dataUrl?: string;
  /**
   * symbol-master folder (`NSE_CM.csv`, `BSE_CM.csv`); defaults to public.fyers.in for the
   * production host and to `${apiUrl}/sym_details` otherwise (a sim serves it on its own port)
   */
  symbolMasterUrl?: string;
  /** FYERS_WS_URL: the HSM market-data socket */
  wsUrl: string;
  http: HttpClient;
  /** how long a placement may take before it is AMBIGUOUS (default 5000) */
  orderTimeoutMs?: number;
  /** our callback for the redirect login; must match the app's registered redirect URI */
  redirectUrl?: string;
}

/** Fyers API v3: redirect login (auth code + appIdHash) or a pasted access token. */
export function createFyersConnector(config: FyersConnectorConfig): BrokerConnector {
  const apiUrl = config.apiUrl.replace(/\/+$/, '');
  const dataUrl = (config.dataUrl ?? `${apiUrl}/data`).replace(/\/+$/, '');
  const symbolsUrl = (config.symbolMasterUrl ?? (apiUrl === FYERS_DEFAULT_API_URL ? FYERS_PUBLIC_SYMBOLS_URL : `${apiUrl}/sym_details`)).replace(/\/+$/, '');
  const orderTimeoutMs = config.orderTimeoutMs ?? 5_000;
  const http = config.http;

  const master = new FyersSymbolMaster(async (file) => {
    const res = await http.send({ method: 'GET', url: `${symbolsUrl}/${file}`, timeoutMs: 30_000 });
    if (res.status !== 200) throw new BrokerError('BROKER_UNAVAILABLE', `Fyers symbol master ${file}: HTTP ${res.status}`);
    return res.text;
  });

  const restFor = (appId: string, token: string | null): FyersRest =>
    new FyersRest(http, () => (token ? `${appId}:${token}` : null), FYERS_ORDERS_PER_SECOND);

  const toSymbol = (id: InstrumentId): string => master.cached(id)?.ticker ?? toFyersSymbol(id);

  // Fyers counts orders per app+user in a sliding second, so every Broker opened for one
  // (app_id, Fyers client id) shares one limiter: a re-login or a re-open must not start afresh.
  const buckets = new Map<string, SlidingWindowLimiter>();
  const bucketFor = (appId: string, session: BrokerSession): SlidingWindowLimiter => {
    const account = decodeFyersToken(session.accessToken)?.fyId ?? session.accountRef ?? '';
    const key = `${appId}|${account}`;
    let b = buckets.get(key);
    if (!b) {
      b = new SlidingWindowLimiter(FYERS_ORDERS_PER_SECOND);
      buckets.set(key, b);
    }
    return b;
  };

  return {
    kind: 'fyers',

    async login(credentials) {
      const c = readFyersCredentials(credentials);
      if (!c.access_token) {
        throw new BrokerError('BROKER_AUTH_FAILED', 'Fyers needs the redirect login, or an access_token to paste');
      }
      return loginWithPastedToken(restFor(c.app_id, c.access_token), apiUrl, c.access_token);
    },

    loginUrl(credentials, state) {
      const c = readFyersCredentials(credentials);
      if (!config.redirectUrl) throw new BrokerError('BROKER_AUTH_FAILED', 'Fyers redirect login needs a redirect URL configured');
      return fyersLoginUrl(apiUrl, c.app_id, config.redirectUrl, state);
    },

    async completeLogin(credentials, callback) {
      const c = readFyersCredentials(credentials);
      const session = await exchangeFyersAuthCode(restFor(c.app_id, null), apiUrl, c, callback);
      // Prove the fresh token with a real call, and learn the client id for display.
      const p = await fetchFyersProfile(restFor(c.app_id, session.accessToken), apiUrl).catch(() => null);
      if (p && !p.ok) throw new BrokerError('BROKER_AUTH_FAILED', p.message);
      return { ...session, accountRef: (p && p.ok ? p.fyId : null) ?? session.accountRef };
    },

    canAutoLogin() {
      // Every Fyers login needs the user in a browser (OTP/TOTP + PIN); there is no headless path.
      return false;
    },

    open(credentials, session) {
      const c = readFyersCredentials(credentials);
      return openFyersBroker({ appId: c.app_id, session, http, apiUrl, dataUrl, wsUrl: config.wsUrl, orderTimeoutMs, master, toSymbol, restFor, orderBucket: bucketFor(c.app_id, session) });
    },
  };
}

interface OpenArgs {
  appId: string;
  session: BrokerSession;
  http: HttpClient;
  apiUrl: string;
  dataUrl: string;
  wsUrl: string;
  orderTimeoutMs: number;
  master: FyersSymbolMaster;
  toSymbol: (id: InstrumentId) => string;
  restFor: (appId: string, token: string | null) => FyersRest;
  orderBucket: SlidingWindowLimiter;
}

function openFyersBroker(a: OpenArgs): Broker {
  const rest = a.restFor(a.appId, a.session.accessToken);
  const orders = new FyersOrders(rest, a.apiUrl, a.dataUrl, a.toSymbol, a.orderTimeoutMs, a.orderBucket);
  const claims = decodeFyersToken(a.session.accessToken);
  const feeds = new Set<FyersFeed>();

  const resolveTopics = async (ids: readonly InstrumentId[]): Promise<Map<InstrumentId, string>> => {
    const out = new Map<InstrumentId, string>();
    const missing: InstrumentId[] = [];
    for (const id of ids) {
      const row = a.master.cached(id);
      const topic = row ? hsmTopicForFyToken(row.fyToken) : null;
      if (topic) out.set(id, topic);
      else missing.push(id);
    }
    if (missing.length === 0) return out;
    const bySymbol = new Map(missing.map((id) => [a.toSymbol(id), id]));
    const body = await rest.call('POST', `${a.dataUrl}/symbol-token`, { symbols: [...bySymbol.keys()] });
    const valid = (body.validSymbol ?? {}) as Record<string, unknown>;
    for (const [symbol, fyToken] of Object.entries(valid)) {
      const id = bySymbol.get(symbol);
      const topic = typeof fyToken === 'string' ? hsmTopicForFyToken(fyToken) : null;
      if (id && topic) out.set(id, topic);
    }
    return out;
  };

  return {
    kind: 'fyers',

    async validateSession(): Promise<SessionState> {
      try {
        const p = await fetchFyersProfile(rest, a.apiUrl);
        if (p.ok) return { state: 'CONNECTED', expiresAt: a.session.expiresAt };
        if (p.expired) return { state: 'TOKEN_EXPIRED', at: a.session.expiresAt, message: p.message };
        return { state: 'ERROR', message: p.message };
      } catch (e) {
        return { state: 'ERROR', message: `Fyers did not answer: ${e instanceof Error ? e.message : String(e)}` };
      }
    },

    placeOrder: (intent) => orders.place(intent),
    prepareOrder: (intent) => orders.prepare(intent),
    findOrder: (ref) => orders.find(ref),
    orders: () => orders.list(),
    positions: () => orders.positions(),
    cancelOrder: (id) => orders.cancel(id),
    ltp: (ids) => orders.ltp(ids),

    async instruments() {
      return (await a.master.all()).map((r) => r.instrument);
    },

    createFeed(): MarketFeed {
      const feed = new FyersFeed({ wsUrl: a.wsUrl, hsmKey: () => claims?.hsmKey ?? null, resolveTopics });
      feeds.add(feed);
      feed.onState((s) => {
        if (s === 'CLOSED') feeds.delete(feed);
      });
      return feed;
    },

    async warmUp() {
      await a.http.warm(new URL(a.apiUrl).origin);
    },

    async close() {
      await Promise.all([...feeds].map((f) => f.close()));
      feeds.clear();
    },
  };
}
