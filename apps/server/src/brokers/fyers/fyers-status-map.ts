import type { OrderStatus } from '../../domain/order';

/**
 * Fyers numeric order statuses (brokers.md §3.4): 1 cancelled, 2 traded, 3 unused, 4 transit,
 * 5 rejected, 6 pending, 7 expired. A partial fill has no status of its own: it is 6 (or 1/7 once
 * the rest is gone) with `filledQty > 0`, which the domain expresses the same way.
 */
export function fyersOrderStatus(code: number): OrderStatus {
  switch (code) {
    case 2:
      return 'FILLED';
    case 1:
    case 7:
      // An expired DAY order is over with whatever it filled, exactly like a cancellation.
      return 'CANCELLED';
    case 5:
      return 'REJECTED';
    default:
      // 4 (transit), 6 (pending) and anything unknown are still live: never call an unknown state final.
      return 'PENDING';
  }
}
