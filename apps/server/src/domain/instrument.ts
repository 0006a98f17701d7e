import type { Paise } from './price';

export type Exchange = 'NSE' | 'BSE';
export const EXCHANGES: readonly Exchange[] = ['NSE', 'BSE'];

/** Our instrument key: `EXCHANGE:SYMBOL`, e.g. `NSE:INFY`. Brokers map it to their own ids. */
export type InstrumentId = `${Exchange}:${string}`;

export function instrumentId(exchange: Exchange, symbol: string): InstrumentId {
  return `${exchange}:${symbol.toUpperCase()}`;
}

export function splitInstrumentId(id: InstrumentId): { exchange: Exchange; symbol: string } {
  const i = id.indexOf(':');
  return { exchange: id.slice(0, i) as Exchange, symbol: id.slice(i + 1) };
}

export interface Instrument {
  id: InstrumentId;
  exchange: Exchange;
  symbol: string;
  name: string;
  tickSizePaise: Paise;
  lotSize: number;
}
