import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../adapters/clock/virtual-clock';
import { DueScheduler } from './due-scheduler';

describe('DueScheduler', () => {
  it('fires each key once at its time, reschedules and cancels', async () => {
    const clock = new VirtualClock(1_000);
    const s = new DueScheduler(clock);
    const fired: string[] = [];
    s.schedule('a', 2_000, () => fired.push('a'));
    s.schedule('b', 3_000, () => fired.push('b'));
    s.schedule('c', 2_000, () => fired.push('c'));
    s.schedule('b', 2_500, () => fired.push('b2'));
    s.cancel('c');
    await clock.advance(1_000);
    expect(fired).toEqual(['a']);
    await clock.advance(5_000);
    expect(fired).toEqual(['a', 'b2']);
    expect(s.pending()).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('a job that throws is reported and skips none of the others due with it', async () => {
    const clock = new VirtualClock(0);
    const failed: string[] = [];
    const s = new DueScheduler(clock, Math.random, (key, e) => failed.push(`${key}: ${(e as Error).message}`));
    const ran: string[] = [];
    for (let i = 0; i < 600; i++) {
      const key = `k${i}`;
      s.schedule(key, 100, () => {
        if (i % 100 === 7) throw new Error('boom');
        ran.push(key);
      });
    }
    await clock.advance(100);
    await s.idle();
    expect(ran).toHaveLength(594);
    expect(failed.sort()).toEqual(['k107', 'k207', 'k307', 'k407', 'k507', 'k7'].map((k) => `${k}: boom`).sort());
  });

  it('dispatches a same-instant batch in a shuffled order, so no key is always first', async () => {
    const firsts = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const clock = new VirtualClock(0);
      const s = new DueScheduler(clock);
      const order: string[] = [];
      for (const k of ['u1', 'u2', 'u3', 'u4', 'u5']) s.schedule(k, 100, () => order.push(k));
      await clock.advance(100);
      firsts.add(order[0] as string);
      expect([...order].sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    }
    // 30 rounds of 5: with a fair shuffle every key is first at some point (p of missing one ≈ 0.5%).
    expect(firsts.size).toBeGreaterThanOrEqual(4);
  });

  it('dispatches a large batch a slice per turn of the event loop, and idle() waits for the last slice', async () => {
    const clock = new VirtualClock(0);
    const s = new DueScheduler(clock);
    const fired: number[] = [];
    let afterFirstTurn = -1;
    let idleAt = -1;
    for (let i = 0; i < 1_000; i++)
      s.schedule(`k${i}`, 100, () => {
        if (fired.length === 0) {
          // Queued during the first slice: runs before the next slice gets its turn.
          setImmediate(() => (afterFirstTurn = fired.length));
          void s.idle().then(() => (idleAt = fired.length));
        }
        fired.push(i);
      });
    await s.idle(); // nothing due yet: idle at once
    expect(fired).toEqual([]);
    await clock.advance(100);
    await s.idle();
    expect(afterFirstTurn).toBe(250);
    expect(idleAt).toBe(1_000);
    expect(new Set(fired).size).toBe(1_000);
  });
});
