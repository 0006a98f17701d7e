import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';

/** One market-data socket of a sim and what it has subscribed (`EXCHANGE:SYMBOL` → broker mode). */
export interface FeedClient<Mode = string> {
  ws: WebSocket;
  subs: Map<string, Mode>;
  account: string | null;
}

/**
 * Fans simulated ticks out to the sockets that subscribed them, in each broker's own binary
 * encoding. Feed silence and socket drops are faults applied here, once for every broker.
 */
export class FeedHub<Mode = string> {
  readonly clients = new Set<FeedClient<Mode>>();
  silent = false;
  private readonly pending = new Map<FeedClient<Mode>, Array<{ t: SimTick; mode: Mode }>>();
  private flushScheduled = false;

  /**
   * `encodeBatch`, for protocols whose frames carry many packets (Kite), sends all ticks a client
   * gets in one market step as ONE frame, as the real brokers do; without it every tick is a frame.
   */
  constructor(
    private readonly encode: (t: SimTick, mode: Mode, client: FeedClient<Mode>) => Buffer | string | null,
    private readonly encodeBatch?: (ticks: ReadonlyArray<{ t: SimTick; mode: Mode }>, client: FeedClient<Mode>) => Buffer | string | null,
  ) {}

  add(ws: WebSocket, account: string | null): FeedClient<Mode> {
    const c: FeedClient<Mode> = { ws, subs: new Map(), account };
    this.clients.add(c);
    ws.on('close', () => this.clients.delete(c));
    return c;
  }

  publish(t: SimTick): void {
    if (this.silent) return;
    for (const c of this.clients) {
      const mode = c.subs.get(t.key);
      if (mode === undefined || c.ws.readyState !== c.ws.OPEN) continue;
      if (this.encodeBatch) {
        let q = this.pending.get(c);
        if (!q) {
          q = [];
          this.pending.set(c, q);
        }
        q.push({ t, mode });
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          queueMicrotask(() => this.flush());
        }
        continue;
      }
      const frame = this.encode(t, mode, c);
      if (frame !== null) c.ws.send(frame);
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const [c, ticks] of this.pending) {
      if (c.ws.readyState !== c.ws.OPEN || ticks.length === 0) continue;
      const frame = (this.encodeBatch as NonNullable<typeof this.encodeBatch>)(ticks, c);
      if (frame !== null) c.ws.send(frame);
    }
    this.pending.clear();
  }

  /** Every key subscribed by any client. */
  subscribedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const c of this.clients) for (const k of c.subs.keys()) keys.add(k);
    return keys;
  }

  dropAll(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
  }
}
