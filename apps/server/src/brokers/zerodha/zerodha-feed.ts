import type { RawData } from 'ws';
import type { InstrumentId } from '../../domain/instrument';
import { rupeesToPaise } from '../../domain/price';
import type { MarketFeed, Tick } from '../../ports/market-feed';
import { ReconnectingSocket } from '../transport/reconnecting-socket';
import type { KiteSymbolTable } from './zerodha-symbols';
import { parseKiteFrame } from './zerodha-tick-parser';
import { FeedListeners } from '../transport/feed-listeners';

export interface ZerodhaFeedOptions {
  wsUrl: string;
  apiKey: string;
  accessToken: string;
  symbols: () => Promise<KiteSymbolTable>;
  now?: () => number;
  /** told when the feed is closed, so its owner can forget it */
  onClosed?: () => void;
}

/** Kite's ticker needs only the price: LTP mode is the smallest packet (8 bytes). */
const MODE = 'ltp';

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Kite's binary ticker as our MarketFeed; re-subscribes everything after every reconnect. */
export class ZerodhaFeed extends FeedListeners implements MarketFeed {
  private readonly wanted = new Set<InstrumentId>();
  private table: KiteSymbolTable | null = null;
  private readonly socket: ReconnectingSocket;
  private readonly now: () => number;

  constructor(private readonly opts: ZerodhaFeedOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.socket = new ReconnectingSocket({
      target: () => {
        const u = new URL(opts.wsUrl.replace(/^http/, 'ws'));
        if (u.pathname === '') u.pathname = '/';
        u.searchParams.set('api_key', opts.apiKey);
        u.searchParams.set('access_token', opts.accessToken);
        return { url: u.toString(), headers: { 'X-Kite-Version': '3' } };
      },
      onOpen: () => this.send('subscribe', [...this.wanted]),
      onMessage: (data, isBinary) => {
        if (isBinary) this.onBinary(rawToBuffer(data));
      },
      onState: (s, detail) => {
        this.current = s;
        for (const fn of this.stateFns) fn(s, detail);
      },
    });
  }

  async connect(): Promise<void> {
    // Ticks carry only instrument tokens: the master must be known before the first one arrives.
    this.table = await this.opts.symbols();
    await this.socket.connect();
  }

  subscribe(ids: readonly InstrumentId[]): void {
    const fresh = ids.filter((id) => !this.wanted.has(id));
    for (const id of fresh) this.wanted.add(id);
    if (fresh.length > 0) this.send('subscribe', fresh);
  }

  unsubscribe(ids: readonly InstrumentId[]): void {
    const gone = ids.filter((id) => this.wanted.delete(id));
    if (gone.length > 0) this.send('unsubscribe', gone);
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.opts.onClosed?.();
  }

  private send(action: 'subscribe' | 'unsubscribe', ids: readonly InstrumentId[]): void {
    if (!this.table || ids.length === 0) return;
    const table = this.table;
    const tokens = ids.map((id) => table.tokenOf(id)).filter((t): t is number => t !== undefined);
    if (tokens.length === 0) return;
    this.socket.send(JSON.stringify({ a: action, v: tokens }));
    if (action === 'subscribe') this.socket.send(JSON.stringify({ a: 'mode', v: [MODE, tokens] }));
  }

  private onBinary(buf: Buffer): void {
    if (!this.table) return;
    const receivedTs = this.now();
    for (const t of parseKiteFrame(buf)) {
      const instrument = this.table.idOf(t.instrument_token);
      if (!instrument || !this.wanted.has(instrument)) continue;
      const ts = 'timestamp' in t && t.timestamp ? Date.parse(t.timestamp) : null;
      const tick: Tick = { instrument, ltpPaise: rupeesToPaise(t.last_price), exchangeTs: ts, receivedTs };
      for (const fn of this.tickFns) fn(tick);
    }
  }
}
