import { EXCHANGES, instrumentId, splitInstrumentId, type Exchange, type InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, Position } from '../../domain/order';
import { istToEpochMs } from '../../domain/exchange-time';
import { rupeesToPaise, type Paise } from '../../domain/price';
import { kiteOrderStatus } from './zerodha-status-map';

/** Kite's tag limit; our client order ids are built to fit it. */
export const KITE_TAG_MAX = 20;

/** The order fields we read from Kite's order book and order history. */
export interface KiteOrder {
  order_id: string;
  status: string;
  status_message: string | null;
  exchange: string;
  tradingsymbol: string;
  transaction_type: string;
  quantity: number;
  filled_quantity: number;
  average_price: number;
  tag: string | null;
  tags?: string[] | null;
  order_timestamp: string | null;
  exchange_update_timestamp?: string | null;
}

export interface KitePosition {
  exchange: string;
  tradingsymbol: string;
  product: string;
  quantity: number;
  average_price: number;
}

/**
 * Our intent as Kite's place-order form: a MARKET order, intraday (MIS), with automatic market
 * protection, which Kite requires on MARKET orders from April 2026.
 */
export function kiteOrderForm(intent: OrderIntent): Record<string, string> {
  const { exchange, symbol } = splitInstrumentId(intent.instrument);
  return {
    exchange,
    tradingsymbol: symbol,
    transaction_type: intent.side,
    order_type: 'MARKET',
    quantity: String(intent.quantity),
    product: 'MIS',
    validity: 'DAY',
    market_protection: '-1',
    tag: intent.clientOrderId,
  };
}

function isOurExchange(x: string): x is Exchange {
  return (EXCHANGES as readonly string[]).includes(x);
}

/** Kite timestamps are "YYYY-MM-DD HH:MM:SS" in IST. */
export function kiteTimestampMs(text: string | null | undefined): number | null {
  const m = text ? /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(text) : null;
  if (!m) return null;
  try {
    return istToEpochMs(m[1] as string, m[2] as string);
  } catch {
    return null;
  }
}

export function kiteInstrumentId(exchange: string, tradingsymbol: string): InstrumentId | null {
  return isOurExchange(exchange) ? instrumentId(exchange, tradingsymbol) : null;
}

export function toBrokerOrder(o: KiteOrder): BrokerOrder | null {
  const id = kiteInstrumentId(o.exchange, o.tradingsymbol);
  if (!id) return null;
  const filled = Number(o.filled_quantity) || 0;
  return {
    brokerOrderId: String(o.order_id),
    tag: o.tag ?? o.tags?.[0] ?? null,
    instrument: id,
    side: o.transaction_type === 'SELL' ? 'SELL' : 'BUY',
    quantity: Number(o.quantity),
    filledQuantity: filled,
    averagePricePaise: filled > 0 && o.average_price ? rupeesToPaise(o.average_price) : null,
    status: kiteOrderStatus(o.status),
    message: o.status_message ?? null,
    updatedAt: kiteTimestampMs(o.exchange_update_timestamp) ?? kiteTimestampMs(o.order_timestamp),
  };
}

function hasTag(o: KiteOrder, tag: string): boolean {
  return o.tag === tag || (o.tags ?? []).includes(tag);
}

/** The latest order carrying our tag (a retry after an ambiguous send must find the first attempt). */
export function findByTag(orders: readonly KiteOrder[], tag: string): KiteOrder | null {
  const matching = orders.filter((o) => hasTag(o, tag));
  return matching[matching.length - 1] ?? null;
}

/** Net positions per instrument across products (NSE/BSE cash only). */
export function toPositions(net: readonly KitePosition[]): Position[] {
  const by = new Map<InstrumentId, { qty: number; avg: Paise | null }>();
  for (const p of net) {
    const id = kiteInstrumentId(p.exchange, p.tradingsymbol);
    if (!id) continue;
    const cur = by.get(id) ?? { qty: 0, avg: null };
    cur.qty += Number(p.quantity) || 0;
    if (p.quantity !== 0 && p.average_price) cur.avg = rupeesToPaise(p.average_price);
    by.set(id, cur);
  }
  return [...by.entries()].map(([instrument, v]) => ({ instrument, netQuantity: v.qty, averagePricePaise: v.qty === 0 ? null : v.avg }));
}
