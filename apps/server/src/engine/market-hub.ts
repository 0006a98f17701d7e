import type { InstrumentId } from '../domain/instrument';
import type { Paise } from '../domain/price';
import type { Broker, BrokerKind } from '../ports/broker';
import type { BrokerDirectory } from '../ports/broker-directory';
import type { Clock } from '../ports/clock';
import type { FeedState, MarketFeed } from '../ports/market-feed';

export interface HubTick {
  kind: BrokerKind;
  instrument: InstrumentId;
  ltpPaise: Paise;
  receivedTs: number;
  /** true when the price came from REST polling because the feed went quiet */
  polled: boolean;
}

export interface HubAlert {
  kind: BrokerKind;
  code: 'FEED_STALE' | 'FEED_RECOVERED' | 'FEED_UNAVAILABLE';
  message: string;
  instruments: InstrumentId[];
}

interface FeedEntry {
  kind: BrokerKind;
  feed: MarketFeed | null;
  source: Broker | null;
  lastConnectAttempt: number;
  connecting: Promise<void> | null;
  refs: Map<InstrumentId, number>;
  lastTickAt: number;
  polling: boolean;
  pollBusy: boolean;
  state: FeedState;
}

export interface MarketHubOptions {
  /** a feed silent this long while instruments are watched falls back to REST polling */
  staleMs: number;
  pollEveryMs?: number;
  watchdogEveryMs?: number;
}

/** One instrument on one broker's feed: the key of its last price (and of the engine's stop books). */
export function priceKey(kind: BrokerKind, id: InstrumentId): string {
  return `${kind}|${id}`;
}

/**
 * One market-data connection per broker, shared by every strategy on that broker: each instrument
 * is subscribed once and reference-counted. Ticks go to one handler. When a feed goes quiet while
 * anything is watched, the hub polls REST LTP once a second and says so, so stop-losses keep firing
 * on polled prices until the feed is back.
 */
export class MarketHub {
  private readonly feeds = new Map<BrokerKind, FeedEntry>();
  private readonly last = new Map<string, { paise: Paise; ts: number }>();
  private watchdog: NodeJS.Timeout | null = null;
  private lastPollAt = new Map<BrokerKind, number>();

  constructor(
    private readonly directory: BrokerDirectory,
    private readonly clock: Clock,
    private readonly onTick: (t: HubTick) => void,
    private readonly onAlert: (a: HubAlert) => void,
    private readonly o: MarketHubOptions,
  ) {}

  start(): void {
    this.watchdog ??= setInterval(() => this.checkStale(), this.o.watchdogEveryMs ?? 250);
    this.watchdog.unref();
  }

  /** The last price of priceKey(kind, instrument), the key made once by the caller (hot paths). */
  lastPriceAt(key: string): { paise: Paise; ts: number } | null {
    return this.last.get(key) ?? null;
  }

  /** Watch an instrument; the first watcher subscribes it on the broker's feed. */
  watch(kind: BrokerKind, id: InstrumentId): void {
    const e = this.entry(kind);
    const n = e.refs.get(id) ?? 0;
    e.refs.set(id, n + 1);
    if (n === 0) {
      if (e.refs.size === 1) e.lastTickAt = this.clock.now();
      void this.ensureFeed(e).then(() => e.feed?.subscribe([id]));
    }
  }

  unwatch(kind: BrokerKind, id: InstrumentId): void {
    const e = this.feeds.get(kind);
    const n = e?.refs.get(id);
    if (!e || n === undefined) return;
    if (n > 1) e.refs.set(id, n - 1);
    else {
      e.refs.delete(id);
      e.feed?.unsubscribe([id]);
    }
  }

  /** Feed a price in from outside the feed (e.g. an LTP read at buy time). */
  ingest(kind: BrokerKind, id: InstrumentId, paise: Paise, polled: boolean): void {
    const now = this.clock.now();
    this.last.set(priceKey(kind, id), { paise, ts: now });
    this.onTick({ kind, instrument: id, ltpPaise: paise, receivedTs: now, polled });
  }

