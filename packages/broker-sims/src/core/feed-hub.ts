import type { WebSocket } from 'ws';
import type { SimTick } from '@ats/market-sim';

/** One market-data socket of a sim and what it has subscribed (`EXCHANGE:SYMBOL` → broker mode). */
export interface FeedClient<Mode = string> {
  ws: WebSocket;
  subs: Map<string, Mode>;
  /** set through `FeedHub.assignAccount`, which keeps the hub's by-account index right */
  readonly account: string | null;
}

const NO_CLIENTS: ReadonlySet<never> = new Set();

/**
 * Fans simulated ticks out to the sockets that subscribed them, in each broker's own binary
 * encoding. Feed silence and socket drops are faults applied here, once for every broker.
 */
export class FeedHub<Mode = string> {
  readonly clients = new Set<FeedClient<Mode>>();
  silent = false;
  // Order updates go to one account's sockets; a scan of every socket per update would make an
  // order burst from thousands of accounts quadratic.
  private readonly byAccount = new Map<string, Set<FeedClient<Mode>>>();
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
    const c: FeedClient<Mode> = { ws, subs: new Map(), account: null };
    this.clients.add(c);
    this.assignAccount(c, account);
    ws.on('close', () => {
      this.clients.delete(c);
      this.unindex(c);
    });
    return c;
  }

  /** For protocols that authenticate after the socket opens (Fyers' HSM auth message). */
  assignAccount(c: FeedClient<Mode>, account: string | null): void {
    this.unindex(c);
    (c as { account: string | null }).account = account;
    if (account === null || !this.clients.has(c)) return;
    let mine = this.byAccount.get(account);
    if (!mine) {
      mine = new Set();
      this.byAccount.set(account, mine);
    }
    mine.add(c);
  }

  /** The sockets authenticated as `account` (open or closing), in connection order. */
  clientsOf(account: string): ReadonlySet<FeedClient<Mode>> {
    return this.byAccount.get(account) ?? NO_CLIENTS;
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
    this.byAccount.clear();
  }

  private unindex(c: FeedClient<Mode>): void {
    if (c.account === null) return;
    const mine = this.byAccount.get(c.account);
    mine?.delete(c);
    if (mine?.size === 0) this.byAccount.delete(c.account);
  }
}
