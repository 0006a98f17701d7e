import type { InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import { rupeesToPaise, type Paise } from '../../domain/price';
import { BrokerError } from '../../domain/errors';
import type { OrderRef, PreparedOrder } from '../../ports/broker';
import { decidedOrder } from '../decided-order';
import type { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { TransportError, type PreparedHttpRequest } from '../transport/http-client';
import { fyersCode, fyersMessage, isOk, isRateLimited, isTokenError, type FyersBody, type FyersRest } from './fyers-rest';
import { fyersOrderBody, orderTagFilter, toBrokerOrder, toPositions } from './fyers-order-mapping';
import { fromFyersSymbol } from './fyers-symbols';

/** Fyers' documented order rate (and the SEBI retail-algo cap): 10 per second per app+user. */
export const FYERS_ORDERS_PER_SECOND = 10;
const PLACE_ATTEMPTS = 3;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Order-side REST of one Fyers account: place, find, list, cancel, positions, LTP. */
export class FyersOrders {
  constructor(
    private readonly rest: FyersRest,
    private readonly apiUrl: string,
    private readonly dataUrl: string,
    private readonly toSymbol: (id: InstrumentId) => string,
    private readonly orderTimeoutMs: number,
    /**
     * The account's order limiter. Fyers counts orders per app+user in a sliding second, so the
     * connector owns one per (app_id, account) and every Broker opened for it shares that one: a
     * re-login must not hand out a fresh, empty window.
     */
    private readonly bucket: SlidingWindowLimiter,
  ) {}

  async place(intent: OrderIntent): Promise<PlaceResult> {
    return this.prepare(intent).send();
  }

  /** The order's request built now, to be sent (once) at its due time. */
  prepare(intent: OrderIntent): PreparedOrder {
    let call: PreparedHttpRequest;
    try {
      call = this.rest.prepare('POST', `${this.apiUrl}/api/v3/orders/sync`, fyersOrderBody(intent, this.toSymbol(intent.instrument)), this.orderTimeoutMs);
    } catch (e) {
      // A request that cannot be built was never sent.
      if (e instanceof TransportError) return decidedOrder(intent, { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e.message });
      throw e;
    }
    return { intent, send: () => this.placePrepared(call) };
  }

  private async placePrepared(call: PreparedHttpRequest): Promise<PlaceResult> {
    for (let attempt = 1; ; attempt++) {
      await this.bucket.take();
      let r;
      try {
        r = await this.rest.sendPrepared(call);
      } catch (e) {
        if (e instanceof TransportError) {
          if (e.failure === 'connect') return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: `Fyers unreachable: ${e.message}` };
          return { kind: 'AMBIGUOUS', cause: `Fyers order request ${e.failure}: ${e.message}` };
        }
        throw e;
      }
      if (isRateLimited(r)) {
        // A 429 is a refusal before any order was made: safe to send again after the pause.
        if (attempt >= PLACE_ATTEMPTS) return { kind: 'FAILED', code: 'BROKER_RATE_LIMITED', message: fyersMessage(r, 'Fyers rate limit reached') };
        await sleep(this.rest.backoffMs(r));
        continue;
      }
      const code = fyersCode(r);
      // code 201: "order request has been made but no acknowledgement has been received".
      if (code === 201) return { kind: 'AMBIGUOUS', cause: `Fyers code 201: ${fyersMessage(r, 'sent but not acknowledged')}` };
      if (r.status >= 500 || r.body === null) return { kind: 'AMBIGUOUS', cause: `Fyers answered HTTP ${r.status} to an order` };
      if (isTokenError(r)) return { kind: 'REJECTED', code: 'BROKER_TOKEN_EXPIRED', message: fyersMessage(r, 'Fyers session expired'), brokerCode: String(code ?? r.status) };
      const id = r.body.id;
      if (isOk(r) && typeof id === 'string' && id) return { kind: 'ACCEPTED', brokerOrderId: id };
      if (r.body.s === 'error') return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: fyersMessage(r, 'Fyers rejected the order'), brokerCode: String(code ?? r.status) };
      return { kind: 'AMBIGUOUS', cause: `unexpected Fyers order answer (HTTP ${r.status}, code ${String(code)})` };
    }
  }

  async find(ref: OrderRef): Promise<BrokerOrder | null> {
    const q = 'tag' in ref ? `order_tag=${encodeURIComponent(orderTagFilter(ref.tag))}` : `id=${encodeURIComponent(ref.brokerOrderId)}`;
    let body: FyersBody;
    try {
      body = await this.rest.call('GET', `${this.apiUrl}/api/v3/orders?${q}`);
    } catch (e) {
      // -51 "invalid order id": Fyers has no such order.
      if (e instanceof BrokerError && e.brokerCode === '-51') return null;
      throw e;
    }
    const list = this.mapBook(body).filter((o) => ('tag' in ref ? o.tag === ref.tag : o.brokerOrderId === ref.brokerOrderId));
    // Tags are ours and unique per attempt; should the book hold two, the newest is the live one.
    return list.at(-1) ?? null;
  }

  async list(): Promise<BrokerOrder[]> {
    return this.mapBook(await this.rest.call('GET', `${this.apiUrl}/api/v3/orders`));
  }

  async cancel(brokerOrderId: string): Promise<void> {
    await this.bucket.take();
    await this.rest.call('DELETE', `${this.apiUrl}/api/v3/orders/sync`, { id: brokerOrderId });
  }

  async positions(): Promise<Position[]> {
    const body = await this.rest.call('GET', `${this.apiUrl}/api/v3/positions`);
    const rows = Array.isArray(body.netPositions) ? (body.netPositions as Array<Record<string, unknown>>) : [];
    return toPositions(rows);
  }

  async ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    const out = new Map<InstrumentId, Paise>();
    if (ids.length === 0) return out;
    const symbols = ids.map((id) => this.toSymbol(id));
    const body = await this.rest.call('GET', `${this.dataUrl}/quotes?symbols=${encodeURIComponent(symbols.join(','))}`);
    const d = Array.isArray(body.d) ? (body.d as Array<Record<string, unknown>>) : [];
    for (const item of d) {
      const v = item.v as Record<string, unknown> | undefined;
      const id = fromFyersSymbol(String(item.n ?? ''));
      if (item.s !== 'ok' || !v || !id || typeof v.lp !== 'number' || v.lp <= 0) continue;
      out.set(id, rupeesToPaise(v.lp));
    }
    return out;
  }

  private mapBook(body: FyersBody): BrokerOrder[] {
    const raw = Array.isArray(body.orderBook) ? (body.orderBook as Array<Record<string, unknown>>) : [];
    return raw.map(toBrokerOrder).filter((o): o is BrokerOrder => o !== null);
  }
}
