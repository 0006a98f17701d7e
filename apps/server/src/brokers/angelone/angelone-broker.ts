import { BrokerError } from '../../domain/errors';
import type { Instrument, InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import type { Paise } from '../../domain/price';
import type { Broker, BrokerSession, OrderRef, SessionState } from '../../ports/broker';
import type { MarketFeed } from '../../ports/market-feed';
import { TransportError, type HttpClient } from '../transport/http-client';
import type { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import type { AngelReply } from './angelone-envelope';
import { AngelOneFeed } from './angelone-feed';
import { ANGELONE_MAX_TAG_LENGTH, mapAngelLtp, mapAngelOrder, mapAngelOrderBook, mapAngelPositions, placeOrderBody } from './angelone-orders';
import { ANGELONE_PATHS, AngelRestClient, type AngelClientIdentity } from './angelone-rest';
import type { AngelScripMasterCache, AngelSymbolTable } from './angelone-symbols';

/** place + modify + cancel combined, per client code. */
export const ANGELONE_ORDERS_PER_SECOND = 9;
const ORDER_RETRY_MS = Math.ceil(1000 / ANGELONE_ORDERS_PER_SECOND);
/** Book, positions and profile are limited to 1-3/s, so a refused read waits a full second. */
const READ_RETRY_MS = 1000;
const MAX_RATE_RETRIES = 3;
const READ_TIMEOUT_MS = 5000;

export interface AngelOneBrokerDeps {
  http: HttpClient;
  apiUrl: string;
  wsUrl: string;
  identity: AngelClientIdentity;
  clientCode: string;
  session: BrokerSession;
  symbols: AngelScripMasterCache;
  /** shared by every Broker of this client code: Angel counts per client */
  orderBucket: SlidingWindowLimiter;
  /** getLtpData allows 10/s */
  ltpBucket: SlidingWindowLimiter;
  orderTimeoutMs: number;
  now: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One connected Angel One account, speaking only domain types. */
export class AngelOneBroker implements Broker {
  readonly kind = 'angelone' as const;
  private readonly rest: AngelRestClient;
  private readonly feeds = new Set<AngelOneFeed>();
  /** uniqueorderid per order id from our own placements, for the cheaper details lookup */
  private readonly uniqueIds = new Map<string, string>();

  constructor(private readonly d: AngelOneBrokerDeps) {
    this.rest = new AngelRestClient(d.http, d.apiUrl, d.identity, d.session.accessToken);
  }

  async validateSession(): Promise<SessionState> {
    try {
      const r = await this.rest.call('GET', ANGELONE_PATHS.profile, undefined, READ_TIMEOUT_MS);
      if (r.kind === 'ok') return { state: 'CONNECTED', expiresAt: this.d.session.expiresAt };
      if (r.kind === 'token') return { state: 'TOKEN_EXPIRED', at: this.d.now(), message: r.message };
      return { state: 'ERROR', message: r.message };
    } catch (e) {
      return { state: 'ERROR', message: e instanceof TransportError ? `Angel One unreachable (${e.failure})` : 'Angel One check failed' };
    }
  }

  async placeOrder(intent: OrderIntent): Promise<PlaceResult> {
    if (intent.clientOrderId.length > ANGELONE_MAX_TAG_LENGTH) {
      return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: `Angel One order tags must be under 20 characters (got ${intent.clientOrderId.length})` };
    }
    let table: AngelSymbolTable;
    try {
      table = await this.d.symbols.get();
    } catch (e) {
      return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e instanceof Error ? e.message : 'instrument master unavailable' };
    }
    const scrip = table.scrip(intent.instrument);
    if (!scrip) return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: `${intent.instrument} is not in Angel One's instrument master` };
    const body = placeOrderBody(intent, scrip);

    for (let attempt = 0; ; attempt++) {
      await this.d.orderBucket.take();
      let r: AngelReply;
      try {
        r = await this.rest.call('POST', ANGELONE_PATHS.placeOrder, body, this.d.orderTimeoutMs);
      } catch (e) {
        if (e instanceof TransportError && e.failure === 'connect') return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e.message };
        return { kind: 'AMBIGUOUS', cause: e instanceof TransportError ? `no answer from Angel One (${e.failure})` : 'placement failed mid-flight' };
      }
      switch (r.kind) {
        case 'ok': {
          const data = (r.data ?? {}) as Record<string, unknown>;
          const orderId = data.orderid === undefined || data.orderid === null ? '' : String(data.orderid);
          if (!orderId) return { kind: 'AMBIGUOUS', cause: 'Angel One accepted the request without an order id' };
          if (data.uniqueorderid) this.uniqueIds.set(orderId, String(data.uniqueorderid));
          return { kind: 'ACCEPTED', brokerOrderId: orderId };
        }
        case 'rate_limited':
          // A 403 rate refusal is the gateway's: the order never reached the OMS, so resending is safe.
          if (attempt >= MAX_RATE_RETRIES) return { kind: 'FAILED', code: 'BROKER_RATE_LIMITED', message: r.message };
          await sleep(Math.max(r.retryAfterMs ?? 0, ORDER_RETRY_MS));
          continue;
        case 'token':
          return { kind: 'REJECTED', code: 'BROKER_TOKEN_EXPIRED', message: r.message, brokerCode: r.code };
        case 'error':
          return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: r.message, brokerCode: r.code };
        case 'server':
          return { kind: 'AMBIGUOUS', cause: `Angel One answered ${r.httpStatus}: ${r.message}` };
      }
    }
  }

  async findOrder(ref: OrderRef): Promise<BrokerOrder | null> {
    const table = await this.table();
    if ('brokerOrderId' in ref) {
      const unique = this.uniqueIds.get(ref.brokerOrderId);
      if (unique) {
        // details/{uniqueorderid} allows 10/s against the book's 1/s.
        const r = await this.read('GET', `${ANGELONE_PATHS.orderDetails}${encodeURIComponent(unique)}`, undefined, true);
        if (r !== undefined && r !== null && typeof r === 'object') {
          const o = mapAngelOrder(r as Record<string, unknown>, table);
          if (o) return o;
        }
      }
      return (await this.orders()).find((o) => o.brokerOrderId === ref.brokerOrderId) ?? null;
    }
    const matches = (await this.orders()).filter((o) => o.tag === ref.tag);
    return matches.at(-1) ?? null;
  }

  async orders(): Promise<BrokerOrder[]> {
    const table = await this.table();
    return mapAngelOrderBook(await this.read('GET', ANGELONE_PATHS.orderBook), table);
  }

  async positions(): Promise<Position[]> {
    const table = await this.table();
    return mapAngelPositions(await this.read('GET', ANGELONE_PATHS.positions), table);
  }

  async cancelOrder(brokerOrderId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.d.orderBucket.take();
      let r: AngelReply;
      try {
        r = await this.rest.call('POST', ANGELONE_PATHS.cancelOrder, { variety: 'NORMAL', orderid: brokerOrderId }, this.d.orderTimeoutMs);
      } catch (e) {
        throw new BrokerError('BROKER_UNAVAILABLE', e instanceof TransportError ? `Angel One cancel got no answer (${e.failure})` : 'cancel failed');
      }
      if (r.kind === 'rate_limited' && attempt < MAX_RATE_RETRIES) {
        await sleep(Math.max(r.retryAfterMs ?? 0, ORDER_RETRY_MS));
        continue;
      }
      if (r.kind === 'ok') return;
      throw this.errorFor(r);
    }
  }

  async ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    const table = await this.table();
    const out = new Map<InstrumentId, Paise>();
    // getLtpData takes one instrument per call; the bucket keeps a long list under Angel's 10/s.
    await Promise.all(
      ids.map(async (id) => {
        const scrip = table.scrip(id);
        if (!scrip) return;
        await this.d.ltpBucket.take();
        const data = await this.read('POST', ANGELONE_PATHS.ltp, { exchange: scrip.exchange, tradingsymbol: scrip.tradingsymbol, symboltoken: scrip.token });
        const p = mapAngelLtp(data);
        if (p !== null) out.set(id, p);
      }),
    );
    return out;
  }

  async instruments(): Promise<Instrument[]> {
    return (await this.table()).scrips.map((s) => s.instrument);
  }

  createFeed(): MarketFeed {
    const feed = new AngelOneFeed({
      wsUrl: this.d.wsUrl,
      apiKey: this.d.identity.apiKey,
      clientCode: this.d.clientCode,
      jwt: this.d.session.accessToken,
      feedToken: this.d.session.extra.feed_token ?? '',
      symbols: this.d.symbols,
      now: this.d.now,
      onClosed: (f) => this.feeds.delete(f),
    });
    this.feeds.add(feed);
    return feed;
  }

  async warmUp(): Promise<void> {
    await Promise.all([this.d.http.warm(this.d.apiUrl), this.d.symbols.get().catch(() => undefined)]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.feeds].map((f) => f.close()));
    this.feeds.clear();
  }

  private async table(): Promise<AngelSymbolTable> {
    return this.d.symbols.get();
  }

  /** A read: returns `data`, retries rate refusals after a second, throws BrokerError otherwise. */
  private async read(method: 'GET' | 'POST', path: string, body?: unknown, notFoundIsNull = false): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      let r: AngelReply;
      try {
        r = await this.rest.call(method, path, body, READ_TIMEOUT_MS);
      } catch (e) {
        throw new BrokerError('BROKER_UNAVAILABLE', e instanceof TransportError ? `Angel One got no answer (${e.failure})` : 'Angel One request failed');
      }
      if (r.kind === 'ok') return r.data;
      if (r.kind === 'rate_limited' && attempt < MAX_RATE_RETRIES) {
        await sleep(Math.max(r.retryAfterMs ?? 0, READ_RETRY_MS));
        continue;
      }
      if (notFoundIsNull && r.kind === 'error' && r.code === 'AB1013') return null;
      throw this.errorFor(r);
    }
  }

  private errorFor(r: Exclude<AngelReply, { kind: 'ok' }>): BrokerError {
    switch (r.kind) {
      case 'token':
        return new BrokerError('BROKER_TOKEN_EXPIRED', `Angel One session expired: ${r.message}`, r.code);
      case 'rate_limited':
        return new BrokerError('BROKER_RATE_LIMITED', r.message);
      case 'server':
        return new BrokerError('BROKER_UNAVAILABLE', r.message);
      case 'error':
        return new BrokerError('BROKER_REJECTED', r.message, r.code);
    }
  }
}
