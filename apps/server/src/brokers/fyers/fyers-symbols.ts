import { instrumentId, type Exchange, type Instrument, type InstrumentId } from '../../domain/instrument';
import { rupeesToPaise } from '../../domain/price';
import { splitCsvLine } from '../formats/csv-line';

/**
 * Fyers symbology for cash equities: `NSE:INFY-EQ` (series EQ) and `BSE:INFY-A` (BSE group letter).
 * Nothing outside this folder sees these strings.
 */

/** Our id → Fyers ticker. BSE groups vary per scrip; the master knows, and `A` is the common case. */
export function toFyersSymbol(id: InstrumentId, bseGroup = 'A'): string {
  const i = id.indexOf(':');
  const exchange = id.slice(0, i);
  const symbol = id.slice(i + 1);
  return exchange === 'BSE' ? `BSE:${symbol}-${bseGroup}` : `NSE:${symbol}-EQ`;
}

/** Fyers ticker → our id; null for anything that is not NSE/BSE cash (`-INDEX`, futures, options...). */
export function fromFyersSymbol(ticker: string): InstrumentId | null {
  const i = ticker.indexOf(':');
  const dash = ticker.lastIndexOf('-');
  if (i <= 0 || dash <= i + 1) return null;
  const exchange = ticker.slice(0, i);
  const series = ticker.slice(dash + 1);
  if (exchange !== 'NSE' && exchange !== 'BSE') return null;
  if (series === 'INDEX') return null;
  return instrumentId(exchange as Exchange, ticker.slice(i + 1, dash));
}

export interface FyersMasterRow {
  instrument: Instrument;
  ticker: string;
  fyToken: string;
  exchangeToken: string;
}

/**
 * Parses one headerless symbol-master CSV (`NSE_CM.csv`, `BSE_CM.csv`; columns per brokers.md §3.7).
 * Keeps cash equities only: NSE series EQ and the BSE equity groups.
 */
export function parseFyersSymbolMaster(csv: string): FyersMasterRow[] {
  const out: FyersMasterRow[] = [];
  for (const line of csv.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const c = splitCsvLine(line);
    const fyToken = c[0] ?? '';
    const name = c[1] ?? '';
    const lot = Number(c[3]);
    const tick = c[4] ?? '';
    const ticker = c[9] ?? '';
    const exchangeToken = c[12] ?? '';
    if (!fyToken || !ticker || !/^\d+(\.\d+)?$/.test(tick)) continue;
    // Segment 10 is the cash market; instrument type 0 is equity (EQ/A/B... series).
    if (c[11] !== '10' || c[2] !== '0') continue;
    if (ticker.startsWith('NSE:') && !ticker.endsWith('-EQ')) continue;
    const id = fromFyersSymbol(ticker);
    if (!id) continue;
    const i = id.indexOf(':');
    out.push({
      instrument: {
        id,
        exchange: id.slice(0, i) as Exchange,
        symbol: id.slice(i + 1),
        name,
        tickSizePaise: rupeesToPaise(tick),
        lotSize: Number.isInteger(lot) && lot > 0 ? lot : 1,
      },
      ticker,
      fyToken,
      exchangeToken,
    });
  }
  return out;
}


/** HSM segment names from a fytoken's first four digits (brokers.md §3.6). */
const HSM_SEGMENTS: Record<string, string> = {
  '1010': 'nse_cm',
  '1011': 'nse_fo',
  '1012': 'cde_fo',
  '1020': 'nse_com',
  '1120': 'mcx_fo',
  '1210': 'bse_cm',
  '1211': 'bse_fo',
  '1212': 'bcs_fo',
};

/** `10100000001594` → `sf|nse_cm|1594`: the HSM quote topic for a fytoken. */
export function hsmTopicForFyToken(fyToken: string): string | null {
  const seg = HSM_SEGMENTS[fyToken.slice(0, 4)];
  const token = fyToken.slice(10);
  if (!seg || !token) return null;
  return `sf|${seg}|${token}`;
}

/** Master rows for one connector, loaded once and refreshed when the IST trading day changes. */
export class FyersSymbolMaster {
  private rows: FyersMasterRow[] | null = null;
  private byId = new Map<InstrumentId, FyersMasterRow>();
  private loadedDay = '';
  private loading: Promise<FyersMasterRow[]> | null = null;

  constructor(
    private readonly fetchCsv: (file: 'NSE_CM.csv' | 'BSE_CM.csv') => Promise<string>,
    private readonly now: () => number = Date.now,
  ) {}

  async all(): Promise<FyersMasterRow[]> {
    const day = new Date(this.now() + 330 * 60_000).toISOString().slice(0, 10);
    if (this.rows && this.loadedDay === day) return this.rows;
    if (!this.loading) {
      this.loading = (async () => {
        try {
          const [nse, bse] = await Promise.all([this.fetchCsv('NSE_CM.csv'), this.fetchCsv('BSE_CM.csv')]);
          const rows = [...parseFyersSymbolMaster(nse), ...parseFyersSymbolMaster(bse)];
          this.rows = rows;
          this.byId = new Map(rows.map((r) => [r.instrument.id, r]));
          this.loadedDay = day;
          return rows;
        } finally {
          this.loading = null;
        }
      })();
    }
    return this.loading;
  }

  /** Cached rows only (no fetch): lets the order path use the master when present without waiting on it. */
  cached(id: InstrumentId): FyersMasterRow | undefined {
    return this.byId.get(id);
  }
}
