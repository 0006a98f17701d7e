import { describe, expect, it } from 'vitest';
import { parseDhanIstTime, toBrokerOrder, toPositions } from './dhan-orders';
import { DhanSymbolTable } from './dhan-symbols';
import { dhanJwtExpiry, dhanTotp, parseDhanTokenValidity } from './dhan-auth';

const table = DhanSymbolTable.fromCompactCsv(
  [
    'SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME',
    'NSE,E,11536,EQUITY,,TCS,1.0,TCS,,,XX,5.0000,NA,ES,EQ,TATA CONSULTANCY SERV',
    'NSE,E,1594,EQUITY,,INFY,1.0,INFY,,,XX,5.0000,NA,ES,EQ,INFOSYS',
  ].join('\n'),
);

/** An order-book row in the shape dhanhq.co/docs/v2/orders prints. */
const row = {
  dhanClientId: '1000000003',
  orderId: '112111182198',
  exchangeOrderId: '1100000001111',
  correlationId: '123abc678',
  orderStatus: 'PART_TRADED',
  transactionType: 'BUY',
  exchangeSegment: 'NSE_EQ',
  productType: 'INTRADAY',
  orderType: 'MARKET',
  validity: 'DAY',
  tradingSymbol: 'TCS',
  securityId: '11536',
  quantity: 5,
  disclosedQuantity: 0,
  price: 0,
  triggerPrice: 0,
  afterMarketOrder: false,
  legName: 'NA',
  createTime: '2026-08-10 09:15:01',
  updateTime: '2026-08-10 09:15:02',
  exchangeTime: '2026-08-10 09:15:01',
  drvExpiryDate: null,
  drvOptionType: null,
  drvStrikePrice: 0,
  omsErrorCode: null,
  omsErrorDescription: null,
  remainingQuantity: 2,
  averageTradedPrice: 4101.333333,
  filledQty: 3,
};

describe('Dhan order mapping', () => {
  it('maps an order-book row to our order (IST times, rupees → paise)', () => {
    expect(toBrokerOrder(row, table)).toEqual({
      brokerOrderId: '112111182198',
      tag: '123abc678',
      instrument: 'NSE:TCS',
      side: 'BUY',
      quantity: 5,
      filledQuantity: 3,
      averagePricePaise: 410133,
      status: 'PENDING',
      message: null,
      updatedAt: Date.UTC(2026, 7, 10, 3, 45, 2),
    });
  });

  it('keeps the rejection reason and drops non-cash segments', () => {
    const rej = toBrokerOrder({ ...row, orderStatus: 'REJECTED', filledQty: 0, averageTradedPrice: 0, omsErrorDescription: 'RMS:Margin Exceeds' }, table);
    expect(rej).toMatchObject({ status: 'REJECTED', message: 'RMS:Margin Exceeds', averagePricePaise: null, filledQuantity: 0 });
    expect(toBrokerOrder({ ...row, exchangeSegment: 'NSE_FNO', securityId: '35001' }, table)).toBeNull();
    // a symbol missing from today's master still maps by its trading symbol
    expect(toBrokerOrder({ ...row, securityId: '424242', tradingSymbol: 'newco' }, table)?.instrument).toBe('NSE:NEWCO');
  });

  it('nets positions per instrument across product types', () => {
    const p = toPositions(
      [
        { exchangeSegment: 'NSE_EQ', securityId: '1594', tradingSymbol: 'INFY', productType: 'INTRADAY', netQty: 5, buyAvg: 1573.15, sellAvg: 0 },
        { exchangeSegment: 'NSE_EQ', securityId: '1594', tradingSymbol: 'INFY', productType: 'CNC', netQty: 5, buyAvg: 1573.25, sellAvg: 0 },
        { exchangeSegment: 'NSE_EQ', securityId: '11536', tradingSymbol: 'TCS', productType: 'INTRADAY', netQty: 0, buyAvg: 4100, sellAvg: 4101 },
        { exchangeSegment: 'NSE_FNO', securityId: '35001', tradingSymbol: 'INFY-FUT', productType: 'MARGIN', netQty: 400, buyAvg: 1580, sellAvg: 0 },
      ],
      table,
    );
    expect(p).toEqual([
      { instrument: 'NSE:INFY', netQuantity: 10, averagePricePaise: 157320 },
      { instrument: 'NSE:TCS', netQuantity: 0, averagePricePaise: null },
    ]);
  });

  it('parses Dhan IST timestamps and ignores the 0001-01-01 placeholder', () => {
    expect(parseDhanIstTime('2026-08-10 09:15:00')).toBe(Date.UTC(2026, 7, 10, 3, 45, 0));
    expect(parseDhanIstTime('0001-01-01 00:00:00')).toBeNull();
    expect(parseDhanIstTime(null)).toBeNull();
  });
});

describe('Dhan auth pieces', () => {
  it('generates the RFC-6238 reference code (SHA-1, 30 s) for a base32 secret', () => {
    // RFC 6238 appendix B: ASCII "12345678901234567890" at T=59 s → 94287082 (8 digits); 6 digits → 287082
    expect(dhanTotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
    expect(dhanTotp('gezd gnbv gy3t qojq gezd gnbv gy3t qojq', 59_000)).toBe('287082');
  });

  it('reads token expiry from the JWT and from /v2/profile tokenValidity', () => {
    const jwt = `x.${Buffer.from(JSON.stringify({ exp: 1_786_000_000 })).toString('base64url')}.y`;
    expect(dhanJwtExpiry(jwt)).toBe(1_786_000_000_000);
    expect(dhanJwtExpiry('not-a-jwt')).toBeNull();
    expect(parseDhanTokenValidity('11/08/2026 09:15')).toBe(Date.UTC(2026, 7, 11, 3, 45));
    expect(parseDhanTokenValidity('soon')).toBeNull();
  });
});
