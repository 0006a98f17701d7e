import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StopLossBook } from './stop-loss-book';

describe('StopLossBook', () => {
  it('takes exactly the positions whose stop is at or above the tick', () => {
    const b = new StopLossBook();
    b.upsert('a', 100);
    b.upsert('b', 150);
    b.upsert('c', 120);
    b.upsert('d', 150);
    expect(b.takeCrossed(151)).toEqual([]);
    expect(b.takeCrossed(150).sort()).toEqual(['b', 'd']);
    expect(b.size).toBe(2);
    expect(b.takeCrossed(90).sort()).toEqual(['a', 'c']);
    expect(b.size).toBe(0);
    expect(b.highestStop).toBe(-Infinity);
  });

  it('moves an entry when its stop is edited, and removes entries', () => {
    const b = new StopLossBook();
    b.upsert('a', 100);
    b.upsert('a', 200);
    expect(b.size).toBe(1);
    expect(b.takeCrossed(150)).toEqual(['a']);
    b.upsert('x', 50);
    expect(b.remove('x')).toBe(true);
    expect(b.remove('x')).toBe(false);
    expect(b.takeCrossed(1)).toEqual([]);
  });

  it('agrees with a naive model under random operations', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('up' as const), id: fc.integer({ min: 0, max: 20 }), stop: fc.integer({ min: 1, max: 50 }) }),
            fc.record({ op: fc.constant('rm' as const), id: fc.integer({ min: 0, max: 20 }) }),
            fc.record({ op: fc.constant('tick' as const), price: fc.integer({ min: 1, max: 50 }) }),
          ),
          { maxLength: 200 },
        ),
        (ops) => {
          const b = new StopLossBook();
          const model = new Map<string, number>();
          for (const o of ops) {
            if (o.op === 'up') {
              b.upsert(String(o.id), o.stop);
              model.set(String(o.id), o.stop);
            } else if (o.op === 'rm') {
              expect(b.remove(String(o.id))).toBe(model.delete(String(o.id)));
            } else {
              const expected = [...model].filter(([, s]) => s >= o.price).map(([id]) => id).sort();
              for (const id of expected) model.delete(id);
              expect(b.takeCrossed(o.price).sort()).toEqual(expected);
            }
            expect(b.size).toBe(model.size);
          }
        },
      ),
    );
  });
});
