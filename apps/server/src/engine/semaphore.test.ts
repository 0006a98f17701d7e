import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('lets `size` holders in, queues the rest in order, and counts a repeated release once', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    const a = await s.acquire();
    const b = await s.acquire();
    const waiting = [3, 4].map((n) => s.acquire().then((release) => (order.push(n), release)));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot changes nothing
    const c = await waiting[0];
    expect(order).toEqual([3]);
    expect(s.inUse).toBe(2);
    b();
    const d = await waiting[1];
    expect(order).toEqual([3, 4]);
    c?.();
    d?.();
    expect(s.inUse).toBe(0);
  });

  it('lets a promoted waiter in at once, over the limit, and restores the limit as holders leave', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire('a');
    const order: string[] = [];
    const waiting = ['b', 'c', 'd'].map((k) => s.acquire(k).then((release) => (order.push(k), release)));
    await new Promise((r) => setImmediate(r));
    expect(s.queued).toBe(3);
    expect(s.promote('d')).toBe(true);
    expect(s.promote('zz')).toBe(false);
    const d = await waiting[2];
    expect(order).toEqual(['d']);
    expect(s.inUse).toBe(2);
    expect(s.promote('d')).toBe(false); // already in
    first(); // over the limit: this slot closes, nobody else is let in
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['d']);
    expect(s.inUse).toBe(1);
    d?.();
    (await waiting[0])?.();
    (await waiting[1])?.();
    expect(order).toEqual(['d', 'b', 'c']);
    expect(s.inUse).toBe(0);
  });

  it('beyond twice its size, puts promoted waiters at the front of the queue instead of letting them in', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire('a');
    const order: string[] = [];
    const waiting = ['b', 'c', 'd', 'e'].map((k) => s.acquire(k).then((release) => (order.push(k), release)));
    await new Promise((r) => setImmediate(r));
    expect(s.promote('e')).toBe(true); // in at once: 2 holders now
    expect(s.promote('d')).toBe(true); // the limit's double is reached: first in line instead
    expect(s.promote('d')).toBe(false);
    const e = await waiting[3];
    expect(order).toEqual(['e']);
    expect(s.inUse).toBe(2);
    expect(s.queued).toBe(3);
    first(); // closes (over the limit)
    e?.(); // passes on to the front of the queue: d
    const d = await waiting[2];
    expect(order).toEqual(['e', 'd']);
    d?.();
    (await waiting[0])?.();
    (await waiting[1])?.();
    expect(order).toEqual(['e', 'd', 'b', 'c']);
    expect(s.inUse).toBe(0);
    expect(s.queued).toBe(0);
  });
});
