import type { InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderStatus, Side } from '../../domain/order';
import { paise } from '../../domain/price';

/** Paper orders of every paper account in this process, by account. */
export class PaperLedger {
  private readonly orders = new Map<string, BrokerOrder[]>();
  private seq = 0;

  add(account: string, o: { tag: string; instrument: InstrumentId; side: Side; quantity: number }, now: number): BrokerOrder {
    this.seq += 1;
    const order: BrokerOrder = {
      brokerOrderId: `PAPER${String(now).slice(-6)}${String(this.seq).padStart(6, '0')}`,
      tag: o.tag,
      instrument: o.instrument,
      side: o.side,
      quantity: o.quantity,
      filledQuantity: 0,
      averagePricePaise: null,
      status: 'PENDING',
      message: null,
      updatedAt: now,
    };
    const list = this.orders.get(account) ?? [];
    list.push(order);
    this.orders.set(account, list);
    return order;
  }

  fill(order: BrokerOrder, pricePaise: number, now: number): void {
    order.filledQuantity = order.quantity;
    order.averagePricePaise = paise(pricePaise);
    this.finish(order, 'FILLED', null, now);
  }

  finish(order: BrokerOrder, status: OrderStatus, message: string | null, now: number): void {
    order.status = status;
    order.message = message;
    order.updatedAt = now;
  }

  list(account: string): BrokerOrder[] {
    return this.orders.get(account) ?? [];
  }
}
