/**
 * Builds SmartStream 2.0 binary packets (little-endian, prices in paise) the way Angel's server
 * sends them: one packet per WebSocket message, 51 bytes for LTP, 123 for Quote, 379 for SnapQuote.
 * Test infrastructure for the sim and for the adapter's parser tests.
 */
export const SMARTSTREAM_MODE = { LTP: 1, QUOTE: 2, SNAP_QUOTE: 3, DEPTH: 4 } as const;
export const SMARTSTREAM_PACKET_BYTES = { 1: 51, 2: 123, 3: 379 } as const;

export interface DepthLevel {
  quantity: number;
  pricePaise: number;
  orders: number;
}

export interface StreamPacketFields {
  mode: 1 | 2 | 3;
  exchangeType: number;
  token: string;
  sequence: number;
  /** epoch ms */
  exchangeTs: number;
  ltpPaise: number;
  lastTradedQty?: number;
  avgPricePaise?: number;
  volume?: number;
  totalBuyQty?: number;
  totalSellQty?: number;
  openPaise?: number;
  highPaise?: number;
  lowPaise?: number;
  closePaise?: number;
  lastTradedTs?: number;
  openInterest?: number;
  oiChangePct?: number;
  bids?: DepthLevel[];
  asks?: DepthLevel[];
  upperCircuitPaise?: number;
  lowerCircuitPaise?: number;
  high52Paise?: number;
  low52Paise?: number;
}

export function encodeSmartStreamPacket(f: StreamPacketFields): Buffer {
  const buf = Buffer.alloc(SMARTSTREAM_PACKET_BYTES[f.mode]);
  const i64 = (v: number | undefined, at: number): void => {
    buf.writeBigInt64LE(BigInt(Math.round(v ?? 0)), at);
  };
  buf.writeUInt8(f.mode, 0);
  buf.writeUInt8(f.exchangeType, 1);
  // Token is ASCII, NUL-padded to 25 bytes.
  buf.write(f.token.slice(0, 25), 2, 'ascii');
  i64(f.sequence, 27);
  i64(f.exchangeTs, 35);
  i64(f.ltpPaise, 43);
  if (f.mode === 1) return buf;
  i64(f.lastTradedQty, 51);
  i64(f.avgPricePaise, 59);
  i64(f.volume, 67);
  buf.writeDoubleLE(f.totalBuyQty ?? 0, 75);
  buf.writeDoubleLE(f.totalSellQty ?? 0, 83);
  i64(f.openPaise, 91);
  i64(f.highPaise, 99);
  i64(f.lowPaise, 107);
  i64(f.closePaise, 115);
  if (f.mode === 2) return buf;
  i64(f.lastTradedTs, 123);
  i64(f.openInterest, 131);
  buf.writeDoubleLE(f.oiChangePct ?? 0, 139);
  // Best five: five buys (flag 1) then five sells (flag 0), 20 bytes each.
  const levels: Array<[number, DepthLevel | undefined]> = [
    ...Array.from({ length: 5 }, (_, k) => [1, f.bids?.[k]] as [number, DepthLevel | undefined]),
    ...Array.from({ length: 5 }, (_, k) => [0, f.asks?.[k]] as [number, DepthLevel | undefined]),
  ];
  levels.forEach(([flag, lvl], k) => {
    const at = 147 + k * 20;
    buf.writeInt16LE(flag, at);
    i64(lvl?.quantity, at + 2);
    i64(lvl?.pricePaise, at + 10);
    buf.writeInt16LE(lvl?.orders ?? 0, at + 18);
  });
  i64(f.upperCircuitPaise, 347);
  i64(f.lowerCircuitPaise, 355);
  i64(f.high52Paise, 363);
  i64(f.low52Paise, 371);
  return buf;
}
