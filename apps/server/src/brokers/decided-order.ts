import type { OrderIntent, PlaceResult } from '../domain/order';
import type { PreparedOrder } from '../ports/broker';

/** An order whose outcome is known before anything is sent (refused while being built): sending it sends nothing. */
export function decidedOrder(intent: OrderIntent, result: PlaceResult): PreparedOrder {
  return { intent, send: () => Promise.resolve(result) };
}
