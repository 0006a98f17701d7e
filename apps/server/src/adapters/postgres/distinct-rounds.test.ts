import { describe, expect, it } from 'vitest';
import { distinctRounds } from './distinct-rounds';

describe('distinctRounds', () => {
  it('puts the n-th occurrence of a key in round n, keeping list order and indexes', () => {
    const rounds = distinctRounds(['a1', 'b1', 'a2', 'c1', 'a3', 'b2'], (s) => s[0] as string);
    expect(rounds.map((r) => r.map((x) => `${x.item}@${x.index}`))).toEqual([['a1@0', 'b1@1', 'c1@3'], ['a2@2', 'b2@5'], ['a3@4']]);
    expect(distinctRounds([], (s: string) => s)).toEqual([]);
  });
});
