import type { FeedState, Tick, Unsubscribe } from '../../ports/market-feed';

/** The listener half every MarketFeed shares: who wants ticks and state changes, and the current state. */
export abstract class FeedListeners {
  protected readonly tickFns = new Set<(t: Tick) => void>();
  protected readonly stateFns = new Set<(s: FeedState, detail?: string) => void>();
  protected current: FeedState = 'DISCONNECTED';

  onTick(fn: (t: Tick) => void): Unsubscribe {
    this.tickFns.add(fn);
    return () => this.tickFns.delete(fn);
  }

  onState(fn: (s: FeedState, detail?: string) => void): Unsubscribe {
    this.stateFns.add(fn);
    return () => this.stateFns.delete(fn);
  }

  state(): FeedState {
    return this.current;
  }
}
