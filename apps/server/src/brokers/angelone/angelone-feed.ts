import type { RawData } from 'ws';
import type { InstrumentId } from '../../domain/instrument';
import { paise } from '../../domain/price';
import type { FeedState, MarketFeed, Tick } from '../../ports/market-feed';
import { ReconnectingSocket } from '../transport/reconnecting-socket';
import { parseSmartStreamPacket } from './angelone-tick-parser';
import type { AngelScripMasterCache, AngelSymbolTable } from './angelone-symbols';
import { FeedListeners } from '../transport/feed-listeners';

export interface AngelOneFeedOptions {
  wsUrl: string;
  apiKey: string;
  clientCode: string;
  jwt: string;
  feedToken: string;
  symbols: AngelScripMasterCache;
  now: () => number;
  onClosed?: (f: AngelOneFeed) => void;
}

/** SmartStream subscription mode: LTP is all the engine needs, and the smallest packet. */
const LTP_MODE = 1;
/** Angel drops sockets that stay silent; its SDKs send text "ping" every 10 s. */
const PING_EVERY_MS = 10_000;

function toBytes(data: RawData): Uint8Array {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return new Uint8Array(data);
}

/** SmartStream 2.0 as a MarketFeed: header auth, JSON subscribe by (exchangeType, token), binary LTP packets. */
export class AngelOneFeed extends FeedListeners implements MarketFeed {
  private readonly subs = new Set<InstrumentId>();
  private table: AngelSymbolTable | null = null;
  private correlation = 0;
  private readonly socket: ReconnectingSocket;

  constructor(private readonly o: AngelOneFeedOptions) {
    super();
    this.socket = new ReconnectingSocket({
      target: () => ({
        url: o.wsUrl,
        headers: { Authorization: `Bearer ${o.jwt}`, 'x-api-key': o.apiKey, 'x-client-code': o.clientCode, 'x-feed-token': o.feedToken },
      }),
      // Every (re)connect starts with no subscriptions at Angel's side.
      onOpen: () => this.send(1, [...this.subs]),
      onMessage: (data, isBinary) => this.onMessage(data, isBinary),
      onState: (s, detail) => this.setState(s, detail),
      ping: { message: 'ping', everyMs: PING_EVERY_MS },
    });
  }

  async connect(): Promise<void> {
    // Tokens come from the master: without it no subscription can be expressed.
    this.table = await this.o.symbols.get();
    await this.socket.connect();
  }

  subscribe(ids: readonly InstrumentId[]): void {
    const fresh = ids.filter((id) => !this.subs.has(id));
    for (const id of fresh) this.subs.add(id);
    if (fresh.length > 0) this.send(1, fresh);
  }

  unsubscribe(ids: readonly InstrumentId[]): void {
    const gone = ids.filter((id) => this.subs.delete(id));
    if (gone.length > 0) this.send(0, gone);
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.o.onClosed?.(this);
  }

  private send(action: 0 | 1, ids: readonly InstrumentId[]): void {
    const table = this.table ?? this.o.symbols.peek();
    if (!table || ids.length === 0 || !this.socket.isOpen()) return;
    const byType = new Map<number, string[]>();
    for (const id of ids) {
      const s = table.scrip(id);
      if (!s) continue;
      byType.set(s.exchangeType, [...(byType.get(s.exchangeType) ?? []), s.token]);
    }
    if (byType.size === 0) return;
    this.correlation += 1;
    this.socket.send(
      JSON.stringify({
        correlationID: `ats${String(this.correlation).padStart(7, '0')}`,
        action,
        params: { mode: LTP_MODE, tokenList: [...byType.entries()].map(([exchangeType, tokens]) => ({ exchangeType, tokens })) },
      }),
    );
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Text frames are "pong" and JSON errors (E1001...); neither carries prices.
    if (!isBinary) return;
    const packet = parseSmartStreamPacket(toBytes(data));
    const table = this.table ?? this.o.symbols.peek();
    if (!packet || !table) return;
    const scrip = table.fromStream(packet.exchangeType, packet.token);
    if (!scrip || !this.subs.has(scrip.instrument.id)) return;
    const tick: Tick = {
      instrument: scrip.instrument.id,
      ltpPaise: paise(packet.ltpPaise),
      exchangeTs: packet.exchangeTs > 0 ? packet.exchangeTs : null,
      receivedTs: this.o.now(),
    };
    for (const fn of this.tickFns) fn(tick);
  }

  private setState(s: FeedState, detail?: string): void {
    this.current = s;
    for (const fn of this.stateFns) fn(s, detail);
  }
}
