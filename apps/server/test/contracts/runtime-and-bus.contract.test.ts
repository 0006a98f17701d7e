import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { InProcessRuntimeState } from '../../src/adapters/local/in-process-runtime-state';
import { InProcessBus } from '../../src/adapters/local/in-process-bus';
import { RedisRuntimeState } from '../../src/adapters/redis/redis-runtime-state';
import { RedisBus } from '../../src/adapters/redis/redis-bus';
import type { Bus } from '../../src/ports/bus';
import type { RuntimeState } from '../../src/ports/runtime-state';
import { TEST_REDIS_URL, uniqueName } from '../support/test-env';

/** ONE RuntimeState contract and ONE Bus contract, run against in-process and (when configured, always in CI) Redis. */
const adapters: Array<{ name: string; make: () => { state: RuntimeState; bus: Bus } }> = [
  { name: 'in-process', make: () => ({ state: new InProcessRuntimeState(), bus: new InProcessBus() }) },
];
if (TEST_REDIS_URL) {
  const url = TEST_REDIS_URL;
  adapters.push({
    name: 'Redis',
    make: () => {
      const prefix = `${uniqueName('rt')}:`;
      return { state: new RedisRuntimeState(new Redis(url), prefix), bus: new RedisBus(new Redis(url), new Redis(url), `${prefix}bus:`) };
    },
  });
}

async function eventually(fn: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(adapters)('RuntimeState + Bus contract: $name', ({ make }) => {
  let state: RuntimeState;
  let bus: Bus;
  beforeAll(() => {
    ({ state, bus } = make());
  });
  afterAll(async () => {
    await state.close();
    await bus.close();
  });

  it('merges run fields and deletes them', async () => {
    await state.setRun('r1', { phase: 'WAITING_BUY', qty: '5' });
    await state.setRun('r1', { phase: 'BOUGHT' });
    expect(await state.getRun('r1')).toEqual({ phase: 'BOUGHT', qty: '5' });
    await state.deleteRun('r1');
    expect(await state.getRun('r1')).toBeNull();
  });

  it('keeps the last price per instrument', async () => {
    expect(await state.getLastPrice('NSE:INFY')).toBeNull();
    await state.setLastPrice('NSE:INFY', 157315, 1000);
    await state.setLastPrice('NSE:INFY', 157320, 2000);
    expect(await state.getLastPrice('NSE:INFY')).toEqual({ paise: 157320, ts: 2000 });
  });

  it('lets exactly one owner claim a key until it is released', async () => {
    const results = await Promise.all(['a', 'b', 'c'].map((o) => state.claim('k1', o, 10_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ['a', 'b', 'c'][results.indexOf(true)] as string;
    expect(await state.claim('k1', winner, 10_000)).toBe(true);
    await state.release('k1', 'someone-else');
    expect(await state.claim('k1', 'z', 10_000)).toBe(false);
    await state.release('k1', winner);
    expect(await state.claim('k1', 'z', 10_000)).toBe(true);
  });

  it('claims many keys at once with the same rule, one answer per key', async () => {
    expect(await state.claimMany([], 'a', 10_000)).toEqual([]);
    expect(await state.claim('m2', 'b', 10_000)).toBe(true);
    expect(await state.claimMany(['m1', 'm2', 'm3'], 'a', 10_000)).toEqual([true, false, true]);
    // Renewal by the holder, refusal for anyone else, and the key is free again once released.
    expect(await state.claimMany(['m1', 'm3'], 'a', 10_000)).toEqual([true, true]);
    expect(await state.claim('m1', 'b', 10_000)).toBe(false);
    await state.release('m2', 'b');
    expect(await state.claimMany(['m2'], 'a', 10_000)).toEqual([true]);
  });

  it('counts hits in a window and peeks without counting', async () => {
    expect((await state.peek('w')).count).toBe(0);
    await state.hit('w', 60_000);
    const h = await state.hit('w', 60_000);
    expect(h.count).toBe(2);
    expect(h.resetInMs).toBeGreaterThan(0);
    expect((await state.peek('w')).count).toBe(2);
    await state.reset('w');
    expect((await state.peek('w')).count).toBe(0);
  });

  it('delivers published messages to every subscriber of the topic, and only them', async () => {
    const a: unknown[] = [];
    const b: unknown[] = [];
    const other: unknown[] = [];
    const ua = await bus.subscribe('user:1', (m) => a.push(m));
    await bus.subscribe('user:1', (m) => b.push(m));
    await bus.subscribe('user:2', (m) => other.push(m));
    await bus.publish('user:1', { type: 'phase', phase: 'BOUGHT' });
    await eventually(() => a.length === 1 && b.length === 1);
    expect(a[0]).toEqual({ type: 'phase', phase: 'BOUGHT' });
    expect(other).toEqual([]);
    ua();
    await bus.publish('user:1', { n: 2 });
    await eventually(() => b.length === 2);
    expect(a).toHaveLength(1);
  });
});
