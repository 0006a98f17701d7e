import { describe, expect, it } from 'vitest';
import { mapAngelLtp, mapAngelOrderBook, mapAngelPositions, parseAngelTime, placeOrderBody } from './angelone-orders';
import { angelOrderStatus } from './angelone-status-map';
import { AngelSymbolTable, parseAngelScripMaster } from './angelone-symbols';

const table = new AngelSymbolTable(
  parseAngelScripMaster([
    { token: '1594', symbol: 'INFY-EQ', name: 'INFY', expiry: '', strike: '-1.000000', lotsize: '1', instrumenttype: '', exch_seg: 'NSE', tick_size: '5.000000' },
    { token: '500209', symbol: 'INFY', name: 'INFY', expiry: '', strike: '-1.000000', lotsize: '1', instrumenttype: '', exch_seg: 'BSE', tick_size: '5.000000' },
    { token: '99926000', symbol: 'Nifty 50', name: 'NIFTY', expiry: '', strike: '0.000000', lotsize: '1', instrumenttype: 'AMXIDX', exch_seg: 'NSE', tick_size: '0.000000' },
    { token: '35001', symbol: 'NIFTY26JAN26000CE', name: 'NIFTY', expiry: '27JAN2026', strike: '2600000.000000', lotsize: '75', instrumenttype: 'OPTIDX', exch_seg: 'NFO', tick_size: '5.000000' },
    { token: '7777', symbol: 'INFY-BE', name: 'INFY', expiry: '', strike: '-1.000000', lotsize: '1', instrumenttype: '', exch_seg: 'NSE', tick_size: '1.000000' },
  ]),
);

describe('Angel scrip master', () => {
  it('keeps NSE -EQ and BSE cash rows, tick size from paise text', () => {
    expect(table.scrips.map((s) => s.instrument.id)).toEqual(['NSE:INFY', 'BSE:INFY']);
    expect(table.scrip('NSE:INFY')).toMatchObject({ tradingsymbol: 'INFY-EQ', token: '1594', exchangeType: 1, instrument: { tickSizePaise: 5, lotSize: 1 } });
    expect(table.fromStream(3, '500209')?.instrument.id).toBe('BSE:INFY');
  });
});

describe('Angel order mapping', () => {
  it('builds the place body with strings and our tag', () => {
    const scrip = table.scrip('NSE:INFY');
    if (!scrip) throw new Error('missing');
    expect(placeOrderBody({ clientOrderId: 'Tabc', runId: 'r', leg: 'ENTRY', attempt: 1, side: 'BUY', instrument: 'NSE:INFY', quantity: 7, reason: '' }, scrip)).toMatchObject({
      variety: 'NORMAL', tradingsymbol: 'INFY-EQ', symboltoken: '1594', exchange: 'NSE', ordertype: 'MARKET', producttype: 'INTRADAY', quantity: '7', ordertag: 'Tabc', transactiontype: 'BUY',
    });
  });

  it('maps book rows with mixed number/string types, partial fills and rejections', () => {
    const book = mapAngelOrderBook(
      [
        { orderid: 201020000000080, tradingsymbol: 'INFY-EQ', symboltoken: '1594', exchange: 'NSE', transactiontype: 'BUY', quantity: '10', filledshares: '5', averageprice: 1573.15, status: 'open', orderstatus: 'open', ordertag: 'T1', text: '', updatetime: '20-Oct-2020 13:10:59' },
        { orderid: '2', tradingsymbol: 'INFY', symboltoken: '500209', exchange: 'BSE', transactiontype: 'SELL', quantity: 1, filledshares: 0, averageprice: '0', status: 'rejected', ordertag: '', text: 'Insufficient funds' },
        { orderid: '3', tradingsymbol: 'NIFTY26JAN26000CE', symboltoken: '35001', exchange: 'NFO', transactiontype: 'BUY', quantity: '75', filledshares: '75', status: 'complete' },
      ],
      table,
    );
    expect(book).toEqual([
      { brokerOrderId: '201020000000080', tag: 'T1', instrument: 'NSE:INFY', side: 'BUY', quantity: 10, filledQuantity: 5, averagePricePaise: 157315, status: 'PENDING', message: null, updatedAt: Date.UTC(2020, 9, 20, 7, 40, 59) },
      { brokerOrderId: '2', tag: null, instrument: 'BSE:INFY', side: 'SELL', quantity: 1, filledQuantity: 0, averagePricePaise: null, status: 'REJECTED', message: 'Insufficient funds', updatedAt: null },
    ]);
    expect(mapAngelOrderBook(null, table)).toEqual([]);
  });

  it('maps statuses, unknown transients as PENDING', () => {
    expect(['complete', 'rejected', 'cancelled', 'open', 'trigger pending', 'validation pending', 'cancelled after market order'].map(angelOrderStatus)).toEqual([
      'FILLED', 'REJECTED', 'CANCELLED', 'PENDING', 'PENDING', 'PENDING', 'CANCELLED',
    ]);
  });

  it('nets positions across products and reads rupee strings as paise', () => {
    expect(
      mapAngelPositions(
        [
          { exchange: 'NSE', symboltoken: '1594', tradingsymbol: 'INFY-EQ', producttype: 'INTRADAY', buyqty: '7', sellqty: '0', netqty: '7', buyavgprice: '1573.15', sellavgprice: '0.00' },
          { exchange: 'NSE', symboltoken: '1594', tradingsymbol: 'INFY-EQ', producttype: 'DELIVERY', buyqty: '3', sellqty: '0', netqty: '3', buyavgprice: '1573.15', sellavgprice: '0.00' },
        ],
        table,
      ),
    ).toEqual([{ instrument: 'NSE:INFY', netQuantity: 10, averagePricePaise: 157315 }]);
    expect(mapAngelPositions(null, table)).toEqual([]);
  });

  it('reads LTP and IST times', () => {
    expect(mapAngelLtp({ ltp: 1600.2 })).toBe(160020);
    expect(mapAngelLtp({ ltp: '800.15' })).toBe(80015);
    expect(parseAngelTime('01-Jan-2026 00:00:00')).toBe(Date.UTC(2025, 11, 31, 18, 30, 0));
    expect(parseAngelTime('')).toBeNull();
  });
});
