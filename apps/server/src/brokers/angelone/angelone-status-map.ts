import type { OrderStatus } from '../../domain/order';

/**
 * Angel's lowercase order statuses to ours. Anything not terminal is PENDING: an unknown transient
 * ("validation pending", "put order req received"...) must never look filled or dead.
 */
export function angelOrderStatus(status: string): OrderStatus {
  const s = status.trim().toLowerCase();
  if (s === 'complete') return 'FILLED';
  if (s === 'rejected') return 'REJECTED';
  if (s === 'cancelled' || s === 'cancelled after market order') return 'CANCELLED';
  return 'PENDING';
}
