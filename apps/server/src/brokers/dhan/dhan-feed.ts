import type { RawData } from 'ws';
import type { InstrumentId } from '../../domain/instrument';
import type { Paise } from '../../domain/price';
import type { FeedState, MarketFeed, Tick } from '../../ports/market-feed';
import { ReconnectingSocket } from '../transport/reconnecting-socket';
import type { DhanSecurityRef, DhanSymbolTable } from './dhan-symbols';
import { dhanLttToEpochMs, dhanRupeesToPaise, parseDhanFeedMessage } from './dhan-tick-parser';
import { FeedListeners } from '../transport/feed-listeners';

/** Ticker mode (LTP + LTT) is all a stop-loss needs; 16 unsubscribes it. */
const SUBSCRIBE_TICKER = 15;
const UNSUBSCRIBE_TICKER = 16;
const MAX_PER_REQUEST = 100;
/** Disconnect reasons that a reconnect cannot fix: token expired/auth failed/token invalid/client id invalid. */
const FATAL_REASONS = new Set([807, 808, 809, 810]);

export interface DhanFeedOptions {
  feedUrl: string;
  clientId: string;
  accessToken: string;
  symbols: () => Promise<DhanSymbolTable>;
  now?: () => number;
}

/** Dhan live market feed v2 over one reconnecting socket; re-subscribes everything after a reconnect. */
export class DhanFeed extends FeedListeners implements MarketFeed {
  private readonly wanted = new Map<InstrumentId, DhanSecurityRef>();
  private table: DhanSymbolTable | null = null;
  /** subscribed before connect(): resolved once the master is loaded */
  private pending: InstrumentId[] = [];
  private readonly socket: ReconnectingSocket;
  private readonly now: () => number;

  constructor(private readonly o: DhanFeedOptions) {
    super();
    this.now = o.now ?? Date.now;
    this.socket = new ReconnectingSocket({
      target: () => {
        const u = new URL(o.feedUrl);
        u.searchParams.set('version', '2');
        u.searchParams.set('token', o.accessToken);
        u.searchParams.set('clientId', o.clientId);
        u.searchParams.set('authType', '2');
        return { url: u.toString() };
      },
      onOpen: () => this.send(SUBSCRIBE_TICKER, [...this.wanted.values()]),
      onMessage: (data, isBinary) => this.onMessage(data, isBinary),
      onState: (s, detail) => this.setState(s, detail),
    });
  }

  async connect(): Promise<void> {
    // Ticks carry (segment, securityId): the master must be loaded before the first packet.
    this.table = await this.o.symbols();
    const early = this.pending;
    this.pending = [];
    this.subscribe(early);
    await this.socket.connect();
  }

  subscribe(ids: readonly InstrumentId[]): void {
    if (!this.table) {
      this.pending.push(...ids);
      return;
    }
    const added: DhanSecurityRef[] = [];
    for (const id of ids) {
      const ref = this.table.ref(id);
      if (!ref || this.wanted.has(id)) continue;
      this.wanted.set(id, ref);
      added.push(ref);
    }
    this.send(SUBSCRIBE_TICKER, added);
  }

  unsubscribe(ids: readonly InstrumentId[]): void {
    this.pending = this.pending.filter((p) => !ids.includes(p));
    const removed: DhanSecurityRef[] = [];
    for (const id of ids) {
      const ref = this.wanted.get(id);
      if (!ref) continue;
      this.wanted.delete(id);
      removed.push(ref);
    }
    this.send(UNSUBSCRIBE_TICKER, removed);
  }

  async close(): Promise<void> {
    await this.socket.close();
  }

  private send(code: number, refs: DhanSecurityRef[]): void {
    for (let i = 0; i < refs.length; i += MAX_PER_REQUEST) {
      const chunk = refs.slice(i, i + MAX_PER_REQUEST);
      this.socket.send(
        JSON.stringify({
          RequestCode: code,
          InstrumentCount: chunk.length,
          InstrumentList: chunk.map((r) => ({ ExchangeSegment: r.exchangeSegment, SecurityId: r.securityId })),
        }),
      );
    }
  }

  private setState(s: FeedState, detail?: string): void {
    this.current = s;
    for (const fn of this.stateFns) fn(s, detail);
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (!isBinary || !this.table) return;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const receivedTs = this.now();
    const { packets } = parseDhanFeedMessage(buf);
    for (const p of packets) {
      if (p.kind === 'disconnect') {
        if (FATAL_REASONS.has(p.reason)) {
          this.setState('DISCONNECTED', `Dhan feed refused the session (reason ${p.reason})`);
          void this.socket.close();
        }
        continue;
      }
      if (p.kind !== 'ticker' && p.kind !== 'quote' && p.kind !== 'full') continue;
      const ref = this.table.find(p.segment, p.securityId);
      if (!ref || !this.wanted.has(ref.id) || !(p.ltp > 0)) continue;
      const tick: Tick = { instrument: ref.id, ltpPaise: dhanRupeesToPaise(p.ltp, ref.tickPaise) as Paise, exchangeTs: dhanLttToEpochMs(p.ltt), receivedTs };
      for (const fn of this.tickFns) fn(tick);
    }
  }
}
