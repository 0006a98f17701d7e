import { describe, expect, it } from 'vitest';
import { clientOrderId, CLIENT_ORDER_ID_LENGTH } from './client-order-id';

describe('clientOrderId', () => {
  const run = '3f0c1b9e-6a5d-4c1e-9f0a-2b7c8d9e0f11';

  it('is deterministic for (run, leg, attempt) and differs across them', () => {
    expect(clientOrderId(run, 'ENTRY', 1)).toBe(clientOrderId(run, 'ENTRY', 1));
    const all = new Set([clientOrderId(run, 'ENTRY', 1), clientOrderId(run, 'ENTRY', 2), clientOrderId(run, 'EXIT', 1), clientOrderId(`${run}x`, 'ENTRY', 1)]);
    expect(all.size).toBe(4);
  });

  it("fits every broker's tag rules: 19 upper-case alphanumerics", () => {
    for (const attempt of [1, 35, 36, 1295]) {
      const id = clientOrderId(run, 'EXIT', attempt);
      expect(id).toHaveLength(CLIENT_ORDER_ID_LENGTH);
      expect(id).toMatch(/^[A-Z0-9]{19}$/);
    }
    expect(() => clientOrderId(run, 'ENTRY', 0)).toThrow(RangeError);
  });

  it('does not collide across many runs', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50_000; i++) seen.add(clientOrderId(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 'ENTRY', 1));
    expect(seen.size).toBe(50_000);
  });
});
