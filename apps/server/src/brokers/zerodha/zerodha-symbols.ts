import { instrumentId, type Instrument, type InstrumentId } from '../../domain/instrument';
import { istDateOf } from '../../domain/exchange-time';
import { rupeesToPaise } from '../../domain/price';
import { splitCsvLine } from '../formats/csv-line';

/** Our instruments plus the instrument_token the Kite ticker speaks. */
export interface KiteSymbolTable {
  instruments: Instrument[];
  tokenOf(id: InstrumentId): number | undefined;
  idOf(token: number): InstrumentId | undefined;
}


/**
 * Kite's instrument master CSV (`instrument_token,exchange_token,tradingsymbol,...`) → the NSE/BSE
 * cash equities we trade. Indices, derivatives and other segments are skipped.
 */
export function parseKiteInstrumentsCsv(csv: string): KiteSymbolTable {
  const lines = csv.split(/\r?\n/).filter((l) => l.length > 0);
  const header = splitCsvLine(lines[0] ?? '');
  const col = (name: string): number => header.indexOf(name);
  const c = {
    token: col('instrument_token'),
    symbol: col('tradingsymbol'),
    name: col('name'),
    tick: col('tick_size'),
    lot: col('lot_size'),
    type: col('instrument_type'),
    segment: col('segment'),
    exchange: col('exchange'),
  };
  if (Object.values(c).some((i) => i < 0)) throw new Error('Kite instrument master: unexpected CSV header');
  const instruments: Instrument[] = [];
  const byId = new Map<InstrumentId, number>();
  const byToken = new Map<number, InstrumentId>();
  for (const line of lines.slice(1)) {
    const f = splitCsvLine(line);
    const exchange = f[c.exchange];
    if ((exchange !== 'NSE' && exchange !== 'BSE') || f[c.segment] !== exchange || f[c.type] !== 'EQ') continue;
    const symbol = f[c.symbol] as string;
    const token = Number(f[c.token]);
    const id = instrumentId(exchange, symbol);
    let tickSizePaise;
    try {
      tickSizePaise = rupeesToPaise(f[c.tick] as string);
    } catch {
      continue;
    }
    instruments.push({ id, exchange, symbol: symbol.toUpperCase(), name: f[c.name] ?? symbol, tickSizePaise, lotSize: Number(f[c.lot]) || 1 });
    byId.set(id, token);
    byToken.set(token, id);
  }
  return { instruments, tokenOf: (id) => byId.get(id), idOf: (t) => byToken.get(t) };
}

/**
 * The instrument master, loaded once per connector and again on the next IST day (Kite regenerates
 * it daily). Concurrent callers share one download; a failed one is retried on the next call.
 */
export class KiteInstrumentCache {
  private loaded: { day: string; table: Promise<KiteSymbolTable> } | null = null;

  constructor(
    private readonly download: () => Promise<KiteSymbolTable>,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<KiteSymbolTable> {
    const day = istDateOf(this.now());
    if (this.loaded?.day !== day) {
      const table = this.download();
      const entry = { day, table };
      this.loaded = entry;
      table.catch(() => {
        if (this.loaded === entry) this.loaded = null;
      });
    }
    return (this.loaded as { table: Promise<KiteSymbolTable> }).table;
  }
}
