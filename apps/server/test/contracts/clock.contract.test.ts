import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock';
import { VirtualClock } from '../../src/adapters/clock/virtual-clock';
import type { Clock } from '../../src/ports/clock';

/**
 * ONE Clock contract for both adapters: the system clock the engine runs on, and the virtual clock
 * every time-based test runs on. `pass(ms)` lets time go by in each one's own way.
 */
const clocks: Array<{ name: string; make: () => { clock: Clock; pass: (ms: number) => Promise<void> } }> = [
  {
    name: 'SystemClock',
    make: () => ({ clock: new SystemClock(), pass: (ms) => new Promise((r) => setTimeout(r, ms + 15)) }),
  },
  {
    name: 'VirtualClock',
    make: () => {
      const clock = new VirtualClock(Date.UTC(2026, 10, 25, 4, 0, 0));
      return { clock, pass: (ms) => clock.advance(ms) };
    },
  },
];

describe.each(clocks)('Clock contract: $name', ({ make }) => {
  it('fires at (never before) the requested time, in time order', async () => {
    const { clock, pass } = make();
    const t0 = clock.now();
    const fired: Array<[string, number]> = [];
    clock.at(t0 + 200, () => fired.push(['b', clock.now()]));
    clock.at(t0 + 100, () => fired.push(['a', clock.now()]));
    await pass(40);
    expect(fired).toEqual([]);
    await pass(200);
    expect(fired.map(([k]) => k)).toEqual(['a', 'b']);
    expect(fired[0]![1]).toBeGreaterThanOrEqual(t0 + 100);
    expect(fired[1]![1]).toBeGreaterThanOrEqual(t0 + 200);
  });

  it('runs a past time at once and never runs a cancelled one', async () => {
    const { clock, pass } = make();
    const fired: string[] = [];
    clock.at(clock.now() - 1000, () => fired.push('late'));
    const cancel = clock.at(clock.now() + 10, () => fired.push('cancelled'));
    cancel();
    await pass(40);
    expect(fired).toEqual(['late']);
  });

  it('sleeps on its own time', async () => {
    const { clock, pass } = make();
    const t0 = clock.now();
    let woke = 0;
    void clock.sleep(25).then(() => (woke = clock.now()));
    await pass(50);
    expect(woke).toBeGreaterThanOrEqual(t0 + 25);
  });
});
