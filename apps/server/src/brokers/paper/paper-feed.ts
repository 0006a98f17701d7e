import type { SimMarket } from '@ats/market-sim';
import type { InstrumentId } from '../../domain/instrument';
import { paise } from '../../domain/price';
import type { FeedState, MarketFeed, Tick } from '../../ports/market-feed';
import { FeedListeners } from '../transport/feed-listeners';

/** Market data for the Paper broker: ticks straight from the in-process simulated market. */
export class PaperFeed extends FeedListeners implements MarketFeed {
  private readonly subs = new Set<string>();
  private off: (() => void) | null = null;

  constructor(
    private readonly market: SimMarket,
    private readonly now: () => number,
    private readonly onInterest: (keys: ReadonlySet<string>) => void,
  ) {
    super();
  }

  connect(): Promise<void> {
    if (!this.off) {
      this.off = this.market.onTick((t) => {
        if (!this.subs.has(t.key)) return;
        const tick: Tick = { instrument: t.key as InstrumentId, ltpPaise: paise(t.paise), exchangeTs: t.ts, receivedTs: this.now() };
        for (const fn of this.tickFns) fn(tick);
      });
    }
    this.setState('CONNECTED');
    return Promise.resolve();
  }
  subscribe(ids: readonly InstrumentId[]): void {
    for (const id of ids) if (this.market.has(id)) this.subs.add(id);
    this.onInterest(this.subs);
  }

  unsubscribe(ids: readonly InstrumentId[]): void {
    for (const id of ids) this.subs.delete(id);
    this.onInterest(this.subs);
  }

  close(): Promise<void> {
    this.off?.();
    this.off = null;
    this.subs.clear();
    this.onInterest(this.subs);
    this.setState('CLOSED');
    return Promise.resolve();
  }
  private setState(s: FeedState): void {
    this.current = s;
    for (const fn of this.stateFns) fn(s);
  }
}
