import type { InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, Position } from '../../domain/order';
import { paise, rupeesToPaise, type Paise } from '../../domain/price';
import { fyersOrderStatus } from './fyers-status-map';
import { fromFyersSymbol } from './fyers-symbols';

/** The `POST /api/v3/orders/sync` body for one of our MARKET intents (intraday product). */
export function fyersOrderBody(intent: OrderIntent, fyersSymbol: string): Record<string, unknown> {
  return {
    symbol: fyersSymbol,
    qty: intent.quantity,
    type: 2,
    side: intent.side === 'BUY' ? 1 : -1,
    productType: 'INTRADAY',
    limitPrice: 0,
    stopPrice: 0,
    validity: 'DAY',
    disclosedQty: 0,
    offlineOrder: false,
    stopLoss: 0,
    takeProfit: 0,
    orderTag: intent.clientOrderId,
    isSliceOrder: false,
  };
}

/** Fyers returns our tag as `1:<tag>`; `2:` tags are Fyers' own and `Untagged` means none. */
export function tagFromFyers(orderTag: unknown): string | null {
  if (typeof orderTag !== 'string') return null;
  const m = /^([12]):(.*)$/.exec(orderTag);
  if (!m || m[1] !== '1' || m[2] === 'Untagged' || !m[2]) return null;
  return m[2];
}

export function orderTagFilter(tag: string): string {
  return `1:${tag}`;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** "09-Mar-2023 09:34:38" (IST) → epoch ms. */
export function parseFyersDateTime(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const m = /^(\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const mo = MONTHS[m[2] as string];
  if (mo === undefined) return null;
  return Date.UTC(Number(m[3]), mo, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - 330 * 60_000;
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
}

function price(v: unknown): Paise | null {
  const n = num(v);
  return n > 0 ? rupeesToPaise(n) : null;
}

/** One `orderBook[]` item → our order; null for instruments outside NSE/BSE cash. */
export function toBrokerOrder(raw: Record<string, unknown>): BrokerOrder | null {
  const instrument = fromFyersSymbol(String(raw.symbol ?? ''));
  if (!instrument) return null;
  const filled = Math.trunc(num(raw.filledQty));
  const message = typeof raw.message === 'string' && raw.message ? raw.message : null;
  return {
    brokerOrderId: String(raw.id ?? ''),
    tag: tagFromFyers(raw.orderTag),
    instrument,
    side: num(raw.side) === -1 ? 'SELL' : 'BUY',
    quantity: Math.trunc(num(raw.qty)),
    filledQuantity: filled,
    averagePricePaise: filled > 0 ? price(raw.tradedPrice) : null,
    status: fyersOrderStatus(num(raw.status)),
    message,
    updatedAt: parseFyersDateTime(raw.orderDateTime),
  };
}

/**
 * `netPositions[]` → our positions, summed per instrument across products (we trade INTRADAY, but a
 * user's manual CNC trade in the same name still moves the net).
 */
export function toPositions(rows: ReadonlyArray<Record<string, unknown>>): Position[] {
  const by = new Map<InstrumentId, { net: number; value: number }>();
  for (const r of rows) {
    const id = fromFyersSymbol(String(r.symbol ?? ''));
    if (!id) continue;
    const net = Math.trunc(num(r.netQty));
    const avg = price(r.netAvg ?? r.avgPrice) ?? 0;
    const p = by.get(id) ?? { net: 0, value: 0 };
    p.net += net;
    p.value += net * avg;
    by.set(id, p);
  }
  return [...by.entries()].map(([instrument, p]) => ({
    instrument,
    netQuantity: p.net,
    averagePricePaise: p.net !== 0 ? paise(Math.round(p.value / p.net)) : null,
  }));
}
