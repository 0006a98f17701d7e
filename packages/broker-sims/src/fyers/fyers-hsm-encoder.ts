/**
 * Builders and readers for Fyers' HSM binary market-data protocol, server side (brokers.md §3.6).
 *
 * Every request/response frame is big-endian: `[u16 length = total-2][u8 type][u8 field_count]`
 * then `field_count × [u8 field_id][u16 field_len][bytes]`.
 * Data frames (type 6): `[u16 length][u8 6][4 bytes][u16 scrip count]` then scrips from offset 9.
 * The four bytes at 3..6 are not pinned down by any source; the sim writes a u32 BE message number.
 *
 * topic_id byte order: sources disagree (openalgo unpacks it native/LE, fyers-rs BE). We choose
 * BIG-ENDIAN, like every other integer in the protocol; the adapter's parser uses the same.
 */

export const HSM_REQ_AUTH = 1;
export const HSM_REQ_SUBSCRIBE = 4;
export const HSM_REQ_UNSUBSCRIBE = 5;
export const HSM_DATA = 6;
export const HSM_PING = 11;

export const HSM_NO_VALUE = -2147483648;

/** Field order of an `sf` (symbol feed) scrip. */
export const HSM_SF_FIELDS = [
  'ltp',
  'vol_traded_today',
  'last_traded_time',
  'exch_feed_time',
  'bid_size',
  'ask_size',
  'bid_price',
  'ask_price',
  'last_traded_qty',
  'tot_buy_qty',
  'tot_sell_qty',
  'avg_trade_price',
  'OI',
  'low_price',
  'high_price',
  'Yhigh',
  'Ylow',
  'lower_ckt',
  'upper_ckt',
  'open_price',
  'prev_close_price',
] as const;

export function hsmFrame(type: number, fields: ReadonlyArray<readonly [number, Buffer]>): Buffer {
  const body = fields.map(([id, v]) => {
    const h = Buffer.alloc(3);
    h.writeUInt8(id, 0);
    h.writeUInt16BE(v.length, 1);
    return Buffer.concat([h, v]);
  });
  const head = Buffer.alloc(4);
  const total = 4 + body.reduce((n, b) => n + b.length, 0);
  head.writeUInt16BE(total - 2, 0);
  head.writeUInt8(type, 2);
  head.writeUInt8(fields.length, 3);
  return Buffer.concat([head, ...body]);
}

export interface HsmRequest {
  type: number;
  fields: Map<number, Buffer>;
}

/** Reads one client frame; null when it is not a well-formed field frame (e.g. the 3-byte ping). */
export function readHsmRequest(buf: Buffer): HsmRequest | null {
  if (buf.length < 4) return buf.length >= 3 ? { type: buf.readUInt8(2), fields: new Map() } : null;
  const type = buf.readUInt8(2);
  const count = buf.readUInt8(3);
  const fields = new Map<number, Buffer>();
  let o = 4;
  for (let i = 0; i < count; i++) {
    if (o + 3 > buf.length) return null;
    const id = buf.readUInt8(o);
    const len = buf.readUInt16BE(o + 1);
    o += 3;
    if (o + len > buf.length) return null;
    fields.set(id, buf.subarray(o, o + len));
    o += len;
  }
  return { type, fields };
}

/** Subscribe/unsubscribe field 1: `[u16 count]` then `count × [u8 len][ascii topic]`. */
export function readTopicList(v: Buffer): string[] {
  const n = v.readUInt16BE(0);
  const out: string[] = [];
  let o = 2;
  for (let i = 0; i < n && o < v.length; i++) {
    const len = v.readUInt8(o);
    out.push(v.subarray(o + 1, o + 1 + len).toString('ascii'));
    o += 1 + len;
  }
  return out;
}

function i32s(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeInt32BE(v, i * 4));
  return b;
}

function shortStr(s: string): Buffer {
  const v = Buffer.from(s, 'ascii');
  return Buffer.concat([Buffer.from([v.length]), v]);
}

export interface HsmSnapshotMeta {
  multiplier: number;
  precision: number;
  exchange: string;
  exchangeToken: string;
  symbol: string;
}

/** 'S' scrip: u16 topic_id, u8 name_len, name, u8 field_count, i32 × n, then (sf/dp only) 2 skipped bytes, u16 multiplier, u8 precision, 3 short strings. */
export function hsmSnapshotScrip(topicId: number, topic: string, values: readonly number[], meta: HsmSnapshotMeta | null): Buffer {
  const name = Buffer.from(topic, 'ascii');
  const head = Buffer.alloc(4);
  head.writeUInt8(0x53, 0);
  head.writeUInt16BE(topicId, 1);
  head.writeUInt8(name.length, 3);
  const parts = [head, name, Buffer.from([values.length]), i32s(values)];
  if (meta) {
    const m = Buffer.alloc(5);
    m.writeUInt16BE(meta.multiplier, 2);
    m.writeUInt8(meta.precision, 4);
    parts.push(m, shortStr(meta.exchange), shortStr(meta.exchangeToken), shortStr(meta.symbol));
  }
  return Buffer.concat(parts);
}

/** 'U' scrip: u16 topic_id, u8 field_count, i32 × n, positional in the snapshot's field order. */
export function hsmUpdateScrip(topicId: number, values: readonly number[]): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt8(0x55, 0);
  head.writeUInt16BE(topicId, 1);
  head.writeUInt8(values.length, 3);
  return Buffer.concat([head, i32s(values)]);
}

export function hsmDataFrame(messageNo: number, scrips: readonly Buffer[]): Buffer {
  const head = Buffer.alloc(9);
  const total = 9 + scrips.reduce((n, s) => n + s.length, 0);
  head.writeUInt16BE(total - 2, 0);
  head.writeUInt8(HSM_DATA, 2);
  head.writeUInt32BE(messageNo >>> 0, 3);
  head.writeUInt16BE(scrips.length, 7);
  return Buffer.concat([head, ...scrips]);
}
