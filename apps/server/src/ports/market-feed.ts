import type { InstrumentId } from '../domain/instrument';
import type { Paise } from '../domain/price';

export interface Tick {
  instrument: InstrumentId;
  ltpPaise: Paise;
  /** epoch ms from the exchange, when the packet carries it */
  exchangeTs: number | null;
  /** epoch ms when we decoded it */
  receivedTs: number;
}

export type FeedState = 'CONNECTING' | 'CONNECTED' | 'DISCONNECTED' | 'CLOSED';
export type Unsubscribe = () => void;

/** A broker's live market-data connection. Reconnects by itself and re-subscribes what it had. */
export interface MarketFeed {
  connect(): Promise<void>;
  subscribe(ids: readonly InstrumentId[]): void;
  unsubscribe(ids: readonly InstrumentId[]): void;
  onTick(fn: (t: Tick) => void): Unsubscribe;
  onState(fn: (s: FeedState, detail?: string) => void): Unsubscribe;
  state(): FeedState;
  close(): Promise<void>;
}
