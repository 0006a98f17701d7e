import { describe, expect, it } from 'vitest';
import { mapDhanOrderStatus } from './dhan-status-map';

describe('mapDhanOrderStatus', () => {
  it.each([
    ['TRANSIT', 'PENDING'],
    ['PENDING', 'PENDING'],
    ['PART_TRADED', 'PENDING'],
    ['TRADED', 'FILLED'],
    ['CANCELLED', 'CANCELLED'],
    ['EXPIRED', 'CANCELLED'],
    ['REJECTED', 'REJECTED'],
    ['TRIGGERED', 'PENDING'],
    ['SOMETHING_NEW', 'PENDING'],
  ])('%s → %s', (dhan, ours) => {
    expect(mapDhanOrderStatus(dhan)).toBe(ours);
  });
});
