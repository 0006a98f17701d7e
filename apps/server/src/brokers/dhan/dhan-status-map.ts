import type { OrderStatus } from '../../domain/order';

/**
 * Dhan orderStatus → ours. TRANSIT (not yet at the exchange) and PART_TRADED are still working;
 * EXPIRED (IOC/DAY lapsed) is a cancellation by the exchange. Unknown values stay PENDING, so a new
 * Dhan status never makes us think an order is finished.
 */
export function mapDhanOrderStatus(s: string): OrderStatus {
  switch (s.toUpperCase()) {
    case 'TRADED':
      return 'FILLED';
    case 'CANCELLED':
    case 'EXPIRED':
      return 'CANCELLED';
    case 'REJECTED':
      return 'REJECTED';
    default:
      return 'PENDING';
  }
}
