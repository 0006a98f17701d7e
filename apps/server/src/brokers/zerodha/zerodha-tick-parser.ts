/**
 * Kite ticker binary frames → ticks, as the official SDKs name the fields. A pure function: the
 * feed turns these into our `Tick`. Frame: uint16 packet count, then per packet a uint16 length and
 * the packet; all big-endian. The packet length says the mode (8 LTP, 28/32 index, 44 quote, 184 full).
 */
export interface KiteOhlc {
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface KiteDepthItem {
  price: number;
  quantity: number;
  orders: number;
}

export interface KiteLtpTick {
  mode: 'ltp';
  tradable: boolean;
  instrument_token: number;
  last_price: number;
}

export interface KiteIndexTick {
  mode: 'quote' | 'full';
  tradable: boolean;
  instrument_token: number;
  last_price: number;
  ohlc: KiteOhlc;
  change: number;
  /** full index packets only: exchange time as ISO-8601 in IST, null when the packet has none */
  timestamp?: string | null;
}

export interface KiteQuoteTick {
  mode: 'quote';
  tradable: boolean;
  instrument_token: number;
  last_price: number;
  last_quantity: number;
  average_price: number;
  volume: number;
  buy_quantity: number;
  sell_quantity: number;
  ohlc: KiteOhlc;
  change: number;
}

export interface KiteFullTick extends Omit<KiteQuoteTick, 'mode'> {
  mode: 'full';
  last_trade_time: string | null;
  oi: number;
  oi_day_high: number;
  oi_day_low: number;
  timestamp: string | null;
  depth: { buy: KiteDepthItem[]; sell: KiteDepthItem[] };
}

export type KiteTick = KiteLtpTick | KiteIndexTick | KiteQuoteTick | KiteFullTick;

const SEGMENT_CDS = 3;
const SEGMENT_BCD = 6;
const SEGMENT_INDICES = 9;

/** Prices on the wire are integers in the segment's smallest unit. */
export function kitePriceDivisor(instrumentToken: number): number {
  const segment = instrumentToken & 0xff;
  if (segment === SEGMENT_CDS) return 10_000_000;
  if (segment === SEGMENT_BCD) return 10_000;
  return 100;
}

const IST_OFFSET_MS = 330 * 60_000;

/** Epoch seconds → "2021-07-05T10:41:27+05:30"; Kite sends 0 when it has no time. */
function istIso(epochSeconds: number): string | null {
  if (epochSeconds === 0) return null;
  return `${new Date(epochSeconds * 1000 + IST_OFFSET_MS).toISOString().slice(0, 19)}+05:30`;
}

/**
 * Kite does not send the change; clients derive it. We report the absolute move from the previous
 * close, as gokiteconnect does and as the official full-mode mock shows (pykiteconnect reports percent).
 */
function changeOf(last: number, close: number, fallback: number): number {
  return close !== 0 ? last - close : fallback;
}

/** Decodes one packet (no length prefix). Unknown lengths give null. */
export function parseKitePacket(p: Uint8Array): KiteTick | null {
  if (![8, 28, 32, 44, 184].includes(p.length)) return null;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const int = (at: number): number => v.getInt32(at, false);
  const token = v.getUint32(0, false);
  const div = kitePriceDivisor(token);
  const price = (at: number): number => int(at) / div;
  const tradable = (token & 0xff) !== SEGMENT_INDICES;
  const last = price(4);

  if (p.length === 8) return { mode: 'ltp', tradable, instrument_token: token, last_price: last };

  if (p.length === 28 || p.length === 32) {
    const ohlc = { high: price(8), low: price(12), open: price(16), close: price(20) };
    const tick: KiteIndexTick = {
      mode: p.length === 32 ? 'full' : 'quote',
      tradable,
      instrument_token: token,
      last_price: last,
      ohlc,
      change: changeOf(last, ohlc.close, price(24)),
    };
    if (p.length === 32) tick.timestamp = istIso(int(28));
    return tick;
  }

  const ohlc = { open: price(28), high: price(32), low: price(36), close: price(40) };
  const quote: KiteQuoteTick = {
    mode: 'quote',
    tradable,
    instrument_token: token,
    last_price: last,
    last_quantity: int(8),
    average_price: price(12),
    volume: int(16),
    buy_quantity: int(20),
    sell_quantity: int(24),
    ohlc,
    change: changeOf(last, ohlc.close, 0),
  };
  if (p.length === 44) return quote;

  const level = (i: number): KiteDepthItem => {
    const at = 64 + i * 12;
    return { price: price(at + 4), quantity: int(at), orders: v.getInt16(at + 8, false) };
  };
  return {
    ...quote,
    mode: 'full',
    last_trade_time: istIso(int(44)),
    oi: int(48),
    oi_day_high: int(52),
    oi_day_low: int(56),
    timestamp: istIso(int(60)),
    depth: { buy: [0, 1, 2, 3, 4].map(level), sell: [5, 6, 7, 8, 9].map(level) },
  };
}

/** Decodes one ticker WebSocket binary message. Heartbeats (1 byte) and truncated data give no ticks. */
export function parseKiteFrame(frame: Uint8Array): KiteTick[] {
  if (frame.length < 2) return [];
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = v.getUint16(0, false);
  const ticks: KiteTick[] = [];
  let at = 2;
  for (let i = 0; i < count && at + 2 <= frame.length; i++) {
    const len = v.getUint16(at, false);
    at += 2;
    if (at + len > frame.length) break;
    const t = parseKitePacket(frame.subarray(at, at + len));
    if (t) ticks.push(t);
    at += len;
  }
  return ticks;
}
