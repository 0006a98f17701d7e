import { describe, expect, it } from 'vitest';
import { hsmDataFrame, hsmFrame, hsmSnapshotScrip, hsmUpdateScrip, readHsmRequest, readTopicList } from '../../../../../packages/broker-sims/src/fyers/fyers-hsm-encoder';
import { decodeHsmMessage, HSM_NO_VALUE, type HsmTopic } from './fyers-hsm-parser';
import { hsmAuthFrame, hsmSubscribeFrame, hsmUnsubscribeFrame } from './fyers-hsm-requests';

const NONE = new Map<number, HsmTopic>();

/** A data frame written out byte by byte, independent of the sim's encoder. */
function handBuiltSnapshot(): Buffer {
  const name = Buffer.from('sf|nse_cm|1594', 'ascii');
  const values = [157315, 1200, 1767000000, 1767000001, 100, 120, 157310, 157320, 1, 25000, 27000, 157300, HSM_NO_VALUE, 156000, 158000, HSM_NO_VALUE, HSM_NO_VALUE, 141600, 173000, 157000, 157315];
  const fields = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => fields.writeInt32BE(v, i * 4));
  const scrip = Buffer.concat([
    Buffer.from([0x53, 0x00, 0x07, name.length]), // 'S', topic_id 7 (BE), name length
    name,
    Buffer.from([values.length]),
    fields,
    Buffer.from([0x00, 0x00, 0x00, 0x01, 0x02]), // 2 skipped, multiplier 1 (BE), precision 2
    Buffer.from([3]),
    Buffer.from('NSE'),
    Buffer.from([4]),
    Buffer.from('1594'),
    Buffer.from([7]),
    Buffer.from('INFY-EQ'),
  ]);
  const head = Buffer.alloc(9);
  head.writeUInt16BE(9 + scrip.length - 2, 0);
  head.writeUInt8(6, 2);
  head.writeUInt32BE(1, 3);
  head.writeUInt16BE(1, 7);
  return Buffer.concat([head, scrip]);
}

describe('decodeHsmMessage', () => {
  it('decodes a hand-built snapshot: topic, scaling to paise, "no value" fields, trailing block', () => {
    const { messages, learned } = decodeHsmMessage(handBuiltSnapshot(), NONE);
    expect(messages).toHaveLength(1);
    const m = messages[0];
    if (m?.type !== 'data') throw new Error('expected data');
    const s = m.scrips[0];
    expect(s?.kind).toBe('snapshot');
    expect(s?.topic).toEqual({ topicId: 7, name: 'sf|nse_cm|1594', multiplier: 1, precision: 2, exchange: 'NSE', exchangeToken: '1594', symbol: 'INFY-EQ' });
    expect(s?.values).toMatchObject({ ltp: 157315, bid_price: 157310, ask_price: 157320, vol_traded_today: 1200, exch_feed_time: 1767000001, prev_close_price: 157315 });
    expect(s?.values).not.toHaveProperty('OI');
    expect(learned.get(7)?.name).toBe('sf|nse_cm|1594');
  });

  it('decodes an update against the topics learned from the snapshot', () => {
    const first = decodeHsmMessage(handBuiltSnapshot(), NONE);
    const update = hsmDataFrame(2, [hsmUpdateScrip(7, [161005, 1300, 1767000002, 1767000003])]);
    const { messages } = decodeHsmMessage(update, first.learned);
    const m = messages[0];
    if (m?.type !== 'data') throw new Error('expected data');
    expect(m.scrips).toEqual([{ kind: 'update', topic: first.learned.get(7), values: { ltp: 161005, vol_traded_today: 1300, last_traded_time: 1767000002, exch_feed_time: 1767000003 } }]);
  });

  it('scales by multiplier × 10^precision (e.g. currency with precision 4)', () => {
    const frame = hsmDataFrame(1, [hsmSnapshotScrip(3, 'sf|cde_fo|1234', [831525], { multiplier: 1, precision: 4, exchange: 'NSE', exchangeToken: '1234', symbol: 'USDINR' })]);
    const m = decodeHsmMessage(frame, NONE).messages[0];
    if (m?.type !== 'data') throw new Error('expected data');
    // 83.1525 rupees → 8315 paise (rounded)
    expect(m.scrips[0]?.values.ltp).toBe(8315);
  });

  it('reads index snapshots, which have no trailing block', () => {
    const frame = hsmDataFrame(1, [hsmSnapshotScrip(9, 'if|nse_cm|Nifty 50', [2450010, 2440000, 1767000000], null), hsmUpdateScrip(9, [2450500])]);
    const m = decodeHsmMessage(frame, NONE).messages[0];
    if (m?.type !== 'data') throw new Error('expected data');
    expect(m.scrips.map((s) => [s.kind, s.topic.name, s.values.ltp])).toEqual([
      ['snapshot', 'if|nse_cm|Nifty 50', 2450010],
      ['update', 'if|nse_cm|Nifty 50', 2450500],
    ]);
    expect(m.scrips[0]?.values.exch_feed_time).toBe(1767000000);
  });

  it('skips updates for unknown topic ids and stops at unknown scrip layouts', () => {
    const lite = Buffer.from([0x4c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01]);
    const frame = hsmDataFrame(1, [hsmUpdateScrip(42, [1]), lite]);
    const m = decodeHsmMessage(frame, NONE).messages[0];
    expect(m).toEqual({ type: 'data', scrips: [] });
  });

  it('decodes auth and subscription answers, and several frames in one message', () => {
    const buf = Buffer.concat([hsmFrame(1, [[1, Buffer.from('K')]]), hsmFrame(4, [[1, Buffer.from('K')]]), hsmFrame(1, [[1, Buffer.from('E')], [2, Buffer.from('Token expired')]])]);
    expect(decodeHsmMessage(buf, NONE).messages).toEqual([
      { type: 'auth', accepted: true, status: 'K', detail: null },
      { type: 'subscribe-ack', status: 'K' },
      { type: 'auth', accepted: false, status: 'E', detail: 'Token expired' },
    ]);
  });

  it('does not throw on truncated data', () => {
    const full = handBuiltSnapshot();
    for (let n = 0; n < full.length; n++) expect(() => decodeHsmMessage(full.subarray(0, n), NONE)).not.toThrow();
  });
});

describe('HSM request frames', () => {
  it('builds the auth frame with 4 fields and the documented size', () => {
    const key = 'a'.repeat(40);
    const f = hsmAuthFrame(key, 'JS_API');
    expect(f.length).toBe(18 + key.length + 'JS_API'.length);
    expect(f.readUInt16BE(0)).toBe(f.length - 2);
    const r = readHsmRequest(f);
    expect(r?.type).toBe(1);
    expect(r?.fields.get(1)?.toString()).toBe(key);
    expect(r?.fields.get(2)?.toString()).toBe('P');
    expect([...(r?.fields.get(3) ?? [])]).toEqual([1]);
    expect(r?.fields.get(4)?.toString()).toBe('JS_API');
  });

  it('builds subscribe/unsubscribe frames with the topic list and channel 11', () => {
    const s = readHsmRequest(hsmSubscribeFrame(['sf|nse_cm|1594', 'sf|nse_cm|3045']));
    expect(s?.type).toBe(4);
    expect(readTopicList(s?.fields.get(1) as Buffer)).toEqual(['sf|nse_cm|1594', 'sf|nse_cm|3045']);
    expect([...(s?.fields.get(2) ?? [])]).toEqual([11]);
    expect(readHsmRequest(hsmUnsubscribeFrame(['sf|nse_cm|1594']))?.type).toBe(5);
  });
});
