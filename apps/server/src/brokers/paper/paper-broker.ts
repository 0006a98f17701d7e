import { randomUUID } from 'node:crypto';
import type { SimMarket } from '@ats/market-sim';
import type { Instrument, InstrumentId } from '../../domain/instrument';
import type { BrokerOrder, OrderIntent, PlaceResult, Position } from '../../domain/order';
import { paise, type Paise } from '../../domain/price';
import type { Broker, BrokerConnector, BrokerSession, SessionState } from '../../ports/broker';
import type { Clock } from '../../ports/clock';
import type { MarketFeed } from '../../ports/market-feed';
import { BUNDLED_INSTRUMENTS } from '../../services/instrument-catalog-service';
import { PaperFeed } from './paper-feed';
import { PaperLedger } from './paper-ledger';

export interface PaperOptions {
  market: SimMarket;
  clock: Clock;
  /** simulated order round trip (ms) */
  latencyMs: number;
  /** slippage against the trader, basis points */
  slippageBps: number;
  /** how often watched instruments move (ms) */
  tickIntervalMs?: number;
}

/**
 * The built-in Paper broker: MARKET orders fill at the simulated market's price after a configurable
 * latency, with slippage against the trader. No credentials; the default in embedded mode.
 */
export class PaperBroker implements Broker {
  readonly kind = 'paper' as const;

  constructor(
    private readonly account: string,
    private readonly ledger: PaperLedger,
    private readonly o: PaperOptions,
    private readonly makeFeed: () => MarketFeed,
  ) {}

  validateSession(): Promise<SessionState> {
    return Promise.resolve({ state: 'CONNECTED', expiresAt: null });
  }

  async placeOrder(intent: OrderIntent): Promise<PlaceResult> {
    if (this.o.latencyMs > 0) await this.o.clock.sleep(this.o.latencyMs);
    const now = this.o.clock.now();
    const order = this.ledger.add(this.account, { tag: intent.clientOrderId, instrument: intent.instrument, side: intent.side, quantity: intent.quantity }, now);
    if (!this.o.market.has(intent.instrument)) {
      this.ledger.finish(order, 'REJECTED', `Unknown instrument ${intent.instrument}`, now);
      return { kind: 'REJECTED', code: 'BROKER_REJECTED', message: order.message as string };
    }
    const ltp = this.o.market.price(intent.instrument);
    const slip = Math.round((ltp * this.o.slippageBps) / 10_000);
    const tick = this.o.market.instrument(intent.instrument)?.tickSizePaise ?? 5;
    const raw = intent.side === 'BUY' ? ltp + slip : ltp - slip;
    this.ledger.fill(order, Math.max(tick, Math.round(raw / tick) * tick), now);
    return { kind: 'ACCEPTED', brokerOrderId: order.brokerOrderId };
  }

  findOrder(ref: { tag: string } | { brokerOrderId: string }): Promise<BrokerOrder | null> {
    const list = this.ledger.list(this.account);
    const o = 'tag' in ref ? list.find((x) => x.tag === ref.tag) : list.find((x) => x.brokerOrderId === ref.brokerOrderId);
    return Promise.resolve(o ? { ...o } : null);
  }

  orders(): Promise<BrokerOrder[]> {
    return Promise.resolve(this.ledger.list(this.account).map((o) => ({ ...o })));
  }

  positions(): Promise<Position[]> {
    const by = new Map<InstrumentId, { qty: number; buyQty: number; buyValue: number }>();
    for (const o of this.ledger.list(this.account)) {
      if (o.filledQuantity === 0) continue;
      const p = by.get(o.instrument) ?? { qty: 0, buyQty: 0, buyValue: 0 };
      if (o.side === 'BUY') {
        p.qty += o.filledQuantity;
        p.buyQty += o.filledQuantity;
        p.buyValue += o.filledQuantity * (o.averagePricePaise ?? 0);
      } else p.qty -= o.filledQuantity;
      by.set(o.instrument, p);
    }
    return Promise.resolve(
      [...by].map(([instrument, p]) => ({ instrument, netQuantity: p.qty, averagePricePaise: p.buyQty ? paise(Math.round(p.buyValue / p.buyQty)) : null })),
    );
  }

  cancelOrder(brokerOrderId: string): Promise<void> {
    const o = this.ledger.list(this.account).find((x) => x.brokerOrderId === brokerOrderId);
    if (o && o.status === 'PENDING') this.ledger.finish(o, 'CANCELLED', 'Cancelled by user', this.o.clock.now());
    return Promise.resolve();
  }

  ltp(ids: readonly InstrumentId[]): Promise<Map<InstrumentId, Paise>> {
    const m = new Map<InstrumentId, Paise>();
    for (const id of ids) if (this.o.market.has(id)) m.set(id, paise(this.o.market.price(id)));
    return Promise.resolve(m);
  }

  instruments(): Promise<Instrument[]> {
    return Promise.resolve([...BUNDLED_INSTRUMENTS]);
  }

  createFeed(): MarketFeed {
    return this.makeFeed();
  }

  warmUp(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** One Paper "exchange" per process: a ledger, the simulated market, and a driver that moves watched prices. */
export function createPaperConnector(o: PaperOptions): BrokerConnector<Record<string, never>> & { stop(): void } {
  const ledger = new PaperLedger();
  const interest = new Map<PaperFeed, ReadonlySet<string>>();
  const every = o.tickIntervalMs ?? 500;
  const timer = setInterval(() => {
    const keys = new Set<string>();
    for (const s of interest.values()) for (const k of s) keys.add(k);
    if (keys.size) o.market.step(keys);
  }, every);
  timer.unref();
  const makeFeed = (): MarketFeed => {
    const feed: PaperFeed = new PaperFeed(o.market, () => o.clock.now(), (keys) => {
      if (keys.size) interest.set(feed, new Set(keys));
      else interest.delete(feed);
    });
    return feed;
  };
  return {
    kind: 'paper',
    login(): Promise<BrokerSession> {
      const account = `PAPER-${randomUUID().slice(0, 8).toUpperCase()}`;
      return Promise.resolve({ accessToken: 'paper', expiresAt: null, extra: { account }, accountRef: account });
    },
    canAutoLogin: () => true,
    open(_c, session) {
      return new PaperBroker(session.extra.account ?? 'paper', ledger, o, makeFeed);
    },
    stop: () => clearInterval(timer),
  };
}
