import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from './sliding-window-limiter';

describe('SlidingWindowLimiter', () => {
  it('lets a burst up to the limit through at once, then never more than the limit in any window', async () => {
    const l = new SlidingWindowLimiter(5, 200);
    const t0 = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 12 }, () => l.take().then(() => at.push(performance.now() - t0))));
    at.sort((a, b) => a - b);
    expect(at.slice(0, 5).every((t) => t < 50)).toBe(true);
    for (let i = 5; i < at.length; i++) expect((at[i] as number) - (at[i - 5] as number)).toBeGreaterThanOrEqual(199);
  });

  it('serves callers in the order they came: one arriving while others queue goes behind them, even when a place frees up', async () => {
    let now = 0;
    const l = new SlidingWindowLimiter(2, 100, () => now, 0);
    const order: string[] = [];
    const take = (name: string): Promise<void> => l.take().then(() => void order.push(name));
    const first = [take('a'), take('b')];
    await Promise.all(first);
    const queued = [take('c'), take('d')];
    // The window is full: c and d wait. Time passes far enough for a place to be free, then e comes.
    now = 150;
    const late = take('e');
    await Promise.all(queued);
    // c and d took the two places; e waits for the window to move on.
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    now = 300;
    await late;
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
