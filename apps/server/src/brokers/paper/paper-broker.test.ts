import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimMarket } from '@ats/market-sim';
import { VirtualClock } from '../../adapters/clock/virtual-clock';
import type { InstrumentId } from '../../domain/instrument';
import type { OrderIntent, PlaceResult } from '../../domain/order';
import type { Broker } from '../../ports/broker';
import { createPaperConnector } from './paper-broker';

const START = Date.UTC(2026, 0, 5, 4, 0, 0); // 09:30 IST on a Monday

let seq = 0;
function intent(side: 'BUY' | 'SELL', quantity = 3, instrument: InstrumentId = 'NSE:INFY'): OrderIntent {
  seq += 1;
  return { clientOrderId: `P${seq}`, runId: `r${seq}`, leg: side === 'BUY' ? 'ENTRY' : 'EXIT', attempt: 1, side, instrument, quantity, reason: 'paper test' };
}

describe('Paper broker with latency and slippage', () => {
  let clock: VirtualClock;
  let market: SimMarket;
  let connector: ReturnType<typeof createPaperConnector>;
  let broker: Broker;

  beforeEach(async () => {
    clock = new VirtualClock(START);
    market = new SimMarket({ seed: 7, now: () => clock.now() });
    market.walkEnabled = false;
    connector = createPaperConnector({ market, clock, latencyMs: 50, slippageBps: 10 });
    broker = connector.open({}, await connector.login({}));
  });
  afterEach(() => connector.stop());

  /** Place an order and let the virtual clock run through the latency. */
  async function placeAndWait(i: OrderIntent): Promise<PlaceResult> {
    const p = broker.placeOrder(i);
    await clock.advance(50);
    return p;
  }

  it('fills a BUY above and a SELL below the market by the slippage (10 bp of ₹2000.00 = ₹2.00)', async () => {
    market.setPrice('NSE:INFY', 200_000);
    const buy = intent('BUY');
    expect(await placeAndWait(buy)).toMatchObject({ kind: 'ACCEPTED' });
    expect(await broker.findOrder({ tag: buy.clientOrderId })).toMatchObject({ status: 'FILLED', filledQuantity: 3, averagePricePaise: 200_200 });

    const sell = intent('SELL');
    expect(await placeAndWait(sell)).toMatchObject({ kind: 'ACCEPTED' });
    expect(await broker.findOrder({ tag: sell.clientOrderId })).toMatchObject({ status: 'FILLED', filledQuantity: 3, averagePricePaise: 199_800 });
  });

  it('keeps a slipped price on the instrument tick', async () => {
    // 10 bp of ₹1573.15 is 157.3 paise: BUY 157472 and SELL 157158 round to the 5-paise tick.
    market.setPrice('NSE:INFY', 157_315);
    const buy = intent('BUY');
    await placeAndWait(buy);
    const sell = intent('SELL');
    await placeAndWait(sell);
    expect((await broker.findOrder({ tag: buy.clientOrderId }))?.averagePricePaise).toBe(157_470);
    expect((await broker.findOrder({ tag: sell.clientOrderId }))?.averagePricePaise).toBe(157_160);
  });

  it('waits the latency before the order reaches the market, and fills at the price then', async () => {
    market.setPrice('NSE:INFY', 200_000);
    const buy = intent('BUY');
    let settled = false;
    const placed = broker.placeOrder(buy).then((r) => {
      settled = true;
      return r;
    });

    await clock.advance(49);
    expect(settled).toBe(false);
    expect(await broker.findOrder({ tag: buy.clientOrderId })).toBeNull();

    // The market moves while the order is on its way: a MARKET order takes the price on arrival.
    market.setPrice('NSE:INFY', 205_000);
    await clock.advance(1);
    expect(settled).toBe(true);
    expect(await placed).toMatchObject({ kind: 'ACCEPTED' });
    const o = await broker.findOrder({ tag: buy.clientOrderId });
    expect(o).toMatchObject({ status: 'FILLED', averagePricePaise: 205_205, updatedAt: START + 50 });
    expect(await broker.positions()).toEqual([{ instrument: 'NSE:INFY', netQuantity: 3, averagePricePaise: 205_205 }]);
  });
});
