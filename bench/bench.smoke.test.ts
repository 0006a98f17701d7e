import { describe, expect, it } from 'vitest';
import { engineMemory } from './engine-memory';
import { loopbackFloor } from './loopback-floor';
import type { BenchOutcome } from './result-rows';
import { schedulerBurst, schedulerSingle } from './scheduler-lateness';
import { stoplossTickToOrder } from './stoploss-tick-to-order';

/**
 * Each benchmark at a tiny size, end to end (sim process, PostgreSQL, Redis), asserting only that
 * it produces well-formed rows. Timing is judged by `npm run bench`, never by unit tests.
 */
function wellFormed(name: string, o: BenchOutcome): void {
  expect(o.rows.length).toBeGreaterThan(0);
  for (const r of o.rows) {
    expect(r).toEqual({ name, metric: expect.any(String), value: expect.any(Number), unit: expect.any(String), n: expect.any(Number), machine: expect.any(String), date: expect.any(String) });
    expect(Number.isFinite(r.value), `${r.metric} = ${r.value}`).toBe(true);
  }
}

describe('benchmarks (smoke)', () => {
  it('scheduler.single', async () => wellFormed('scheduler.single', await schedulerSingle({ runs: 3, gapMs: 200 })), 60_000);
  it('scheduler.burst_10k', async () => {
    // Two rounds: the figures of both are pooled (every order of every round counted once).
    const o = await schedulerBurst({ users: 4, perUser: 2, rounds: 2 });
    wellFormed('scheduler.burst_10k', o);
    const row = (metric: string) => o.rows.find((r) => r.metric === metric)?.value;
    expect(row('arrived')).toBe(16);
    expect(o.rows.find((r) => r.metric === 'lateness_p50')?.n).toBe(16);
  }, 90_000);
  it('stoploss.tick_to_order', async () =>
    wellFormed('stoploss.tick_to_order', await stoplossTickToOrder({ users: 4, perUser: 2, tickRate: 500, crossings: 3, micro: { positions: 100, instruments: 10, ticksPerRep: 2_000, reps: 2 } })), 60_000);
  it('engine.memory', async () => wellFormed('engine.memory', await engineMemory({ users: 4, perUser: 2 })), 60_000);
  it('loopback.floor_10k', async () => wellFormed('loopback.floor_10k', await loopbackFloor({ orders: 20, rounds: 2 })), 60_000);
});
