/**
 * Decodes Dhan live-feed v2 binary messages: little-endian, an 8-byte header (code, int16 packet
 * length, segment, int32 security id), prices as float32 rupees. One WebSocket message may carry
 * several packets back to back, so the parser walks them by the length field. Pure: no I/O, no clock.
 */

export const DHAN_SEGMENT_BY_CODE: Readonly<Record<number, string>> = {
  0: 'IDX_I',
  1: 'NSE_EQ',
  2: 'NSE_FNO',
  3: 'NSE_CURRENCY',
  4: 'BSE_EQ',
  5: 'MCX_COMM',
  7: 'BSE_CURRENCY',
  8: 'BSE_FNO',
};

interface Head {
  segment: string;
  securityId: string;
}

export interface DhanQuoteBody {
  ltp: number;
  ltq: number;
  /** Dhan's LTT: IST wall-clock seconds since 1970 (see `dhanLttToEpochMs`) */
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

export interface DhanDepthLevel {
  bidQty: number;
  askQty: number;
  bidOrders: number;
  askOrders: number;
  bid: number;
  ask: number;
}

export type DhanPacket =
  | (Head & { kind: 'ticker'; ltp: number; ltt: number })
  | (Head & { kind: 'quote' } & DhanQuoteBody)
  | (Head & { kind: 'full'; oi: number; oiHigh: number; oiLow: number; depth: DhanDepthLevel[] } & DhanQuoteBody)
  | (Head & { kind: 'prevClose'; prevClose: number; prevOi: number })
  | (Head & { kind: 'oi'; oi: number })
  | (Head & { kind: 'marketStatus' })
  | { kind: 'disconnect'; reason: number }
  | (Head & { kind: 'other'; code: number });

export interface DhanParseResult {
  packets: DhanPacket[];
  /** why parsing stopped early (truncated or malformed input); the packets before it are kept */
  error: string | null;
}

const HEADER = 8;
/** Bytes each response code needs, header included. */
const SIZE: Readonly<Record<number, number>> = { 2: 16, 4: 50, 5: 12, 6: 16, 7: 8, 8: 162, 50: 10 };

function quoteBody(b: Buffer, o: number, full: boolean): DhanQuoteBody {
  return {
    ltp: b.readFloatLE(o + 8),
    ltq: b.readInt16LE(o + 12),
    ltt: b.readInt32LE(o + 14),
    atp: b.readFloatLE(o + 18),
    volume: b.readInt32LE(o + 22),
    totalSellQty: b.readInt32LE(o + 26),
    totalBuyQty: b.readInt32LE(o + 30),
    open: b.readFloatLE(o + (full ? 46 : 34)),
    close: b.readFloatLE(o + (full ? 50 : 38)),
    high: b.readFloatLE(o + (full ? 54 : 42)),
    low: b.readFloatLE(o + (full ? 58 : 46)),
  };
}

function decodeOne(b: Buffer, o: number, code: number): DhanPacket {
  const head: Head = { segment: DHAN_SEGMENT_BY_CODE[b.readUInt8(o + 3)] ?? String(b.readUInt8(o + 3)), securityId: String(b.readInt32LE(o + 4)) };
  switch (code) {
    case 2:
      return { ...head, kind: 'ticker', ltp: b.readFloatLE(o + 8), ltt: b.readInt32LE(o + 12) };
    case 4:
      return { ...head, kind: 'quote', ...quoteBody(b, o, false) };
    case 5:
      return { ...head, kind: 'oi', oi: b.readInt32LE(o + 8) };
    case 6:
      return { ...head, kind: 'prevClose', prevClose: b.readFloatLE(o + 8), prevOi: b.readInt32LE(o + 12) };
    case 7:
      return { ...head, kind: 'marketStatus' };
    case 8: {
      const depth: DhanDepthLevel[] = [];
      for (let i = 0; i < 5; i++) {
        const d = o + 62 + i * 20;
        depth.push({
          bidQty: b.readInt32LE(d),
          askQty: b.readInt32LE(d + 4),
          bidOrders: b.readInt16LE(d + 8),
          askOrders: b.readInt16LE(d + 10),
          bid: b.readFloatLE(d + 12),
          ask: b.readFloatLE(d + 16),
        });
      }
      return { ...head, kind: 'full', ...quoteBody(b, o, true), oi: b.readInt32LE(o + 34), oiHigh: b.readInt32LE(o + 38), oiLow: b.readInt32LE(o + 42), depth };
    }
    case 50:
      return { kind: 'disconnect', reason: b.readInt16LE(o + 8) };
    default:
      return { ...head, kind: 'other', code };
  }
}

export function parseDhanFeedMessage(buf: Uint8Array): DhanParseResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const packets: DhanPacket[] = [];
  let o = 0;
  while (o < b.length) {
    if (b.length - o < HEADER) return { packets, error: `truncated header at byte ${o}` };
    const code = b.readUInt8(o);
    const declared = b.readInt16LE(o + 1);
    const need = SIZE[code] ?? HEADER;
    // The length field covers the whole packet; fall back to the documented size if it is not usable.
    const stride = declared >= need ? declared : need;
    if (declared < HEADER && SIZE[code] === undefined) return { packets, error: `bad length ${declared} for code ${code} at byte ${o}` };
    if (b.length - o < stride) return { packets, error: `truncated packet (code ${code}) at byte ${o}: need ${stride}, have ${b.length - o}` };
    packets.push(decodeOne(b, o, code));
    o += stride;
  }
  return { packets, error: null };
}

/**
 * Float32 rupees to integer paise on the instrument's tick. float32 cannot hold 1573.15 exactly
 * (it is 1573.1500244...), and above ₹65,536 its step exceeds half a paisa, so snap to the tick.
 */
export function dhanRupeesToPaise(rupees: number, tickPaise = 1): number {
  const tick = tickPaise > 0 ? tickPaise : 1;
  return Math.round((rupees * 100) / tick) * tick;
}

const IST_OFFSET_SECONDS = 19_800;

/** Dhan's LTT counts IST wall-clock seconds; convert to a true epoch in ms (0 stays unknown). */
export function dhanLttToEpochMs(ltt: number): number | null {
  return ltt > 0 ? (ltt - IST_OFFSET_SECONDS) * 1000 : null;
}
