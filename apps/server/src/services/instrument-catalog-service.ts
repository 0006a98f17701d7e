import { SIM_INSTRUMENTS } from '@ats/market-sim';
import { instrumentId, type Instrument, type InstrumentId } from '../domain/instrument';
import { paise } from '../domain/price';
import type { BrokerKind } from '../ports/broker';
import type { InstrumentCatalog } from '../ports/instrument-catalog';

/** Loads one broker's master (through any connected account of that broker). */
export type MasterLoader = (broker: BrokerKind) => Promise<Instrument[] | null>;

interface Cached {
  day: string;
  byId: Map<InstrumentId, Instrument>;
  list: Instrument[];
}

/** The bundled list: what the Paper broker trades, and the fallback before a broker's master is loaded. */
export const BUNDLED_INSTRUMENTS: readonly Instrument[] = SIM_INSTRUMENTS.map((s) => ({
  id: instrumentId(s.exchange, s.symbol),
  exchange: s.exchange,
  symbol: s.symbol,
  name: s.name,
  tickSizePaise: paise(s.tickSizePaise),
  lotSize: s.lotSize,
}));

/**
 * Instrument masters per broker, cached per IST trading day. When a broker's master cannot be
 * loaded (no connected account yet, broker down), the bundled NSE list answers, so a trader can
 * still pick a symbol; the broker itself validates again when the order goes out.
 */
export class InstrumentCatalogService implements InstrumentCatalog {
  private readonly cache = new Map<BrokerKind, Cached>();
  private readonly bundled: Cached;

  constructor(
    private readonly load: MasterLoader,
    private readonly now: () => number,
  ) {
    this.bundled = index(BUNDLED_INSTRUMENTS, '');
  }

  async find(broker: BrokerKind, id: InstrumentId): Promise<Instrument | null> {
    return (await this.master(broker)).byId.get(id) ?? null;
  }

  async search(broker: BrokerKind, query: string, limit: number): Promise<Instrument[]> {
    const q = query.trim().toUpperCase();
    if (!q) return [];
    const scored: Array<[number, Instrument]> = [];
    for (const i of (await this.master(broker)).list) {
      const name = i.name.toUpperCase();
      const score = i.symbol === q ? 0 : i.symbol.startsWith(q) ? 1 : i.symbol.includes(q) ? 2 : name.includes(q) ? 3 : -1;
      if (score >= 0) scored.push([score, i]);
    }
    // NSE first on ties: it is where nearly all intraday volume is.
    scored.sort((a, b) => a[0] - b[0] || a[1].symbol.localeCompare(b[1].symbol) || (a[1].exchange === 'NSE' ? -1 : 1));
    return scored.slice(0, limit).map(([, i]) => i);
  }

  /** Drop a broker's cached master (e.g. after its first account connects). */
  invalidate(broker: BrokerKind): void {
    this.cache.delete(broker);
  }

  private async master(broker: BrokerKind): Promise<Cached> {
    if (broker === 'paper') return this.bundled;
    const day = istDay(this.now());
    const hit = this.cache.get(broker);
    if (hit && hit.day === day) return hit;
    const loaded = await this.load(broker).catch(() => null);
    if (!loaded || loaded.length === 0) return this.bundled;
    const c = index(loaded, day);
    this.cache.set(broker, c);
    return c;
  }
}

function index(list: readonly Instrument[], day: string): Cached {
  const filtered = list.filter((i) => i.exchange === 'NSE' || i.exchange === 'BSE');
  return { day, byId: new Map(filtered.map((i) => [i.id, i])), list: filtered };
}

function istDay(ts: number): string {
  return new Date(ts + 5.5 * 3600_000).toISOString().slice(0, 10);
}