  async close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    await Promise.all([...this.feeds.values()].map((e) => e.feed?.close().catch(() => undefined)));
    this.feeds.clear();
  }

  private entry(kind: BrokerKind): FeedEntry {
    let e = this.feeds.get(kind);
    if (!e) {
      e = { kind, feed: null, source: null, lastConnectAttempt: 0, connecting: null, refs: new Map(), lastTickAt: this.clock.now(), polling: false, pollBusy: false, state: 'DISCONNECTED' };
      this.feeds.set(kind, e);
    }
    return e;
  }

  private ensureFeed(e: FeedEntry): Promise<void> {
    if (e.feed) return Promise.resolve();
    e.connecting ??= (async () => {
      e.lastConnectAttempt = this.clock.now();
      const source = await this.directory.dataSource(e.kind);
      if (!source) {
        this.onAlert({ kind: e.kind, code: 'FEED_UNAVAILABLE', message: `No connected ${e.kind} account can stream prices`, instruments: [...e.refs.keys()] });
        return;
      }
      const feed = source.createFeed();
      e.source = source;
      feed.onTick((t) => {
        e.lastTickAt = this.clock.now();
        this.last.set(priceKey(e.kind, t.instrument), { paise: t.ltpPaise, ts: t.receivedTs });
        this.onTick({ kind: e.kind, instrument: t.instrument, ltpPaise: t.ltpPaise, receivedTs: t.receivedTs, polled: false });
      });
      feed.onState((s) => {
        e.state = s;
        // After a reconnect the feed re-subscribes by itself; give it a fresh staleness clock.
        if (s === 'CONNECTED') e.lastTickAt = this.clock.now();
      });
      e.feed = feed;
      try {
        await feed.connect();
        if (e.refs.size) feed.subscribe([...e.refs.keys()]);
      } catch (err) {
        this.onAlert({ kind: e.kind, code: 'FEED_UNAVAILABLE', message: `The ${e.kind} price feed could not connect: ${String(err)}`, instruments: [...e.refs.keys()] });
        this.dropSource(e);
      }
    })().finally(() => {
      e.connecting = null;
    });
    return e.connecting;
  }

  private dropSource(e: FeedEntry): void {
    if (e.source) this.directory.dataSourceFailed(e.kind, e.source);
    const old = e.feed;
    e.feed = null;
    e.source = null;
    void old?.close().catch(() => undefined);
  }

  /** Staleness watchdog: switch to REST polling while a watched feed is silent, and back. */
  private checkStale(): void {
    const now = this.clock.now();
    for (const e of this.feeds.values()) {
      if (e.refs.size === 0) {
        e.polling = false;
        continue;
      }
      const silent = now - e.lastTickAt >= this.o.staleMs;
      if (silent && !e.polling) {
        e.polling = true;
        this.onAlert({ kind: e.kind, code: 'FEED_STALE', message: `No ${e.kind} price for ${Math.round((now - e.lastTickAt) / 1000)} s; polling prices instead`, instruments: [...e.refs.keys()] });
      } else if (!silent && e.polling) {
        e.polling = false;
        this.onAlert({ kind: e.kind, code: 'FEED_RECOVERED', message: `The ${e.kind} price feed is back`, instruments: [...e.refs.keys()] });
      }
      // A feed that could not be opened (or was dropped) is retried from another source.
      if (!e.feed && !e.connecting && now - e.lastConnectAttempt >= 2_000) void this.ensureFeed(e);
      if (e.polling && !e.pollBusy && now - (this.lastPollAt.get(e.kind) ?? 0) >= (this.o.pollEveryMs ?? 1000)) {
        this.lastPollAt.set(e.kind, now);
        void this.poll(e);
      }
    }
  }

  private async poll(e: FeedEntry): Promise<void> {
    e.pollBusy = true;
    try {
      const source = await this.directory.dataSource(e.kind);
      if (!source) return;
      try {
        const prices = await source.ltp([...e.refs.keys()]);
        for (const [id, p] of prices) if (e.refs.has(id)) this.ingest(e.kind, id, p, true);
      } catch {
        // This source cannot serve (expired session?): drop it, so the next round and the feed use another.
        this.directory.dataSourceFailed(e.kind, source);
        if (source === e.source) this.dropSource(e);
      }
    } catch {
      // The next watchdog round polls again; exits keep their own retries.
    } finally {
      e.pollBusy = false;
    }
  }
}
