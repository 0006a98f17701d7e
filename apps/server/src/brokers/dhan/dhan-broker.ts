import type { Instrument, InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import type { Paise } from '../../domain/price';
import type { Broker, BrokerSession, OrderRef, SessionState } from '../../ports/broker';
import type { MarketFeed } from '../../ports/market-feed';
import type { HttpClient } from '../transport/http-client';
import type { SlidingWindowLimiter } from '../transport/sliding-window-limiter';
import { dhanProfileState } from './dhan-auth';
import { DhanFeed } from './dhan-feed';
import { DhanOrders } from './dhan-orders';
import type { DhanAuthHeaders } from './dhan-rest-client';
import type { DhanScripMaster } from './dhan-scrip-master';

export interface DhanBrokerDeps {
  http: HttpClient;
  apiUrl: string;
  feedUrl: string;
  master: DhanScripMaster;
  orderBucket: SlidingWindowLimiter;
  quoteBucket: SlidingWindowLimiter;
  orderTimeoutMs: number;
}

/** One connected Dhan account: speaks domain types only. */
export class DhanBroker implements Broker {
  readonly kind = 'dhan' as const;
  private readonly auth: DhanAuthHeaders;
  private readonly orders_: DhanOrders;
  private readonly feeds = new Set<MarketFeed>();

  constructor(
    private readonly d: DhanBrokerDeps,
    session: BrokerSession,
    clientId: string,
  ) {
    this.auth = { clientId, accessToken: session.accessToken };
    this.orders_ = new DhanOrders({
      http: d.http,
      apiUrl: d.apiUrl,
      auth: this.auth,
      symbols: () => d.master.get(),
      orderBucket: d.orderBucket,
      quoteBucket: d.quoteBucket,
      orderTimeoutMs: d.orderTimeoutMs,
    });
  }

  validateSession(): Promise<SessionState> {
    return dhanProfileState(this.d.http, this.d.apiUrl, this.auth);
  }

  placeOrder(intent: OrderIntent): Promise<PlaceResult> {
    return this.orders_.place(intent);
  }

  findOrder(ref: OrderRef): Promise<BrokerOrder | null> {
    return this.orders_.find(ref);
  }

  orders(): Promise<BrokerOrder[]> {
    return this.orders_.list();
  }

  positions(): Promise<Position[]> {
    return this.orders_.positions();
  }

  cancelOrder(brokerOrderId: string): Promise<void> {
    return this.orders_.cancel(brokerOrderId);
  }

  ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    return this.orders_.ltp(ids);
  }

  async instruments(): Promise<Instrument[]> {
    return (await this.d.master.get()).instruments();
  }

  createFeed(): MarketFeed {
    const feed = new DhanFeed({ feedUrl: this.d.feedUrl, clientId: this.auth.clientId, accessToken: this.auth.accessToken, symbols: () => this.d.master.get() });
    this.feeds.add(feed);
    feed.onState((s) => s === 'CLOSED' && this.feeds.delete(feed));
    return feed;
  }

  async warmUp(): Promise<void> {
    await Promise.all([this.d.http.warm(new URL(this.d.apiUrl).origin), this.d.master.get().catch(() => undefined)]);
  }

  async close(): Promise<void> {
    await Promise.all([...this.feeds].map((f) => f.close()));
    this.feeds.clear();
  }
}
