/**
 * SmartStream 2.0 binary packets (angel-docs 10-websocket-streaming-2-0.md): little-endian, one
 * packet per message, integers are int64 and prices are in paise. Pure: bytes in, fields out.
 */
export interface SmartStreamDepthLevel {
  quantity: number;
  pricePaise: number;
  orders: number;
}

export interface SmartStreamPacket {
  mode: 1 | 2 | 3;
  exchangeType: number;
  token: string;
  sequence: number;
  /** epoch ms */
  exchangeTs: number;
  ltpPaise: number;
  quote?: {
    lastTradedQty: number;
    avgPricePaise: number;
    volume: number;
    totalBuyQty: number;
    totalSellQty: number;
    openPaise: number;
    highPaise: number;
    lowPaise: number;
    closePaise: number;
  };
  snap?: {
    lastTradedTs: number;
    openInterest: number;
    bids: SmartStreamDepthLevel[];
    asks: SmartStreamDepthLevel[];
    upperCircuitPaise: number;
    lowerCircuitPaise: number;
    high52Paise: number;
    low52Paise: number;
  };
}

const PACKET_BYTES: Record<number, number> = { 1: 51, 2: 123, 3: 379 };

/** int64 LE through BigInt, so values above 2^32 are exact; beyond 2^53 they would be lossy, which no price or volume reaches. */
function i64(v: DataView, at: number): number {
  return Number(v.getBigInt64(at, true));
}

function token(bytes: Uint8Array): string {
  let end = 2;
  while (end < 27 && bytes[end] !== 0) end += 1;
  return String.fromCharCode(...bytes.subarray(2, end)).trim();
}

/**
 * Decodes one LTP (51 bytes), Quote (123) or SnapQuote (379) packet. Returns null for anything
 * else: depth-20 packets, text frames that slipped through, or a packet shorter than its mode says.
 */
export function parseSmartStreamPacket(bytes: Uint8Array): SmartStreamPacket | null {
  if (bytes.length < 51) return null;
  const mode = bytes[0] as number;
  const need = PACKET_BYTES[mode];
  if (need === undefined || bytes.length < need) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packet: SmartStreamPacket = {
    mode: mode as 1 | 2 | 3,
    exchangeType: bytes[1] as number,
    token: token(bytes),
    sequence: i64(v, 27),
    exchangeTs: i64(v, 35),
    ltpPaise: i64(v, 43),
  };
  if (mode === 1) return packet;
  packet.quote = {
    lastTradedQty: i64(v, 51),
    avgPricePaise: i64(v, 59),
    volume: i64(v, 67),
    totalBuyQty: v.getFloat64(75, true),
    totalSellQty: v.getFloat64(83, true),
    openPaise: i64(v, 91),
    highPaise: i64(v, 99),
    lowPaise: i64(v, 107),
    closePaise: i64(v, 115),
  };
  if (mode === 2) return packet;
  const bids: SmartStreamDepthLevel[] = [];
  const asks: SmartStreamDepthLevel[] = [];
  for (let k = 0; k < 10; k++) {
    const at = 147 + k * 20;
    const level = { quantity: i64(v, at + 2), pricePaise: i64(v, at + 10), orders: v.getInt16(at + 18, true) };
    // The docs say flag 1 = buy; SDKs disagree on trusting it, so the flag decides and position is the fallback.
    const flag = v.getInt16(at, true);
    if (flag === 1 || (flag !== 0 && k < 5)) bids.push(level);
    else asks.push(level);
  }
  packet.snap = {
    lastTradedTs: i64(v, 123),
    openInterest: i64(v, 131),
    bids,
    asks,
    upperCircuitPaise: i64(v, 347),
    lowerCircuitPaise: i64(v, 355),
    high52Paise: i64(v, 363),
    low52Paise: i64(v, 371),
  };
  return packet;
}
