import { BrokerError } from '../../domain/errors';
import type { InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import { rupeesToPaise, type Paise } from '../../domain/price';
import type { OrderRef } from '../../ports/broker';
import type { HttpClient, HttpRequest } from '../transport/http-client';
import { TransportError } from '../transport/http-client';
import type { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { dhanBrokerError, dhanCall, isRateLimited, isServerSide, isTokenError, type DhanAuthHeaders, type DhanReply } from './dhan-rest-client';
import { mapDhanOrderStatus } from './dhan-status-map';
import type { DhanSymbolTable } from './dhan-symbols';
import { dhanRupeesToPaise } from './dhan-tick-parser';

/** Dhan's documented order rate (Order APIs, per account, since the SEBI retail-algo rules). */
export const DHAN_ORDERS_PER_SECOND = 10;
/** Quote APIs (marketfeed ltp/ohlc/quote) allow one request a second. */
export const DHAN_QUOTES_PER_SECOND = 1;
const RATE_LIMIT_RETRIES = 3;
const READ_TIMEOUT_MS = 5_000;
const IST_OFFSET_MS = 19_800_000;

export interface DhanOrdersDeps {
  http: HttpClient;
  apiUrl: string;
  auth: DhanAuthHeaders;
  symbols: () => Promise<DhanSymbolTable>;
  orderBucket: SlidingWindowLimiter;
  quoteBucket: SlidingWindowLimiter;
  orderTimeoutMs: number;
}

type Row = Record<string, unknown>;

function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v);
}

function int(v: unknown): number {
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** `YYYY-MM-DD HH:MM:SS` in IST → epoch ms; Dhan's "0001-01-01 ..." placeholder is unknown. */
export function parseDhanIstTime(s: unknown): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(str(s));
  if (!m || Number(m[1]) < 1971) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - IST_OFFSET_MS;
}

function instrumentOf(row: Row, symbols: DhanSymbolTable): InstrumentId | null {
  const segment = str(row.exchangeSegment);
  const ref = symbols.find(segment, str(row.securityId));
  if (ref) return ref.id;
  const exchange = segment === 'NSE_EQ' ? 'NSE' : segment === 'BSE_EQ' ? 'BSE' : null;
  const symbol = str(row.tradingSymbol).toUpperCase();
  return exchange && symbol ? `${exchange}:${symbol}` : null;
}

/** One Dhan order-book row as our order; rows outside NSE/BSE cash are not ours to show. */
export function toBrokerOrder(row: Row, symbols: DhanSymbolTable): BrokerOrder | null {
  const instrument = instrumentOf(row, symbols);
  const side = str(row.transactionType);
  if (!instrument || (side !== 'BUY' && side !== 'SELL')) return null;
  const filled = int(row.filledQty);
  const avg = Number(row.averageTradedPrice);
  return {
    brokerOrderId: str(row.orderId),
    tag: str(row.correlationId) || null,
    instrument,
    side,
    quantity: int(row.quantity),
    filledQuantity: filled,
    // an average across fills need not sit on the tick, so no tick snapping here
    averagePricePaise: filled > 0 && Number.isFinite(avg) && avg > 0 ? rupeesToPaise(avg) : null,
    status: mapDhanOrderStatus(str(row.orderStatus)),
    message: str(row.omsErrorDescription) || null,
    updatedAt: parseDhanIstTime(row.updateTime) ?? parseDhanIstTime(row.createTime),
  };
}

