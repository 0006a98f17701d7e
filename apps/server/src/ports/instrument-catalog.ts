import type { Instrument, InstrumentId } from '../domain/instrument';
import type { BrokerKind } from './broker';

/**
 * Instrument masters by broker, for validating strategy symbols and for the app's symbol picker.
 * Each broker's master is loaded from the broker and cached for the trading day; Paper uses the
 * bundled NSE/BSE list.
 */
export interface InstrumentCatalog {
  /** The instrument as `broker` lists it, or null when that broker does not know it. */
  find(broker: BrokerKind, id: InstrumentId): Promise<Instrument | null>;
  /** Prefix/substring search over symbol and name, best matches first. */
  search(broker: BrokerKind, query: string, limit: number): Promise<Instrument[]>;
}
