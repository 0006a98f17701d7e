import { describe, expect, it } from 'vitest';
import { encodeSmartStreamPacket } from '../../../../../packages/broker-sims/src/angelone/angelone-stream-encoder';
import { parseSmartStreamPacket } from './angelone-tick-parser';

/** A 51-byte LTP packet written by hand from the documented layout, independent of the sim encoder. */
function handLtp(): Buffer {
  const b = Buffer.alloc(51);
  b[0] = 1;
  b[1] = 1;
  b.write('1594', 2, 'ascii');
  b.writeBigInt64LE(123456789n, 27);
  b.writeBigInt64LE(1_767_000_000_123n, 35);
  b.writeBigInt64LE(157315n, 43);
  return b;
}

describe('parseSmartStreamPacket', () => {
  it('decodes a hand-built LTP packet: token NUL-trimmed, ms timestamp, paise', () => {
    expect(parseSmartStreamPacket(handLtp())).toEqual({
      mode: 1,
      exchangeType: 1,
      token: '1594',
      sequence: 123456789,
      exchangeTs: 1_767_000_000_123,
      ltpPaise: 157315,
    });
  });

  it('reads int64 values above 2^32 exactly (angel-js reads LTP as int32 and would not)', () => {
    const b = handLtp();
    b.writeBigInt64LE(5_000_000_000n, 43);
    expect(parseSmartStreamPacket(b)?.ltpPaise).toBe(5_000_000_000);
  });

  it('decodes a 123-byte Quote packet', () => {
    const buf = encodeSmartStreamPacket({
      mode: 2, exchangeType: 3, token: '500209', sequence: 7, exchangeTs: 1_767_000_000_000, ltpPaise: 157320,
      lastTradedQty: 12, avgPricePaise: 157001, volume: 9_876_543, totalBuyQty: 1500.5, totalSellQty: 2500,
      openPaise: 156000, highPaise: 158000, lowPaise: 155500, closePaise: 156500,
    });
    expect(buf).toHaveLength(123);
    const p = parseSmartStreamPacket(buf);
    expect(p).toMatchObject({ mode: 2, exchangeType: 3, token: '500209', ltpPaise: 157320 });
    expect(p?.quote).toEqual({
      lastTradedQty: 12, avgPricePaise: 157001, volume: 9_876_543, totalBuyQty: 1500.5, totalSellQty: 2500,
      openPaise: 156000, highPaise: 158000, lowPaise: 155500, closePaise: 156500,
    });
    expect(p?.snap).toBeUndefined();
  });

  it('decodes a 379-byte SnapQuote packet with five bids then five asks', () => {
    const bids = Array.from({ length: 5 }, (_, k) => ({ quantity: 10 * (k + 1), pricePaise: 80000 - 5 * k, orders: k + 1 }));
    const asks = Array.from({ length: 5 }, (_, k) => ({ quantity: 20 * (k + 1), pricePaise: 80005 + 5 * k, orders: k + 2 }));
    const buf = encodeSmartStreamPacket({
      mode: 3, exchangeType: 1, token: '3045', sequence: 1, exchangeTs: 1_767_000_000_000, ltpPaise: 80000,
      lastTradedTs: 1_767_000_000, openInterest: 0, bids, asks,
      upperCircuitPaise: 96000, lowerCircuitPaise: 64000, high52Paise: 91200, low52Paise: 60050,
    });
    expect(buf).toHaveLength(379);
    const p = parseSmartStreamPacket(buf);
    expect(p?.snap).toEqual({
      lastTradedTs: 1_767_000_000, openInterest: 0, bids, asks,
      upperCircuitPaise: 96000, lowerCircuitPaise: 64000, high52Paise: 91200, low52Paise: 60050,
    });
  });

  it('reads a packet that sits inside a larger buffer (ws hands out slices of a pool)', () => {
    const pkt = handLtp();
    const pool = Buffer.concat([Buffer.alloc(13, 0xff), pkt, Buffer.alloc(7, 0xee)]);
    expect(parseSmartStreamPacket(pool.subarray(13, 13 + 51))?.ltpPaise).toBe(157315);
  });

  it('returns null for short packets, unknown modes and depth-20', () => {
    expect(parseSmartStreamPacket(handLtp().subarray(0, 50))).toBeNull();
    const quoteTooShort = handLtp();
    quoteTooShort[0] = 2;
    expect(parseSmartStreamPacket(quoteTooShort)).toBeNull();
    const depth = Buffer.alloc(443);
    depth[0] = 4;
    expect(parseSmartStreamPacket(depth)).toBeNull();
    expect(parseSmartStreamPacket(Buffer.from('pong'))).toBeNull();
  });
});
