import type { SimOrder } from '../core/sim-exchange';

const IST_OFFSET_MS = 330 * 60_000;

/** Kite's timestamp text: "YYYY-MM-DD HH:MM:SS" in IST. */
export function kiteTime(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** What Kite echoes from the place request but the neutral SimOrder does not keep. */
export interface KiteOrderExtras {
  variety: string;
  validity: string;
  pricePaise: number;
  triggerPricePaise: number;
  disclosedQuantity: number;
  marketProtection: number;
  instrumentToken: number;
  exchangeOrderId: string;
  guid: string;
  placedBy: string;
}

function rupees(paise: number): number {
  return Math.round(paise) / 100;
}

/** Kite shows 'OPEN' for a live order; the in-between states appear only in the order history. */
export function kiteOrderView(o: SimOrder, x: KiteOrderExtras, status: string = o.status): Record<string, unknown> {
  const [exchange, tradingsymbol] = o.key.split(':') as [string, string];
  const live = status !== 'COMPLETE' && status !== 'CANCELLED' && status !== 'REJECTED';
  const rejected = status === 'REJECTED';
  const message = rejected ? o.message : null;
  return {
    placed_by: x.placedBy,
    order_id: o.id,
    exchange_order_id: rejected ? null : x.exchangeOrderId,
    parent_order_id: null,
    status,
    status_message: message,
    status_message_raw: message === null ? null : `RMS:${message}`,
    order_timestamp: kiteTime(o.createdAt),
    exchange_update_timestamp: rejected ? null : kiteTime(o.updatedAt),
    exchange_timestamp: rejected ? null : kiteTime(o.createdAt),
    variety: x.variety,
    modified: false,
    exchange,
    tradingsymbol,
    instrument_token: x.instrumentToken,
    order_type: o.orderType,
    transaction_type: o.side,
    validity: x.validity,
    validity_ttl: 0,
    product: o.product,
    quantity: o.quantity,
    disclosed_quantity: x.disclosedQuantity,
    price: rupees(x.pricePaise),
    trigger_price: rupees(x.triggerPricePaise),
    average_price: rupees(o.averagePaise),
    filled_quantity: o.filled,
    pending_quantity: live ? o.quantity - o.filled : 0,
    cancelled_quantity: status === 'CANCELLED' ? o.quantity - o.filled : 0,
    market_protection: x.marketProtection,
    meta: {},
    tag: o.tag,
    tags: o.tag === null ? null : [o.tag],
    guid: x.guid,
    auction_number: null,
    account_id: x.placedBy,
    terminal_id: null,
  };
}

/** `GET /orders/{id}`: the order's state transitions, oldest first, as Kite's order history lists them. */
export function kiteOrderHistory(o: SimOrder, x: KiteOrderExtras): Array<Record<string, unknown>> {
  const pre = ['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING'];
  const early = (s: string): Record<string, unknown> => ({
    ...kiteOrderView({ ...o, filled: 0, averagePaise: 0, updatedAt: o.createdAt }, x, s),
    exchange_order_id: null,
    exchange_timestamp: null,
    exchange_update_timestamp: null,
  });
  if (o.status === 'REJECTED') return [...pre.map(early), kiteOrderView(o, x)];
  const steps = [...pre, 'OPEN PENDING'].map(early);
  steps.push(kiteOrderView(o.status === 'OPEN' ? o : { ...o, status: 'OPEN' }, x, 'OPEN'));
  if (o.status !== 'OPEN') steps.push(kiteOrderView(o, x));
  return steps;
}

/** Kite's postback / ticker `type:"order"` payload. */
export function kitePostback(o: SimOrder, x: KiteOrderExtras, appId: number, checksum: string): Record<string, unknown> {
  const view = kiteOrderView(o, x);
  return { user_id: x.placedBy, unfilled_quantity: o.quantity - o.filled, app_id: appId, checksum, ...view };
}

export interface KitePositionSource {
  key: string;
  product: string;
  buyQty: number;
  sellQty: number;
  buyValue: number;
  sellValue: number;
  net: number;
}

/** One row of `GET /portfolio/positions` (net and day are the same in the sim: nothing carries overnight). */
export function kitePositionView(p: KitePositionSource, instrumentToken: number, ltpPaise: number): Record<string, unknown> {
  const [exchange, tradingsymbol] = p.key.split(':') as [string, string];
  const buyPrice = p.buyQty > 0 ? p.buyValue / p.buyQty : 0;
  const sellPrice = p.sellQty > 0 ? p.sellValue / p.sellQty : 0;
  const avg = p.net > 0 ? buyPrice : p.net < 0 ? sellPrice : 0;
  const value = p.sellValue - p.buyValue;
  const pnl = value + p.net * ltpPaise;
  const matched = Math.min(p.buyQty, p.sellQty);
  const realised = matched * (sellPrice - buyPrice);
  return {
    tradingsymbol,
    exchange,
    instrument_token: instrumentToken,
    product: p.product,
    quantity: p.net,
    overnight_quantity: 0,
    multiplier: 1,
    average_price: rupees(avg),
    close_price: 0,
    last_price: rupees(ltpPaise),
    value: rupees(value),
    pnl: rupees(pnl),
    m2m: rupees(pnl),
    unrealised: rupees(pnl - realised),
    realised: rupees(realised),
    buy_quantity: p.buyQty,
    buy_price: rupees(buyPrice),
    buy_value: rupees(p.buyValue),
    buy_m2m: rupees(p.buyValue),
    sell_quantity: p.sellQty,
    sell_price: rupees(sellPrice),
    sell_value: rupees(p.sellValue),
    sell_m2m: rupees(p.sellValue),
    day_buy_quantity: p.buyQty,
    day_buy_price: rupees(buyPrice),
    day_buy_value: rupees(p.buyValue),
    day_sell_quantity: p.sellQty,
    day_sell_price: rupees(sellPrice),
    day_sell_value: rupees(p.sellValue),
  };
}
