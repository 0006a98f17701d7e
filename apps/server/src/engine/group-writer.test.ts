import { describe, expect, it } from 'vitest';
import { GroupWriter } from './group-writer';

describe('GroupWriter', () => {
  it('writes what arrives while a write is in flight as one batch, and answers each item', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const w = new GroupWriter<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => `ok ${i}`);
    });
    const first = w.add(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4, 5].map((i) => w.add(i));
    release();
    expect(await Promise.all([first, ...rest])).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5']);
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it('caps a batch, and when a group write fails tries its items alone so only the bad one fails', async () => {
    const batches: number[][] = [];
    const w = new GroupWriter<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(3)) throw new Error('boom');
      return items;
    }, 2);
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => w.add(i)));
    expect(batches).toEqual([[1, 2], [3, 4], [3], [4], [5]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });
});
