/**
 * Builders for Dhan live-feed v2 binary packets (little-endian; prices float32 rupees). Test
 * infrastructure: the sim sends these, and adapter tests use them as known-good input.
 */
export const DHAN_FEED_CODE = { index: 1, ticker: 2, quote: 4, oi: 5, prevClose: 6, marketStatus: 7, full: 8, disconnect: 50 } as const;

/** Dhan's feed clock: the LTT epoch is IST wall-clock seconds (UTC epoch + 5h30m), as dhanhq formats it with timezone.utc. */
export const DHAN_LTT_OFFSET_SECONDS = 19_800;

function header(buf: Buffer, code: number, segment: number, securityId: number): void {
  buf.writeUInt8(code, 0);
  buf.writeInt16LE(buf.length, 1);
  buf.writeUInt8(segment, 3);
  buf.writeInt32LE(securityId, 4);
}

export function dhanLtt(epochMs: number): number {
  return Math.floor(epochMs / 1000) + DHAN_LTT_OFFSET_SECONDS;
}

export function encodeDhanTicker(segment: number, securityId: number, ltpRupees: number, ltt: number): Buffer {
  const b = Buffer.alloc(16);
  header(b, DHAN_FEED_CODE.ticker, segment, securityId);
  b.writeFloatLE(ltpRupees, 8);
  b.writeInt32LE(ltt, 12);
  return b;
}

export function encodeDhanPrevClose(segment: number, securityId: number, prevCloseRupees: number, prevOi = 0): Buffer {
  const b = Buffer.alloc(16);
  header(b, DHAN_FEED_CODE.prevClose, segment, securityId);
  b.writeFloatLE(prevCloseRupees, 8);
  b.writeInt32LE(prevOi, 12);
  return b;
}

export interface DhanSimQuoteFields {
  ltp: number;
  ltq: number;
  ltt: number;
  atp: number;
  volume: number;
  totalSellQty: number;
  totalBuyQty: number;
  open: number;
  close: number;
  high: number;
  low: number;
}

export function encodeDhanQuote(segment: number, securityId: number, q: DhanSimQuoteFields): Buffer {
  const b = Buffer.alloc(50);
  header(b, DHAN_FEED_CODE.quote, segment, securityId);
  b.writeFloatLE(q.ltp, 8);
  b.writeInt16LE(q.ltq, 12);
  b.writeInt32LE(q.ltt, 14);
  b.writeFloatLE(q.atp, 18);
  b.writeInt32LE(q.volume, 22);
  b.writeInt32LE(q.totalSellQty, 26);
  b.writeInt32LE(q.totalBuyQty, 30);
  b.writeFloatLE(q.open, 34);
  b.writeFloatLE(q.close, 38);
  b.writeFloatLE(q.high, 42);
  b.writeFloatLE(q.low, 46);
  return b;
}

export interface DhanSimDepthLevel {
  bidQty: number;
  askQty: number;
  bidOrders: number;
  askOrders: number;
  bid: number;
  ask: number;
}

export function encodeDhanFull(segment: number, securityId: number, q: DhanSimQuoteFields & { oi: number; oiHigh: number; oiLow: number; depth: DhanSimDepthLevel[] }): Buffer {
  const b = Buffer.alloc(162);
  header(b, DHAN_FEED_CODE.full, segment, securityId);
  b.writeFloatLE(q.ltp, 8);
  b.writeInt16LE(q.ltq, 12);
  b.writeInt32LE(q.ltt, 14);
  b.writeFloatLE(q.atp, 18);
  b.writeInt32LE(q.volume, 22);
  b.writeInt32LE(q.totalSellQty, 26);
  b.writeInt32LE(q.totalBuyQty, 30);
  b.writeInt32LE(q.oi, 34);
  b.writeInt32LE(q.oiHigh, 38);
  b.writeInt32LE(q.oiLow, 42);
  b.writeFloatLE(q.open, 46);
  b.writeFloatLE(q.close, 50);
  b.writeFloatLE(q.high, 54);
  b.writeFloatLE(q.low, 58);
  for (let i = 0; i < 5; i++) {
    const d = q.depth[i];
    if (!d) continue;
    const o = 62 + i * 20;
    b.writeInt32LE(d.bidQty, o);
    b.writeInt32LE(d.askQty, o + 4);
    b.writeInt16LE(d.bidOrders, o + 8);
    b.writeInt16LE(d.askOrders, o + 10);
    b.writeFloatLE(d.bid, o + 12);
    b.writeFloatLE(d.ask, o + 16);
  }
  return b;
}

/** Sent before the server closes the socket; header segment/security id are zero. */
export function encodeDhanDisconnect(reason: number): Buffer {
  const b = Buffer.alloc(10);
  header(b, DHAN_FEED_CODE.disconnect, 0, 0);
  b.writeInt16LE(reason, 8);
  return b;
}
