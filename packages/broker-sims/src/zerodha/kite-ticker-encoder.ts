/**
 * Builds Kite ticker binary packets (big-endian, prices as integers in the segment's unit) the
 * way ws.kite.trade sends them. Test and sim infrastructure: the adapter has its own parser.
 */
export type KiteMode = 'ltp' | 'quote' | 'full';

export interface KiteDepthLevel {
  quantity: number;
  price: number;
  orders: number;
}

export interface KitePacketFields {
  token: number;
  lastPrice: number;
  lastQuantity?: number;
  averagePrice?: number;
  volume?: number;
  buyQuantity?: number;
  sellQuantity?: number;
  open?: number;
  high?: number;
  low?: number;
  close?: number;
  /** epoch seconds */
  lastTradeTime?: number;
  oi?: number;
  oiDayHigh?: number;
  oiDayLow?: number;
  /** epoch seconds */
  exchangeTimestamp?: number;
  /** 5 bids then 5 asks */
  depth?: KiteDepthLevel[];
}

export function encodeKitePacket(mode: KiteMode, f: KitePacketFields): Buffer {
  const size = mode === 'ltp' ? 8 : mode === 'quote' ? 44 : 184;
  const b = Buffer.alloc(size);
  b.writeInt32BE(f.token, 0);
  b.writeInt32BE(f.lastPrice, 4);
  if (mode === 'ltp') return b;
  const ints = [f.lastQuantity, f.averagePrice, f.volume, f.buyQuantity, f.sellQuantity, f.open, f.high, f.low, f.close];
  ints.forEach((v, i) => b.writeInt32BE(v ?? 0, 8 + i * 4));
  if (mode === 'quote') return b;
  [f.lastTradeTime, f.oi, f.oiDayHigh, f.oiDayLow, f.exchangeTimestamp].forEach((v, i) => b.writeInt32BE(v ?? 0, 44 + i * 4));
  for (let i = 0; i < 10; i++) {
    const d = f.depth?.[i];
    const at = 64 + i * 12;
    b.writeInt32BE(d?.quantity ?? 0, at);
    b.writeInt32BE(d?.price ?? 0, at + 4);
    b.writeInt16BE(d?.orders ?? 0, at + 8);
  }
  return b;
}

/** Index packets carry H, L, O, C (not O, H, L, C) and a price change; the full one adds a timestamp. */
export function encodeKiteIndexPacket(
  mode: 'quote' | 'full',
  f: { token: number; lastPrice: number; high: number; low: number; open: number; close: number; change?: number; exchangeTimestamp?: number },
): Buffer {
  const b = Buffer.alloc(mode === 'quote' ? 28 : 32);
  [f.token, f.lastPrice, f.high, f.low, f.open, f.close, f.change ?? f.lastPrice - f.close].forEach((v, i) => b.writeInt32BE(v, i * 4));
  if (mode === 'full') b.writeInt32BE(f.exchangeTimestamp ?? 0, 28);
  return b;
}

/** One WebSocket binary message: packet count, then each packet prefixed by its length. */
export function encodeKiteFrame(packets: readonly Buffer[]): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(packets.length, 0);
  const parts: Buffer[] = [head];
  for (const p of packets) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(p.length, 0);
    parts.push(len, p);
  }
  return Buffer.concat(parts);
}

/** Kite's idle heartbeat: a single byte. */
export const KITE_HEARTBEAT = Buffer.from([0]);
