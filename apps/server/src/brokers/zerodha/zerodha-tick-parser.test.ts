import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeKiteFrame, encodeKiteIndexPacket, encodeKitePacket, KITE_HEARTBEAT } from '../../../../../packages/broker-sims/src/zerodha/kite-ticker-encoder';
import { kitePriceDivisor, parseKiteFrame, parseKitePacket } from './zerodha-tick-parser';

// The Kite mocks live beside the repository, in ../shared/fixtures/kite.
const FIXTURES = fileURLToPath(new URL('../../../../../../shared/fixtures/kite', import.meta.url));
const packet = (name: string): Buffer => Buffer.from(readFileSync(`${FIXTURES}/${name}`, 'utf8').trim(), 'base64');
const json = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8'));

describe('parseKitePacket against the official Kite mocks', () => {
  it('decodes ticker_full.packet to exactly ticker_full.json', () => {
    const p = packet('ticker_full.packet');
    expect(p.length).toBe(184);
    expect(parseKitePacket(p)).toStrictEqual(json('ticker_full.json'));
  });

  it('decodes ticker_quote.packet to ticker_quote.json; the mock\'s `change` is not derivable from its own packet', () => {
    const p = packet('ticker_quote.packet');
    expect(p.length).toBe(44);
    const expected = json('ticker_quote.json') as Record<string, unknown>;
    const got = parseKitePacket(p) as unknown as Record<string, unknown>;
    // The quote mock repeats the full mock's change (1573.70 − 1567.80); its own packet says
    // 1573.15 − 1567.80. Every wire field matches exactly; change is our derivation from them.
    expect(expected.change).toBe(5.900000000000091);
    expect(got.change).toBe(1573.15 - 1567.8);
    expect({ ...got, change: expected.change }).toStrictEqual(expected);
  });

  it('decodes an LTP packet to the ticker_ltp.json shape', () => {
    const p = packet('ticker_quote.packet').subarray(0, 8);
    expect(parseKitePacket(p)).toStrictEqual(json('ticker_ltp.json'));
  });
});

describe('parseKitePacket index packets and divisors', () => {
  const NIFTY = 256265; // segment 9: indices

  it('reads index quote packets as H, L, O, C and marks them not tradable', () => {
    const p = encodeKiteIndexPacket('quote', { token: NIFTY, lastPrice: 2_450_010, high: 2_460_000, low: 2_440_000, open: 2_445_000, close: 2_430_000 });
    expect(p.length).toBe(28);
    expect(parseKitePacket(p)).toStrictEqual({
      mode: 'quote',
      tradable: false,
      instrument_token: NIFTY,
      last_price: 24500.1,
      ohlc: { high: 24600, low: 24400, open: 24450, close: 24300 },
      change: 24500.1 - 24300,
    });
  });

  it('reads the exchange timestamp of index full packets', () => {
    const p = encodeKiteIndexPacket('full', { token: NIFTY, lastPrice: 2_450_000, high: 2_460_000, low: 2_440_000, open: 2_445_000, close: 0, change: 1234, exchangeTimestamp: 1625461887 });
    expect(p.length).toBe(32);
    expect(parseKitePacket(p)).toMatchObject({ mode: 'full', change: 12.34, timestamp: '2021-07-05T10:41:27+05:30' });
  });

  it('uses the segment divisor: CDS ÷1e7, BCD ÷1e4, everything else ÷100', () => {
    expect(kitePriceDivisor(412675)).toBe(10_000_000); // 412675 & 0xff = 3 (CDS)
    expect(kitePriceDivisor(0x1206)).toBe(10_000);
    expect(kitePriceDivisor(408065)).toBe(100);
    expect(parseKitePacket(encodeKitePacket('ltp', { token: 412675, lastPrice: 745_250_000 }))).toMatchObject({ last_price: 74.525 });
    expect(parseKitePacket(encodeKitePacket('ltp', { token: 0x1206, lastPrice: 745_250 }))).toMatchObject({ last_price: 74.525 });
  });

  it('returns null for packet lengths Kite does not define', () => {
    expect(parseKitePacket(new Uint8Array(12))).toBeNull();
  });
});

describe('parseKiteFrame', () => {
  it('splits a multi-packet frame of mixed modes', () => {
    const frame = encodeKiteFrame([
      encodeKitePacket('ltp', { token: 408065, lastPrice: 157315 }),
      packet('ticker_quote.packet'),
      packet('ticker_full.packet'),
      encodeKiteIndexPacket('quote', { token: 256265, lastPrice: 2_450_000, high: 1, low: 1, open: 1, close: 2_400_000 }),
    ]);
    const ticks = parseKiteFrame(frame);
    expect(ticks.map((t) => [t.mode, t.instrument_token, t.last_price])).toEqual([
      ['ltp', 408065, 1573.15],
      ['quote', 408065, 1573.15],
      ['full', 408065, 1573.7],
      ['quote', 256265, 24500],
    ]);
  });

  it('ignores the 1-byte heartbeat and truncated frames', () => {
    expect(parseKiteFrame(KITE_HEARTBEAT)).toEqual([]);
    const whole = encodeKiteFrame([encodeKitePacket('ltp', { token: 408065, lastPrice: 1 }), encodeKitePacket('ltp', { token: 408065, lastPrice: 2 })]);
    expect(parseKiteFrame(whole.subarray(0, whole.length - 3)).map((t) => t.last_price)).toEqual([0.01]);
  });
});