export function toPositions(rows: Row[], symbols: DhanSymbolTable): Position[] {
  const acc = new Map<InstrumentId, { net: number; value: number; qty: number }>();
  for (const row of rows) {
    const instrument = instrumentOf(row, symbols);
    if (!instrument) continue;
    const net = int(row.netQty);
    const a = acc.get(instrument) ?? { net: 0, value: 0, qty: 0 };
    a.net += net;
    const avg = Number(net > 0 ? row.buyAvg : row.sellAvg);
    if (net !== 0 && Number.isFinite(avg) && avg > 0) {
      a.value += Math.abs(net) * rupeesToPaise(avg);
      a.qty += Math.abs(net);
    }
    acc.set(instrument, a);
  }
  return [...acc].map(([instrument, a]) => ({
    instrument,
    netQuantity: a.net,
    averagePricePaise: a.net !== 0 && a.qty > 0 ? (Math.round(a.value / a.qty) as Paise) : null,
  }));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Order placement, lookup, book, positions and LTP against api.dhan.co/v2. */
export class DhanOrders {
  constructor(private readonly d: DhanOrdersDeps) {}

  private url(path: string): string {
    return `${this.d.apiUrl}/v2${path}`;
  }

  async place(intent: OrderIntent): Promise<PlaceResult> {
    let table: DhanSymbolTable;
    try {
      table = await this.d.symbols();
    } catch (e) {
      return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: `Dhan instrument master unavailable: ${(e as Error).message}` };
    }
    const ref = table.ref(intent.instrument);
    if (!ref) return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: `${intent.instrument} is not in Dhan's instrument master` };
    const body = JSON.stringify({
      dhanClientId: this.d.auth.clientId,
      correlationId: intent.clientOrderId,
      transactionType: intent.side,
      exchangeSegment: ref.exchangeSegment,
      productType: 'INTRADAY',
      orderType: 'MARKET',
      validity: 'DAY',
      securityId: ref.securityId,
      quantity: intent.quantity,
      disclosedQuantity: 0,
      price: 0,
      triggerPrice: 0,
      afterMarketOrder: false,
    });
    for (let attempt = 0; ; attempt++) {
      await this.d.orderBucket.take();
      let reply: DhanReply;
      try {
        reply = await dhanCall(this.d.http, { method: 'POST', url: this.url('/orders'), body, timeoutMs: this.d.orderTimeoutMs }, this.d.auth);
      } catch (e) {
        if (e instanceof TransportError && e.failure === 'connect') return { kind: 'FAILED', code: 'BROKER_UNAVAILABLE', message: e.message };
        return { kind: 'AMBIGUOUS', cause: e instanceof Error ? e.message : String(e) };
      }
      if (reply.ok) {
        const r = (typeof reply.body === 'object' && reply.body !== null ? reply.body : {}) as Row;
        const orderId = str(r.orderId);
        if (!orderId) return { kind: 'AMBIGUOUS', cause: `Dhan answered ${reply.status} without an orderId` };
        if (str(r.orderStatus) === 'REJECTED') return this.rejectedAfterAccept(orderId, table);
        return { kind: 'ACCEPTED', brokerOrderId: orderId };
      }
      const e = reply.error;
      if (isTokenError(e)) return { kind: 'REJECTED', code: 'BROKER_TOKEN_EXPIRED', message: `${e.message} (${e.code})`, brokerCode: e.code };
      if (isRateLimited(e)) {
        if (attempt >= RATE_LIMIT_RETRIES) return { kind: 'FAILED', code: 'BROKER_RATE_LIMITED', message: `${e.message} (${e.code})` };
        // A 429 is a definite "not placed": wait out the window, then take a fresh token.
        await sleep(Math.max(e.retryAfterMs ?? 0, Math.ceil(1000 / DHAN_ORDERS_PER_SECOND)));
        continue;
      }
      if (isServerSide(e)) return { kind: 'AMBIGUOUS', cause: `Dhan ${e.status}: ${e.message} (${e.code})` };
      return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: e.message, brokerCode: e.code };
    }
  }

  /** Dhan said REJECTED in the placement answer: the reason lives in the book's omsErrorDescription. */
  private async rejectedAfterAccept(orderId: string, table: DhanSymbolTable): Promise<PlaceResult> {
    const o = await this.byId(orderId, table).catch(() => null);
    return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: o?.message ?? 'Rejected by Dhan', brokerCode: 'REJECTED' };
  }

  /** A read with Dhan's 429 honoured; transport failures become BROKER_UNAVAILABLE. */
  private async read(req: HttpRequest): Promise<DhanReply> {
    for (let attempt = 0; ; attempt++) {
      let reply: DhanReply;
      try {
        reply = await dhanCall(this.d.http, { timeoutMs: READ_TIMEOUT_MS, ...req }, this.d.auth);
      } catch (e) {
        throw new BrokerError('BROKER_UNAVAILABLE', `Dhan unreachable: ${(e as Error).message}`);
      }
      if (!reply.ok && isRateLimited(reply.error) && attempt < RATE_LIMIT_RETRIES) {
        await sleep(Math.max(reply.error.retryAfterMs ?? 0, 1000 / DHAN_ORDERS_PER_SECOND));
        continue;
      }
      return reply;
    }
  }

  async list(): Promise<BrokerOrder[]> {
    const table = await this.d.symbols();
    const reply = await this.read({ method: 'GET', url: this.url('/orders') });
    if (!reply.ok) throw dhanBrokerError(reply.error);
    const rows = Array.isArray(reply.body) ? (reply.body as Row[]) : [];
    return rows.map((r) => toBrokerOrder(r, table)).filter((o): o is BrokerOrder => o !== null);
  }

  async find(ref: OrderRef): Promise<BrokerOrder | null> {
    const table = await this.d.symbols();
    return 'tag' in ref ? this.byTag(ref.tag, table) : this.byId(ref.brokerOrderId, table);
  }

  private pick(body: unknown, table: DhanSymbolTable): BrokerOrder | null {
    const rows = (Array.isArray(body) ? body : [body]) as Row[];
    const last = rows.filter((r) => typeof r === 'object' && r !== null).pop();
    return last ? toBrokerOrder(last, table) : null;
  }

  private async byTag(tag: string, table: DhanSymbolTable): Promise<BrokerOrder | null> {
    const reply = await this.read({ method: 'GET', url: this.url(`/orders/external/${encodeURIComponent(tag)}`) });
    if (reply.ok) return this.pick(reply.body, table);
    if (isTokenError(reply.error) || isServerSide(reply.error) || isRateLimited(reply.error)) throw dhanBrokerError(reply.error);
    // "Not found" is undocumented at Dhan; before answering null (which allows a resend), confirm with the day's book.
    const book = await this.list();
    return book.filter((o) => o.tag === tag).pop() ?? null;
  }

  private async byId(id: string, table: DhanSymbolTable): Promise<BrokerOrder | null> {
    const reply = await this.read({ method: 'GET', url: this.url(`/orders/${encodeURIComponent(id)}`) });
    if (reply.ok) return this.pick(reply.body, table);
    if (isTokenError(reply.error) || isServerSide(reply.error) || isRateLimited(reply.error)) throw dhanBrokerError(reply.error);
    const book = await this.list();
    return book.find((o) => o.brokerOrderId === id) ?? null;
  }

  async cancel(orderId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.d.orderBucket.take();
      let reply: DhanReply;
      try {
        reply = await dhanCall(this.d.http, { method: 'DELETE', url: this.url(`/orders/${encodeURIComponent(orderId)}`), timeoutMs: this.d.orderTimeoutMs }, this.d.auth);
      } catch (e) {
        throw new BrokerError('BROKER_UNAVAILABLE', `Dhan cancel outcome unknown: ${(e as Error).message}`);
      }
      if (reply.ok) return;
      if (isRateLimited(reply.error) && attempt < RATE_LIMIT_RETRIES) {
        await sleep(Math.max(reply.error.retryAfterMs ?? 0, Math.ceil(1000 / DHAN_ORDERS_PER_SECOND)));
        continue;
      }
      throw dhanBrokerError(reply.error);
    }
  }

  async positions(): Promise<Position[]> {
    const table = await this.d.symbols();
    const reply = await this.read({ method: 'GET', url: this.url('/positions') });
    if (!reply.ok) throw dhanBrokerError(reply.error);
    return toPositions(Array.isArray(reply.body) ? (reply.body as Row[]) : [], table);
  }

  async ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    const out = new Map<InstrumentId, Paise>();
    if (ids.length === 0) return out;
    const table = await this.d.symbols();
    const bySegment: Record<string, number[]> = {};
    for (const id of ids) {
      const ref = table.ref(id);
      if (ref) (bySegment[ref.exchangeSegment] ??= []).push(Number(ref.securityId));
    }
    if (Object.keys(bySegment).length === 0) return out;
    await this.d.quoteBucket.take();
    const reply = await this.read({ method: 'POST', url: this.url('/marketfeed/ltp'), body: JSON.stringify(bySegment) });
    if (!reply.ok) throw dhanBrokerError(reply.error);
    const data = ((reply.body as Row | undefined)?.data ?? {}) as Record<string, Record<string, { last_price?: unknown }>>;
    for (const [segment, quotes] of Object.entries(data)) {
      for (const [securityId, q] of Object.entries(quotes ?? {})) {
        const ref = table.find(segment, securityId);
        const px = Number(q?.last_price);
        if (ref && Number.isFinite(px) && px > 0) out.set(ref.id, dhanRupeesToPaise(px, ref.tickPaise) as Paise);
      }
    }
    return out;
  }
}
