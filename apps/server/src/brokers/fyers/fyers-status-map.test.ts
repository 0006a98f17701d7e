import { describe, expect, it } from 'vitest';
import { fyersOrderStatus } from './fyers-status-map';

describe('fyersOrderStatus', () => {
  it.each([
    [1, 'CANCELLED'],
    [2, 'FILLED'],
    [4, 'PENDING'],
    [5, 'REJECTED'],
    [6, 'PENDING'],
    [7, 'CANCELLED'],
    [3, 'PENDING'],
    [99, 'PENDING'],
  ] as const)('maps %i to %s', (code, status) => {
    expect(fyersOrderStatus(code)).toBe(status);
  });
});
