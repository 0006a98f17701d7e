import type { RawData } from 'ws';
import type { InstrumentId } from '../../domain/instrument';
import { paise } from '../../domain/price';
import type { FeedState, MarketFeed, Tick } from '../../ports/market-feed';
import { ReconnectingSocket } from '../transport/reconnecting-socket';
import { decodeHsmMessage, type HsmTopic } from './fyers-hsm-parser';
import { HSM_PING, hsmAuthFrame, hsmSubscribeFrame, hsmUnsubscribeFrame } from './fyers-hsm-requests';
import { FeedListeners } from '../transport/feed-listeners';

export interface FyersFeedOptions {
  wsUrl: string;
  /** the `hsm_key` claim of the current access token */
  hsmKey: () => string | null;
  /** our ids → HSM topics (`sf|nse_cm|1594`); ids Fyers does not know are left out */
  resolveTopics: (ids: readonly InstrumentId[]) => Promise<Map<InstrumentId, string>>;
  authTimeoutMs?: number;
  now?: () => number;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Fyers market data over the HSM socket. The handshake carries no Authorization header (per
 * hsm-note the server then ignores the auth frame); the hsm_key goes in the type-1 frame, and the
 * feed reports CONNECTED only once the server accepts it. Every reconnect re-authenticates and
 * re-subscribes what the caller still wants.
 */
export class FyersFeed extends FeedListeners implements MarketFeed {
  private socket: ReconnectingSocket | null = null;
  private readonly desired = new Set<InstrumentId>();
  private readonly topicOf = new Map<InstrumentId, string>();
  private readonly idOfTopic = new Map<string, InstrumentId>();
  /** topic ids are per connection: cleared on every (re)connect */
  private topics = new Map<number, HsmTopic>();
  private authed = false;
  private authWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: FyersFeedOptions) {
    super();
    this.now = opts.now ?? Date.now;
  }

  async connect(): Promise<void> {
    const key = this.opts.hsmKey();
    if (!key) throw new Error('Fyers access token carries no hsm_key: log in again');
    const authed = new Promise<void>((resolve, reject) => {
      this.authWaiter = { resolve, reject };
    });
    this.socket = new ReconnectingSocket({
      target: () => ({ url: this.opts.wsUrl }),
      onOpen: (ws) => {
        this.topics = new Map();
        this.authed = false;
        ws.send(hsmAuthFrame(this.opts.hsmKey() ?? key));
      },
      onMessage: (data, isBinary) => {
        if (isBinary) this.handle(toBuffer(data));
      },
      onState: (s, detail) => {
        // CONNECTED waits for the server's auth answer; everything else passes through.
        if (s === 'CONNECTED') return;
        this.authed = false;
        this.setState(s, detail);
      },
      ping: { message: HSM_PING, everyMs: 10_000 },
    });
    await this.socket.connect();
    const timeout = this.opts.authTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        authed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Fyers HSM did not answer the auth frame')), timeout);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  subscribe(ids: readonly InstrumentId[]): void {
    const unresolved: InstrumentId[] = [];
    const ready: string[] = [];
    for (const id of ids) {
      if (this.desired.has(id)) continue;
      this.desired.add(id);
      const t = this.topicOf.get(id);
      if (t) ready.push(t);
      else unresolved.push(id);
    }
    if (ready.length > 0 && this.authed) this.socket?.send(hsmSubscribeFrame(ready));
    if (unresolved.length > 0) {
      void this.opts
        .resolveTopics(unresolved)
        .then((m) => {
          const fresh: string[] = [];
          for (const [id, topic] of m) {
            this.topicOf.set(id, topic);
            this.idOfTopic.set(topic, id);
            if (this.desired.has(id)) fresh.push(topic);
          }
          if (fresh.length > 0 && this.authed) this.socket?.send(hsmSubscribeFrame(fresh));
        })
        .catch((e: unknown) => this.emitState(this.current, `could not resolve Fyers symbols: ${String(e)}`));
    }
  }

  unsubscribe(ids: readonly InstrumentId[]): void {
    const topics: string[] = [];
    for (const id of ids) {
      if (!this.desired.delete(id)) continue;
      const t = this.topicOf.get(id);
      if (t) topics.push(t);
    }
    if (topics.length > 0 && this.authed) this.socket?.send(hsmUnsubscribeFrame(topics));
  }

  async close(): Promise<void> {
    this.authWaiter?.reject(new Error('feed closed'));
    this.authWaiter = null;
    await this.socket?.close();
    this.socket = null;
    this.setState('CLOSED');
  }

  private handle(buf: Buffer): void {
    const { messages, learned } = decodeHsmMessage(buf, this.topics);
    for (const [id, t] of learned) this.topics.set(id, t);
    const receivedTs = this.now();
    for (const m of messages) {
      if (m.type === 'auth') this.onAuth(m.accepted, m.detail ?? m.status);
      else if (m.type === 'data') {
        for (const s of m.scrips) {
          const id = this.idOfTopic.get(s.topic.name);
          const ltp = s.values.ltp;
          if (!id || !this.desired.has(id) || ltp === undefined || ltp <= 0) continue;
          const feedTime = s.values.exch_feed_time;
          const tick: Tick = { instrument: id, ltpPaise: paise(ltp), exchangeTs: feedTime ? feedTime * 1000 : null, receivedTs };
          for (const fn of this.tickFns) fn(tick);
        }
      }
    }
  }

  private onAuth(accepted: boolean, detail: string): void {
    if (!accepted) {
      // A refused hsm_key will not get better by reconnecting: the user must log in again.
      this.authWaiter?.reject(new Error(`Fyers HSM refused the session: ${detail}`));
      this.authWaiter = null;
      this.setState('DISCONNECTED', `Fyers HSM refused the session: ${detail}`);
      void this.socket?.close();
      return;
    }
    this.authed = true;
    this.setState('CONNECTED');
    this.authWaiter?.resolve();
    this.authWaiter = null;
    const topics = [...this.desired].map((id) => this.topicOf.get(id)).filter((t): t is string => t !== undefined);
    if (topics.length > 0) this.socket?.send(hsmSubscribeFrame(topics));
  }

  private setState(s: FeedState, detail?: string): void {
    if (s === this.current && detail === undefined) return;
    this.current = s;
    this.emitState(s, detail);
  }

  private emitState(s: FeedState, detail?: string): void {
    for (const fn of this.stateFns) fn(s, detail);
  }
}
