import { BrokerError } from '../../domain/errors';
import type { Instrument, InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import { rupeesToPaise, type Paise } from '../../domain/price';
import type { Broker, OrderRef, PreparedOrder, SessionState } from '../../ports/broker';
import type { MarketFeed } from '../../ports/market-feed';
import { decidedOrder } from '../decided-order';
import { TransportError, type HttpClient, type PreparedHttpRequest } from '../transport/http-client';
import type { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { ZerodhaFeed } from './zerodha-feed';
import { findByTag, KITE_TAG_MAX, kiteOrderForm, toBrokerOrder, toPositions, type KiteOrder, type KitePosition } from './zerodha-orders';
import { KiteApiError, type KiteRest } from './zerodha-rest';
import type { KiteSymbolTable } from './zerodha-symbols';

export interface ZerodhaBrokerDeps {
  rest: KiteRest;
  http: HttpClient;
  apiUrl: string;
  wsUrl: string;
  apiKey: string;
  accessToken: string;
  expiresAt: number | null;
  /** shared by every Broker opened for the same Kite app, so they jointly respect its order rate */
  orderBucket: SlidingWindowLimiter;
  ordersPerSecond: number;
  orderTimeoutMs: number;
  symbols: () => Promise<KiteSymbolTable>;
}

/** How often a 429 is retried before the call is reported as rate limited. */
const MAX_RATE_LIMIT_RETRIES = 3;
/** Kite allows 1000 instruments per LTP call. */
const LTP_BATCH = 1000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tokenError(e: unknown): KiteApiError | null {
  return e instanceof KiteApiError && (e.errorType === 'TokenException' || e.status === 403) ? e : null;
}

/** Anything but a placement: Kite's error → our typed BrokerError. */
function toBrokerError(e: unknown): BrokerError {
  if (e instanceof BrokerError) return e;
  const expired = tokenError(e);
  if (expired) return new BrokerError('BROKER_TOKEN_EXPIRED', `Zerodha session expired: ${expired.message}`, expired.errorType);
  if (e instanceof KiteApiError) {
    if (e.status === 429) return new BrokerError('BROKER_RATE_LIMITED', e.message, e.errorType);
    if (e.status >= 500 || e.errorType === 'NetworkException') return new BrokerError('BROKER_UNAVAILABLE', e.message, e.errorType);
    return new BrokerError('BROKER_REJECTED', e.message, e.errorType);
  }
  if (e instanceof TransportError) return new BrokerError('BROKER_UNAVAILABLE', `Zerodha did not answer: ${e.message}`);
  return new BrokerError('BROKER_UNAVAILABLE', String(e));
}

function accepted(r: { order_id?: unknown } | null | undefined): PlaceResult {
  // A success envelope without an order id: the order may well exist; only a lookup can tell.
  if (r?.order_id === undefined || r.order_id === null || r.order_id === '') return { kind: 'AMBIGUOUS', cause: 'Kite answered success without an order_id' };
  return { kind: 'ACCEPTED', brokerOrderId: String(r.order_id) };
}

/** One connected Kite account, speaking only domain types. */
export class ZerodhaBroker implements Broker {
  readonly kind = 'zerodha' as const;
  private readonly feeds = new Set<MarketFeed>();
  private readonly retryGapMs: number;

  constructor(private readonly d: ZerodhaBrokerDeps) {
    this.retryGapMs = Math.ceil(1000 / d.ordersPerSecond);
  }

  async validateSession(): Promise<SessionState> {
    try {
      await this.d.rest.call('GET', 'user/profile');
      return { state: 'CONNECTED', expiresAt: this.d.expiresAt };
    } catch (e) {
      const expired = tokenError(e);
      if (expired) {
        const now = Date.now();
        const at = this.d.expiresAt !== null && this.d.expiresAt <= now ? this.d.expiresAt : now;
        return { state: 'TOKEN_EXPIRED', at, message: expired.message };
      }
      return { state: 'ERROR', message: toBrokerError(e).message };
    }
  }

  placeOrder(intent: OrderIntent): Promise<PlaceResult> {
    return this.prepareOrder(intent).send();
  }

  prepareOrder(intent: OrderIntent): PreparedOrder {
    if (intent.clientOrderId.length > KITE_TAG_MAX) {
      return decidedOrder(intent, { kind: 'REJECTED', code: 'BROKER_REJECTED', message: `Zerodha tags are at most ${KITE_TAG_MAX} characters` });
    }
    let call: PreparedHttpRequest;
    try {
      call = this.d.rest.prepare('POST', 'orders/regular', { form: kiteOrderForm(intent), timeoutMs: this.d.orderTimeoutMs });
    } catch (e) {
      // Nothing could be built, so nothing was sent.
      return decidedOrder(intent, { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e instanceof Error ? e.message : String(e) });
    }
    return { intent, send: () => this.place(call) };
  }

  /**
   * The usual case (room in the account's window, nobody queued) is sent in this very turn, with
   * no async frame kept per order until its answer; a wait for the window, or a 429's resend, is
   * the rare case.
   */
  private place(call: PreparedHttpRequest, attempt = 0): Promise<PlaceResult> {
    if (!this.d.orderBucket.tryTake()) return this.d.orderBucket.take().then(() => this.sendOrder(call, attempt));
    return this.sendOrder(call, attempt);
  }

  private sendOrder(call: PreparedHttpRequest, attempt: number): Promise<PlaceResult> {
    return this.d.rest.send<{ order_id?: unknown } | null>(call).then(accepted, (e: unknown) => this.placeFailed(call, attempt, e));
  }

  private async placeFailed(call: PreparedHttpRequest, attempt: number, e: unknown): Promise<PlaceResult> {
    if (e instanceof TransportError) {
      if (e.failure === 'connect') return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e.message };
      return { kind: 'AMBIGUOUS', cause: `${e.failure}: ${e.message}` };
    }
    if (!(e instanceof KiteApiError)) return { kind: 'AMBIGUOUS', cause: String(e) };
    if (e.status === 429) {
      // A 429 comes from Kite's limiter before the OMS: nothing was placed, so resending is safe.
      if (attempt >= MAX_RATE_LIMIT_RETRIES) return { kind: 'FAILED', code: 'BROKER_RATE_LIMITED', message: e.message };
      await sleep(Math.max(e.retryAfterMs ?? 0, this.retryGapMs));
      return this.place(call, attempt + 1);
    }
    if (tokenError(e)) return { kind: 'REJECTED', code: 'BROKER_TOKEN_EXPIRED', message: e.message, brokerCode: e.errorType };
    if (e.status >= 500) return { kind: 'AMBIGUOUS', cause: `HTTP ${e.status} ${e.errorType}: ${e.message}` };
    return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: e.message, brokerCode: e.errorType };
  }

  async findOrder(ref: OrderRef): Promise<BrokerOrder | null> {
    if ('tag' in ref) {
      const o = findByTag(await this.read<KiteOrder[]>('orders'), ref.tag);
      return o ? toBrokerOrder(o) : null;
    }
    let history: KiteOrder[];
    try {
      history = await this.read<KiteOrder[]>(`orders/${encodeURIComponent(ref.brokerOrderId)}`);
    } catch (e) {
      if (e instanceof BrokerError && e.code === 'BROKER_REJECTED' && /find|not found|order_id/i.test(e.message)) return null;
      throw e;
    }
    const last = history[history.length - 1];
    return last ? toBrokerOrder(last) : null;
  }

  async orders(): Promise<BrokerOrder[]> {
    const list = await this.read<KiteOrder[]>('orders');
    return list.map(toBrokerOrder).filter((o): o is BrokerOrder => o !== null);
  }

  async positions(): Promise<Position[]> {
    const p = await this.read<{ net: KitePosition[]; day: KitePosition[] }>('portfolio/positions');
    return toPositions(p.net ?? []);
  }

  async cancelOrder(brokerOrderId: string): Promise<void> {
    await this.withRateRetry(() => this.d.rest.call('DELETE', `orders/regular/${encodeURIComponent(brokerOrderId)}`, { timeoutMs: this.d.orderTimeoutMs }));
  }

  async ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    const out = new Map<InstrumentId, Paise>();
    for (let i = 0; i < ids.length; i += LTP_BATCH) {
      const batch = ids.slice(i, i + LTP_BATCH);
      const data = await this.read<Record<string, { last_price: number }>>('quote/ltp', batch.map((id) => ['i', id] as [string, string]));
      for (const id of batch) {
        const q = data[id];
        if (q && typeof q.last_price === 'number') out.set(id, rupeesToPaise(q.last_price));
      }
    }
    return out;
  }

  async instruments(): Promise<Instrument[]> {
    try {
      return (await this.d.symbols()).instruments;
    } catch (e) {
      throw toBrokerError(e);
    }
  }

  createFeed(): MarketFeed {
    const feed: MarketFeed = new ZerodhaFeed({
      wsUrl: this.d.wsUrl,
      apiKey: this.d.apiKey,
      accessToken: this.d.accessToken,
      symbols: this.d.symbols,
      onClosed: () => this.feeds.delete(feed),
    });
    this.feeds.add(feed);
    return feed;
  }

  async warmUp(): Promise<void> {
    await this.d.http.warm(new URL(this.d.apiUrl).origin);
  }

  async close(): Promise<void> {
    await Promise.all([...this.feeds].map((f) => f.close()));
  }

  private read<T>(path: string, query?: Array<[string, string]>): Promise<T> {
    return this.withRateRetry(() => this.d.rest.call<T>('GET', path, query ? { query } : {}));
  }

  private async withRateRetry<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof KiteApiError && e.status === 429 && attempt < MAX_RATE_LIMIT_RETRIES) {
          await sleep(Math.max(e.retryAfterMs ?? 0, this.retryGapMs));
          continue;
        }
        throw toBrokerError(e);
      }
    }
  }
}
