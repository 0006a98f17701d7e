import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OrderIntent } from '../../domain/order';
import { findByTag, kiteOrderForm, kiteTimestampMs, toBrokerOrder, toPositions, type KiteOrder, type KitePosition } from './zerodha-orders';
import { kiteOrderStatus } from './zerodha-status-map';

const FIXTURES = fileURLToPath(new URL('../../../../../../shared/fixtures/kite', import.meta.url));
const data = <T>(name: string): T => (JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')) as { data: T }).data;

describe('kiteOrderForm', () => {
  it('sends a MIS MARKET order with automatic market protection and our tag', () => {
    const intent: OrderIntent = { clientOrderId: 'Tabc123', runId: 'r', leg: 'ENTRY', attempt: 1, side: 'SELL', instrument: 'BSE:INFY', quantity: 12, reason: 'x' };
    expect(kiteOrderForm(intent)).toEqual({
      exchange: 'BSE',
      tradingsymbol: 'INFY',
      transaction_type: 'SELL',
      order_type: 'MARKET',
      quantity: '12',
      product: 'MIS',
      validity: 'DAY',
      market_protection: '-1',
      tag: 'Tabc123',
    });
  });
});

describe('toBrokerOrder on the orders.json mock', () => {
  const orders = data<KiteOrder[]>('orders.json');

  it('maps a completed NSE order to rupees-free domain fields', () => {
    const o = toBrokerOrder(orders[1] as KiteOrder);
    expect(o).toMatchObject({ instrument: 'NSE:IOC', status: 'FILLED', side: 'BUY' });
    expect(o?.averagePricePaise).toBe(10940);
    expect(o?.updatedAt).toBe(kiteTimestampMs((orders[1] as KiteOrder).exchange_update_timestamp));
  });

  it("keeps the broker's rejection message", () => {
    const rejected = orders.find((o) => o.status === 'REJECTED') as KiteOrder;
    expect(toBrokerOrder(rejected)).toMatchObject({ status: 'REJECTED', tag: 'icebergord', filledQuantity: 0, averagePricePaise: null, message: expect.stringContaining('Insufficient funds') });
  });

  it('skips segments we do not trade (CDS, MCX, NFO)', () => {
    expect(toBrokerOrder(orders[0] as KiteOrder)).toBeNull();
  });

  it('finds orders by tag, also in the tags list', () => {
    expect(findByTag(orders, 'XXXXX')?.tag).toBe('connect test order2');
    expect(findByTag(orders, 'nope')).toBeNull();
  });
});

describe('kiteTimestampMs', () => {
  it('reads Kite timestamps as IST', () => {
    expect(kiteTimestampMs('2021-05-31 09:18:57')).toBe(Date.parse('2021-05-31T03:48:57Z'));
    expect(kiteTimestampMs(null)).toBeNull();
  });
});

describe('kiteOrderStatus', () => {
  it.each([
    ['COMPLETE', 'FILLED'],
    ['CANCELLED', 'CANCELLED'],
    ['REJECTED', 'REJECTED'],
    ['OPEN', 'PENDING'],
    ['TRIGGER PENDING', 'PENDING'],
    ['PUT ORDER REQ RECEIVED', 'PENDING'],
    ['VALIDATION PENDING', 'PENDING'],
    ['MODIFY PENDING', 'PENDING'],
    ['UPDATE', 'PENDING'],
  ])('%s → %s', (kite, ours) => {
    expect(kiteOrderStatus(kite)).toBe(ours);
  });
});

describe('toPositions on the positions.json mock', () => {
  it('keeps NSE/BSE rows, nets quantities and reports flat ones without a price', () => {
    const p = data<{ net: KitePosition[] }>('positions.json');
    expect(toPositions(p.net)).toEqual([{ instrument: 'NSE:SBIN', netQuantity: 0, averagePricePaise: null }]);
    expect(
      toPositions([
        { exchange: 'NSE', tradingsymbol: 'INFY', product: 'MIS', quantity: 5, average_price: 1573.15 },
        { exchange: 'NSE', tradingsymbol: 'INFY', product: 'CNC', quantity: -2, average_price: 1570 },
      ]),
    ).toEqual([{ instrument: 'NSE:INFY', netQuantity: 3, averagePricePaise: 157000 }]);
  });
});
