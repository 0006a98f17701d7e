import type { OrderStatus } from '../../domain/order';

/**
 * Kite's order statuses to ours. Only COMPLETE, CANCELLED and REJECTED are final; every transient
 * state (PUT ORDER REQ RECEIVED, VALIDATION PENDING, OPEN PENDING, TRIGGER PENDING, MODIFY…, UPDATE…)
 * means the order may still fill.
 */
export function kiteOrderStatus(status: string): OrderStatus {
  switch (status.toUpperCase()) {
    case 'COMPLETE':
      return 'FILLED';
    case 'CANCELLED':
    case 'CANCELLED AMO':
      return 'CANCELLED';
    case 'REJECTED':
      return 'REJECTED';
    default:
      return 'PENDING';
  }
}
