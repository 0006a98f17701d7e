import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../adapters/local/in-process-bus';
import { LivePriceSubscriptions } from './live-price-subscriptions';

describe('LivePriceSubscriptions', () => {
  it('follows the wanted set, collapses refreshes that arrive mid-read, and hears nothing after close', async () => {
    const bus = new InProcessBus();
    let wanted = ['price:paper|NSE:INFY', 'price:paper|NSE:SBIN'];
    let reads = 0;
    let gate: (() => void) | null = null;
    const got: unknown[] = [];
    const errors: unknown[] = [];
    const subs = new LivePriceSubscriptions(
      bus,
      async () => {
        reads += 1;
        if (gate === null && reads === 2) await new Promise<void>((r) => (gate = r));
        return wanted;
      },
      (m) => got.push(m),
      (e) => errors.push(e),
    );
    await subs.refresh();
    await bus.publish('price:paper|NSE:INFY', 'infy-1');
    await bus.publish('price:paper|NSE:TCS', 'tcs-1');
    expect(got).toEqual(['infy-1']);

    // Three refreshes while the second read is held: one more read follows it, not three.
    wanted = ['price:paper|NSE:SBIN'];
    const a = subs.refresh();
    const b = subs.refresh();
    const c = subs.refresh();
    (gate as unknown as () => void)();
    await Promise.all([a, b, c]);
    expect(reads).toBe(3);
    await bus.publish('price:paper|NSE:INFY', 'infy-2');
    await bus.publish('price:paper|NSE:SBIN', 'sbin-1');
    expect(got).toEqual(['infy-1', 'sbin-1']);

    subs.close();
    await bus.publish('price:paper|NSE:SBIN', 'sbin-2');
    expect(got).toEqual(['infy-1', 'sbin-1']);
    expect(errors).toEqual([]);
  });

  it('reports a failed read and keeps what it had', async () => {
    const bus = new InProcessBus();
    let fail = false;
    const got: unknown[] = [];
    const errors: unknown[] = [];
    const subs = new LivePriceSubscriptions(
      bus,
      async () => {
        if (fail) throw new Error('database down');
        return ['price:paper|NSE:INFY'];
      },
      (m) => got.push(m),
      (e) => errors.push(e),
    );
    await subs.refresh();
    fail = true;
    await subs.refresh();
    await bus.publish('price:paper|NSE:INFY', 'still');
    expect(got).toEqual(['still']);
    expect(errors).toHaveLength(1);
    subs.close();
  });
});
