import { instrumentId, type InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, Position } from '../../domain/order';
import { rupeesToPaise, type Paise } from '../../domain/price';
import { angelOrderStatus } from './angelone-status-map';
import type { AngelScrip, AngelSymbolTable } from './angelone-symbols';

/** Angel wants `ordertag` shorter than 20 characters (AB4008). */
export const ANGELONE_MAX_TAG_LENGTH = 19;

/** A MARKET intraday order in Angel's JSON, every value a string as the docs show. */
export function placeOrderBody(intent: OrderIntent, scrip: AngelScrip): Record<string, string> {
  return {
    variety: 'NORMAL',
    tradingsymbol: scrip.tradingsymbol,
    symboltoken: scrip.token,
    transactiontype: intent.side,
    exchange: scrip.exchange,
    ordertype: 'MARKET',
    producttype: 'INTRADAY',
    duration: 'DAY',
    price: '0',
    squareoff: '0',
    stoploss: '0',
    quantity: String(intent.quantity),
    ordertag: intent.clientOrderId,
  };
}

function text(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim();
}

function int(v: unknown): number {
  const n = Number.parseInt(text(v), 10);
  return Number.isFinite(n) ? n : 0;
}

/** Rupees as a number or string ("1573.15", 1573.15, "0") to paise; null when absent or zero. */
function price(v: unknown): Paise | null {
  const t = text(v);
  if (!t) return null;
  try {
    const p = rupeesToPaise(typeof v === 'number' ? v : t);
    return p === 0 ? null : p;
  } catch {
    return null;
  }
}

const MONTH: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };

/** "20-Oct-2020 13:10:59" (IST) to epoch ms. */
export function parseAngelTime(v: unknown): number | null {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{2}):(\d{2}):(\d{2})$/.exec(text(v));
  if (!m) return null;
  const month = MONTH[(m[2] as string).toLowerCase()];
  if (month === undefined) return null;
  return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - 19_800_000;
}

function rowInstrument(row: Record<string, unknown>, symbols: AngelSymbolTable): InstrumentId | null {
  const exchange = text(row.exchange).toUpperCase();
  const scrip = symbols.fromRow(exchange, text(row.symboltoken), text(row.tradingsymbol));
  if (scrip) return scrip.instrument.id;
  // Orders placed elsewhere on instruments we do not map (F&O, other series) are not ours to show.
  if (exchange !== 'NSE' && exchange !== 'BSE') return null;
  const sym = text(row.tradingsymbol).replace(/-EQ$/, '');
  return sym ? instrumentId(exchange, sym) : null;
}

/** One order-book (or details) row to a BrokerOrder; null for rows outside NSE/BSE. */
export function mapAngelOrder(row: Record<string, unknown>, symbols: AngelSymbolTable): BrokerOrder | null {
  const instrument = rowInstrument(row, symbols);
  const orderId = text(row.orderid);
  if (!instrument || !orderId) return null;
  const status = angelOrderStatus(text(row.orderstatus) || text(row.status));
  const filled = int(row.filledshares);
  const tag = text(row.ordertag);
  const reason = text(row.text);
  return {
    brokerOrderId: orderId,
    tag: tag || null,
    instrument,
    side: text(row.transactiontype).toUpperCase() === 'SELL' ? 'SELL' : 'BUY',
    quantity: int(row.quantity),
    filledQuantity: filled,
    averagePricePaise: filled > 0 ? price(row.averageprice) : null,
    status,
    message: reason || null,
    updatedAt: parseAngelTime(row.exchorderupdatetime) ?? parseAngelTime(row.updatetime),
  };
}

/** The book's `data` (an array, or null when empty) to our orders. */
export function mapAngelOrderBook(data: unknown, symbols: AngelSymbolTable): BrokerOrder[] {
  if (!Array.isArray(data)) return [];
  const out: BrokerOrder[] = [];
  for (const row of data) {
    if (!row || typeof row !== 'object') continue;
    const o = mapAngelOrder(row as Record<string, unknown>, symbols);
    if (o) out.push(o);
  }
  return out;
}

/** getPosition rows (strings; one per product) to one net position per instrument. */
export function mapAngelPositions(data: unknown, symbols: AngelSymbolTable): Position[] {
  if (!Array.isArray(data)) return [];
  const by = new Map<InstrumentId, { net: number; buyQty: number; buyValue: number; sellQty: number; sellValue: number }>();
  for (const raw of data) {
    if (!raw || typeof raw !== 'object') continue;
    const row = raw as Record<string, unknown>;
    const id = rowInstrument(row, symbols);
    if (!id) continue;
    const p = by.get(id) ?? { net: 0, buyQty: 0, buyValue: 0, sellQty: 0, sellValue: 0 };
    const buyQty = int(row.buyqty);
    const sellQty = int(row.sellqty);
    p.net += int(row.netqty);
    p.buyQty += buyQty;
    p.sellQty += sellQty;
    p.buyValue += buyQty * (price(row.buyavgprice) ?? 0);
    p.sellValue += sellQty * (price(row.sellavgprice) ?? 0);
    by.set(id, p);
  }
  return [...by.entries()].map(([instrument, p]) => {
    const avg = p.net > 0 && p.buyQty > 0 ? p.buyValue / p.buyQty : p.net < 0 && p.sellQty > 0 ? p.sellValue / p.sellQty : null;
    return { instrument, netQuantity: p.net, averagePricePaise: avg === null ? null : (Math.round(avg) as Paise) };
  });
}

/** getLtpData's `data.ltp` (rupees) to paise. */
export function mapAngelLtp(data: unknown): Paise | null {
  if (!data || typeof data !== 'object') return null;
  return price((data as Record<string, unknown>).ltp);
}
