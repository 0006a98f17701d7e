/**
 * Decoder for Fyers' HSM market-data frames (brokers.md §3.6; reverse-engineered, see there).
 *
 * All integers are big-endian. A WebSocket message may hold several frames, each
 * `[u16 length = total-2][u8 type]...`. Data frames (type 6) carry `[u16 scrip count]` at bytes 7..8
 * and scrips from byte 9; bytes 3..6 are not pinned down by any source and are skipped.
 *
 * topic_id byte order is ambiguous across sources (openalgo reads it little-endian, fyers-rs
 * big-endian). We read it BIG-ENDIAN, consistent with the rest of the protocol and with our sim;
 * verify against a live capture before trusting it in production.
 *
 * The parser is pure: topic ids are per connection and learned from snapshots, so the caller passes
 * the topics known so far and gets back the ones this frame taught it.
 */

export const HSM_NO_VALUE = -2147483648;

const SF_FIELDS = [
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
const IF_FIELDS = ['ltp', 'prev_close_price', 'exch_feed_time', 'high_price', 'low_price', 'open_price'] as const;
const DP_FIELDS = (['bid_price', 'ask_price', 'bid_size', 'ask_size', 'bid_order', 'ask_order'] as const).flatMap((p) => [1, 2, 3, 4, 5].map((i) => `${p}${i}`));

const SF_PRICES = new Set(['ltp', 'bid_price', 'ask_price', 'avg_trade_price', 'low_price', 'high_price', 'Yhigh', 'Ylow', 'lower_ckt', 'upper_ckt', 'open_price', 'prev_close_price']);
const IF_PRICES = new Set(['ltp', 'prev_close_price', 'high_price', 'low_price', 'open_price']);

export interface HsmTopic {
  topicId: number;
  /** e.g. `sf|nse_cm|1594` */
  name: string;
  multiplier: number;
  precision: number;
  exchange: string | null;
  exchangeToken: string | null;
  symbol: string | null;
}

export interface HsmScrip {
  kind: 'snapshot' | 'update';
  topic: HsmTopic;
  /**
   * Field values by name; prices already in paise (`raw / (multiplier·10^precision)` rupees), other
   * fields raw (quantities, epoch seconds). Absent when the exchange sent "no value".
   */
  values: Record<string, number>;
}

export type HsmMessage =
  | { type: 'auth'; accepted: boolean; status: string; detail: string | null }
  | { type: 'subscribe-ack' | 'unsubscribe-ack'; status: string }
  | { type: 'data'; scrips: HsmScrip[] }
  | { type: 'other'; requestType: number };

export interface HsmDecoded {
  messages: HsmMessage[];
  /** topics introduced by snapshots in this buffer, keyed by topic id */
  learned: Map<number, HsmTopic>;
}

function fieldNames(topicName: string): readonly string[] {
  if (topicName.startsWith('if|')) return IF_FIELDS;
  if (topicName.startsWith('dp|')) return DP_FIELDS;
  return SF_FIELDS;
}

function isPrice(topicName: string, field: string): boolean {
  if (topicName.startsWith('if|')) return IF_PRICES.has(field);
  if (topicName.startsWith('dp|')) return field.startsWith('bid_price') || field.startsWith('ask_price');
  return SF_PRICES.has(field);
}

function toValues(topic: HsmTopic, raw: readonly number[]): Record<string, number> {
  const names = fieldNames(topic.name);
  const out: Record<string, number> = {};
  const divisor = Math.max(1, topic.multiplier) * 10 ** topic.precision;
  raw.forEach((v, i) => {
    if (v === HSM_NO_VALUE) return;
    const name = names[i] ?? `f${i}`;
    out[name] = isPrice(topic.name, name) ? Math.round((v * 100) / divisor) : v;
  });
  return out;
}

function readFields(buf: Buffer, start: number, end: number): Map<number, Buffer> | null {
  const count = buf.readUInt8(start);
  const fields = new Map<number, Buffer>();
  let o = start + 1;
  for (let i = 0; i < count; i++) {
    if (o + 3 > end) return null;
    const id = buf.readUInt8(o);
    const len = buf.readUInt16BE(o + 1);
    o += 3;
    if (o + len > end) return null;
    fields.set(id, buf.subarray(o, o + len));
    o += len;
  }
  return fields;
}

function readShortString(buf: Buffer, o: number, end: number): [string, number] | null {
  if (o >= end) return null;
  const len = buf.readUInt8(o);
  if (o + 1 + len > end) return null;
  return [buf.subarray(o + 1, o + 1 + len).toString('ascii'), o + 1 + len];
}

function decodeData(buf: Buffer, start: number, end: number, known: ReadonlyMap<number, HsmTopic>, learned: Map<number, HsmTopic>): HsmScrip[] {
  const scrips: HsmScrip[] = [];
  if (start + 9 > end) return scrips;
  const count = buf.readUInt16BE(start + 7);
  let o = start + 9;
  for (let n = 0; n < count && o < end; n++) {
    const kind = buf.readUInt8(o);
    if (kind === 0x53 /* S */) {
      if (o + 4 > end) break;
      const topicId = buf.readUInt16BE(o + 1);
      const nameLen = buf.readUInt8(o + 3);
      let p = o + 4;
      if (p + nameLen + 1 > end) break;
      const name = buf.subarray(p, p + nameLen).toString('ascii');
      p += nameLen;
      const fc = buf.readUInt8(p);
      p += 1;
      if (p + fc * 4 > end) break;
      const raw: number[] = [];
      for (let i = 0; i < fc; i++) raw.push(buf.readInt32BE(p + i * 4));
      p += fc * 4;
      const topic: HsmTopic = { topicId, name, multiplier: 1, precision: 2, exchange: null, exchangeToken: null, symbol: null };
      if (!name.startsWith('if|')) {
        // 2 skipped bytes, u16 multiplier, u8 precision, then exchange, exchange token, symbol.
        if (p + 5 > end) break;
        topic.multiplier = buf.readUInt16BE(p + 2);
        topic.precision = buf.readUInt8(p + 4);
        p += 5;
        const ex = readShortString(buf, p, end);
        const tok = ex && readShortString(buf, ex[1], end);
        const sym = tok && readShortString(buf, tok[1], end);
        if (!ex || !tok || !sym) break;
        topic.exchange = ex[0];
        topic.exchangeToken = tok[0];
        topic.symbol = sym[0];
        p = sym[1];
      }
      learned.set(topicId, topic);
      scrips.push({ kind: 'snapshot', topic, values: toValues(topic, raw) });
      o = p;
    } else if (kind === 0x55 /* U */) {
      if (o + 4 > end) break;
      const topicId = buf.readUInt16BE(o + 1);
      const fc = buf.readUInt8(o + 3);
      const p = o + 4;
      if (p + fc * 4 > end) break;
      const raw: number[] = [];
      for (let i = 0; i < fc; i++) raw.push(buf.readInt32BE(p + i * 4));
      const topic = learned.get(topicId) ?? known.get(topicId);
      // An update for a topic we never saw a snapshot of cannot be scaled or named: skip it.
      if (topic) scrips.push({ kind: 'update', topic, values: toValues(topic, raw) });
      o = p + fc * 4;
    } else {
      // Lite ('L') and unknown scrip layouts are not pinned down; stop rather than misread bytes.
      break;
    }
  }
  return scrips;
}

export function decodeHsmMessage(buf: Buffer, known: ReadonlyMap<number, HsmTopic>): HsmDecoded {
  const messages: HsmMessage[] = [];
  const learned = new Map<number, HsmTopic>();
  let o = 0;
  while (o + 3 <= buf.length) {
    const end = Math.min(buf.length, o + 2 + buf.readUInt16BE(o));
    const type = buf.readUInt8(o + 2);
    if (type === 6) {
      messages.push({ type: 'data', scrips: decodeData(buf, o, end, known, learned) });
    } else if ((type === 1 || type === 4 || type === 5) && o + 4 <= end) {
      const fields = readFields(buf, o + 3, end);
      const status = fields?.get(1)?.toString('ascii') ?? '';
      if (type === 1) {
        messages.push({ type: 'auth', accepted: status === 'K', status, detail: fields?.get(2)?.toString('utf8') ?? null });
      } else {
        messages.push({ type: type === 4 ? 'subscribe-ack' : 'unsubscribe-ack', status });
      }
    } else {
      messages.push({ type: 'other', requestType: type });
    }
    o = end;
  }
  return { messages, learned };
}
