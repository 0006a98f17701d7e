import { describe, expect, it } from 'vitest';
import { encodeDhanDisconnect, encodeDhanFull, encodeDhanPrevClose, encodeDhanQuote, encodeDhanTicker } from '../../../../../packages/broker-sims/src/dhan/dhan-feed-encoder';
import { dhanLttToEpochMs, dhanRupeesToPaise, parseDhanFeedMessage } from './dhan-tick-parser';

const QUOTE = { ltp: 1573.15, ltq: 7, ltt: 1_786_000_000, atp: 1570.5, volume: 123456, totalSellQty: 1000, totalBuyQty: 1200, open: 1560, close: 1555.55, high: 1580.05, low: 1550.1 };

describe('parseDhanFeedMessage', () => {
  it('decodes a hand-built ticker packet (little-endian header, float32 rupees)', () => {
    const b = Buffer.alloc(16);
    b.writeUInt8(2, 0);
    b.writeInt16LE(16, 1);
    b.writeUInt8(1, 3);
    b.writeInt32LE(1594, 4);
    b.writeFloatLE(1573.15, 8);
    b.writeInt32LE(1_786_019_800, 12);
    const r = parseDhanFeedMessage(b);
    expect(r.error).toBeNull();
    expect(r.packets).toHaveLength(1);
    const p = r.packets[0];
    expect(p).toMatchObject({ kind: 'ticker', segment: 'NSE_EQ', securityId: '1594', ltt: 1_786_019_800 });
    expect(p?.kind === 'ticker' && dhanRupeesToPaise(p.ltp, 5)).toBe(157315);
    expect(dhanLttToEpochMs(1_786_019_800)).toBe(1_786_000_000_000);
  });

  it('decodes a quote packet', () => {
    const r = parseDhanFeedMessage(encodeDhanQuote(4, 500209, QUOTE));
    const p = r.packets[0];
    expect(p?.kind).toBe('quote');
    if (p?.kind !== 'quote') return;
    expect(p.segment).toBe('BSE_EQ');
    expect(p.securityId).toBe('500209');
    expect(p.ltq).toBe(7);
    expect(p.ltt).toBe(QUOTE.ltt);
    expect(p.volume).toBe(123456);
    expect(p.totalSellQty).toBe(1000);
    expect(p.totalBuyQty).toBe(1200);
    expect(dhanRupeesToPaise(p.ltp, 5)).toBe(157315);
    expect(dhanRupeesToPaise(p.open)).toBe(156000);
    expect(dhanRupeesToPaise(p.close)).toBe(155555);
    expect(dhanRupeesToPaise(p.high)).toBe(158005);
    expect(dhanRupeesToPaise(p.low)).toBe(155010);
  });

  it('decodes a full packet with OI and five depth levels', () => {
    const depth = Array.from({ length: 5 }, (_, i) => ({ bidQty: 10 + i, askQty: 20 + i, bidOrders: i + 1, askOrders: i + 2, bid: 1573.1 - i * 0.05, ask: 1573.2 + i * 0.05 }));
    const r = parseDhanFeedMessage(encodeDhanFull(2, 35001, { ...QUOTE, oi: 5000, oiHigh: 6000, oiLow: 4000, depth }));
    const p = r.packets[0];
    expect(r.error).toBeNull();
    expect(p?.kind).toBe('full');
    if (p?.kind !== 'full') return;
    expect(p.segment).toBe('NSE_FNO');
    expect([p.oi, p.oiHigh, p.oiLow]).toEqual([5000, 6000, 4000]);
    expect(dhanRupeesToPaise(p.open)).toBe(156000);
    expect(dhanRupeesToPaise(p.low)).toBe(155010);
    expect(p.depth).toHaveLength(5);
    expect(p.depth[4]).toMatchObject({ bidQty: 14, askQty: 24, bidOrders: 5, askOrders: 6 });
    expect(dhanRupeesToPaise(p.depth[4]?.bid ?? 0, 5)).toBe(157290);
    expect(dhanRupeesToPaise(p.depth[0]?.ask ?? 0, 5)).toBe(157320);
  });

  it('decodes prev close and disconnect packets', () => {
    const r = parseDhanFeedMessage(Buffer.concat([encodeDhanPrevClose(1, 3045, 800.15, 0), encodeDhanDisconnect(807)]));
    expect(r.error).toBeNull();
    expect(r.packets[0]).toMatchObject({ kind: 'prevClose', securityId: '3045', prevOi: 0 });
    expect(r.packets[0]?.kind === 'prevClose' && dhanRupeesToPaise(r.packets[0].prevClose, 5)).toBe(80015);
    expect(r.packets[1]).toEqual({ kind: 'disconnect', reason: 807 });
  });

  it('walks several concatenated packets of different sizes in one message', () => {
    const msg = Buffer.concat([encodeDhanPrevClose(1, 1594, 1555.55), encodeDhanTicker(1, 1594, 1573.15, 1), encodeDhanQuote(1, 3045, QUOTE), encodeDhanTicker(1, 2885, 2900.05, 2)]);
    const r = parseDhanFeedMessage(msg);
    expect(r.error).toBeNull();
    expect(r.packets.map((p) => p.kind)).toEqual(['prevClose', 'ticker', 'quote', 'ticker']);
    expect(r.packets.map((p) => ('securityId' in p ? p.securityId : null))).toEqual(['1594', '1594', '3045', '2885']);
  });

  it('keeps the whole packets and reports truncated input', () => {
    const whole = encodeDhanTicker(1, 1594, 1573.15, 1);
    const cut = encodeDhanQuote(1, 3045, QUOTE).subarray(0, 30);
    const r = parseDhanFeedMessage(Buffer.concat([whole, cut]));
    expect(r.packets).toHaveLength(1);
    expect(r.error).toMatch(/truncated packet/);
    expect(parseDhanFeedMessage(Buffer.from([2, 16, 0])).error).toMatch(/truncated header/);
    expect(parseDhanFeedMessage(Buffer.alloc(0))).toEqual({ packets: [], error: null });
  });

  it('skips unknown packet codes by their length', () => {
    const unknown = Buffer.alloc(12);
    unknown.writeUInt8(99, 0);
    unknown.writeInt16LE(12, 1);
    const r = parseDhanFeedMessage(Buffer.concat([unknown, encodeDhanTicker(1, 1594, 1573.15, 1)]));
    expect(r.packets.map((p) => p.kind)).toEqual(['other', 'ticker']);
  });
});

describe('dhanRupeesToPaise', () => {
  it('snaps float32 rupees to the tick', () => {
    const f32 = (x: number): number => Math.fround(x);
    expect(dhanRupeesToPaise(f32(1573.15), 5)).toBe(157315);
    expect(dhanRupeesToPaise(f32(0.07), 1)).toBe(7);
    expect(dhanRupeesToPaise(f32(12500.05), 5)).toBe(1250005);
    // above ₹65,536 one float32 step is more than half a paisa: only the tick rounding saves it
    expect(dhanRupeesToPaise(f32(98765.45), 5)).toBe(9876545);
  });
});
