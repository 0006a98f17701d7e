import { describe, expect, it } from 'vitest';
import { fyersOrderBody, parseFyersDateTime, tagFromFyers, toBrokerOrder, toPositions } from './fyers-order-mapping';

describe('Fyers order mapping', () => {
  it('builds a MARKET intraday body with side 1/-1 and our tag', () => {
    const body = fyersOrderBody(
      { clientOrderId: 'Tabc123', runId: 'r', leg: 'EXIT', attempt: 1, side: 'SELL', instrument: 'NSE:INFY', quantity: 3, reason: 'x' },
      'NSE:INFY-EQ',
    );
    expect(body).toMatchObject({ symbol: 'NSE:INFY-EQ', qty: 3, type: 2, side: -1, productType: 'INTRADAY', orderTag: 'Tabc123', limitPrice: 0 });
  });

  it('reads only user tags', () => {
    expect(tagFromFyers('1:Tabc')).toBe('Tabc');
    expect(tagFromFyers('2:Untagged')).toBeNull();
    expect(tagFromFyers('1:Untagged')).toBeNull();
    expect(tagFromFyers('2:FyersTag')).toBeNull();
    expect(tagFromFyers(undefined)).toBeNull();
  });

  it('parses the IST order time', () => {
    expect(parseFyersDateTime('09-Mar-2023 09:34:38')).toBe(Date.UTC(2023, 2, 9, 4, 4, 38));
    expect(parseFyersDateTime('garbage')).toBeNull();
  });

  it('maps a documented order-book item (partially filled, pending)', () => {
    const o = toBrokerOrder({
      id: '23030900015105',
      symbol: 'NSE:IDEA-EQ',
      qty: 10,
      filledQty: 4,
      remainingQuantity: 6,
      tradedPrice: 6.95,
      status: 6,
      side: -1,
      message: '',
      orderTag: '1:Ordertag',
      orderDateTime: '09-Mar-2023 09:34:38',
    });
    expect(o).toEqual({
      brokerOrderId: '23030900015105',
      tag: 'Ordertag',
      instrument: 'NSE:IDEA',
      side: 'SELL',
      quantity: 10,
      filledQuantity: 4,
      averagePricePaise: 695,
      status: 'PENDING',
      message: null,
      updatedAt: Date.UTC(2023, 2, 9, 4, 4, 38),
    });
  });

  it('keeps the rejection reason and skips non-cash symbols', () => {
    expect(toBrokerOrder({ id: '1', symbol: 'NSE:SBIN-EQ', qty: 1, filledQty: 0, status: 5, side: 1, message: 'RMS: margin shortfall' })).toMatchObject({
      status: 'REJECTED',
      message: 'RMS: margin shortfall',
      averagePricePaise: null,
    });
    expect(toBrokerOrder({ id: '2', symbol: 'NSE:NIFTY50-INDEX', qty: 1, status: 2 })).toBeNull();
  });

  it('nets positions per instrument with the average in paise', () => {
    const p = toPositions([
      { symbol: 'NSE:INFY-EQ', netQty: 7, netAvg: 1573.15, productType: 'INTRADAY' },
      { symbol: 'BSE:SBIN-A', netQty: 0, netAvg: 0, productType: 'INTRADAY' },
    ]);
    expect(p).toEqual([
      { instrument: 'NSE:INFY', netQuantity: 7, averagePricePaise: 157315 },
      { instrument: 'BSE:SBIN', netQuantity: 0, averagePricePaise: null },
    ]);
  });
});
