import type { SimMarket } from '@ats/market-sim';
import type { Faults } from './faults';

export type SimSide = 'BUY' | 'SELL';
export type SimOrderStatus = 'OPEN' | 'COMPLETE' | 'CANCELLED' | 'REJECTED';

/** A broker-neutral order as the sim keeps it; each broker module renders it in its own dialect. */
export interface SimOrder {
  id: string;
  account: string;
  tag: string | null;
  /** `EXCHANGE:SYMBOL` */
  key: string;
  side: SimSide;
  quantity: number;
  filled: number;
  averagePaise: number;
  status: SimOrderStatus;
  message: string | null;
  product: string;
  orderType: string;
  createdAt: number;
  updatedAt: number;
}

export interface NewOrder {
  account: string;
  tag: string | null;
  key: string;
  side: SimSide;
  quantity: number;
  product: string;
  orderType: string;
}

/**
 * The matching side of every sim: accepts orders, fills MARKET orders at the market price (subject
 * to injected faults), cancels, and keeps intraday positions per account.
 */
export class SimExchange {
  private readonly orders: SimOrder[] = [];
  private buys = 0;
  // Lookups by account and id are what every broker API does per request; a scan of all orders
  // would make a 10,000-order burst quadratic in the sim, not in the code under test.
  private readonly byAccount = new Map<string, SimOrder[]>();
  private readonly byId = new Map<string, SimOrder>();
  private readonly listeners = new Set<(o: SimOrder) => void>();
  private seq = 0;

  constructor(
    readonly market: SimMarket,
    readonly faults: Faults,
    private readonly idPrefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Place an order. Rejections are orders too (status REJECTED), as at real brokers. */
  place(o: NewOrder): SimOrder {
    const t = this.now();
    this.seq += 1;
    const order: SimOrder = {
      id: `${this.idPrefix}${String(this.seq).padStart(8, '0')}`,
      ...o,
      filled: 0,
      averagePaise: 0,
      status: 'OPEN',
      message: null,
      createdAt: t,
      updatedAt: t,
    };
    this.orders.push(order);
    if (order.side === 'BUY') this.buys += 1;
    this.byId.set(order.id, order);
    let mine = this.byAccount.get(order.account);
    if (!mine) {
      mine = [];
      this.byAccount.set(order.account, mine);
    }
    mine.push(order);
    if (!this.market.has(o.key)) {
      this.finish(order, 'REJECTED', 'Invalid instrument');
    } else if (this.faults.take('rejects')) {
      this.finish(order, 'REJECTED', this.faults.spec.rejectMessage);
    } else if (o.orderType === 'MARKET') {
      const partial = this.faults.take('partialFills');
      const qty = partial ? Math.max(1, Math.floor(o.quantity * this.faults.spec.partialFillRatio)) : o.quantity;
      const delay = this.faults.spec.fillDelayMs;
      if (delay > 0 && !partial) setTimeout(() => this.fill(order, qty), delay).unref();
      else this.fill(order, qty);
    }
    return order;
  }

  /** Fill (more of) an open order at the current price. */
  fill(order: SimOrder, qty: number): void {
    if (order.status !== 'OPEN') return;
    const q = Math.min(qty, order.quantity - order.filled);
    const px = this.market.price(order.key);
    order.averagePaise = Math.round((order.averagePaise * order.filled + px * q) / (order.filled + q));
    order.filled += q;
    this.market.addVolume(order.key, q);
    if (order.filled >= order.quantity) this.finish(order, 'COMPLETE', null);
    else this.touch(order);
  }

  cancel(account: string, id: string): SimOrder | 'not_found' | 'not_open' {
    const o = this.get(account, id);
    if (!o) return 'not_found';
    if (o.status !== 'OPEN') return 'not_open';
    this.finish(o, 'CANCELLED', 'Cancelled by user');
    return o;
  }

  get(account: string, id: string): SimOrder | undefined {
    const o = this.byId.get(id);
    return o && o.account === account ? o : undefined;
  }

  /** Any account's order by id (the control API). */
  find(id: string): SimOrder | undefined {
    return this.byId.get(id);
  }

  byTag(account: string, tag: string): SimOrder[] {
    return (this.byAccount.get(account) ?? []).filter((x) => x.tag === tag);
  }

  /** How many orders of each side were ever placed (cheap to poll, unlike the list). */
  sideCounts(): { buys: number; sells: number } {
    return { buys: this.buys, sells: this.orders.length - this.buys };
  }

  list(account?: string): SimOrder[] {
    return account === undefined ? [...this.orders] : [...(this.byAccount.get(account) ?? [])];
  }

  /** Net intraday position per instrument for one account, from its fills. */
  positions(account: string): Array<{ key: string; product: string; buyQty: number; sellQty: number; buyValue: number; sellValue: number; net: number }> {
    const by = new Map<string, { key: string; product: string; buyQty: number; sellQty: number; buyValue: number; sellValue: number; net: number }>();
    for (const o of this.byAccount.get(account) ?? []) {
      if (o.filled === 0) continue;
      const k = `${o.key}|${o.product}`;
      const p = by.get(k) ?? { key: o.key, product: o.product, buyQty: 0, sellQty: 0, buyValue: 0, sellValue: 0, net: 0 };
      if (o.side === 'BUY') {
        p.buyQty += o.filled;
        p.buyValue += o.filled * o.averagePaise;
      } else {
        p.sellQty += o.filled;
        p.sellValue += o.filled * o.averagePaise;
      }
      p.net = p.buyQty - p.sellQty;
      by.set(k, p);
    }
    return [...by.values()];
  }

  onUpdate(fn: (o: SimOrder) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  reset(): void {
    this.orders.length = 0;
    this.buys = 0;
    this.byAccount.clear();
    this.byId.clear();
  }

  private finish(o: SimOrder, status: SimOrderStatus, message: string | null): void {
    o.status = status;
    o.message = message;
    this.touch(o);
  }

  private touch(o: SimOrder): void {
    o.updatedAt = this.now();
    for (const l of this.listeners) l(o);
  }
}
