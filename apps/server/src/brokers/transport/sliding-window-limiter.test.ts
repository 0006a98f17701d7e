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
});
