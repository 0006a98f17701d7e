import type { Exchange, Instrument, InstrumentId } from '../../domain/instrument';
import { paise } from '../../domain/price';
import { splitCsvLine } from '../formats/csv-line';

/** Where one of our instruments lives at Dhan: the instrument key is (exchangeSegment, securityId). */
export interface DhanSecurityRef {
  id: InstrumentId;
  exchangeSegment: 'NSE_EQ' | 'BSE_EQ';
  securityId: string;
  tickPaise: number;
}

const SEGMENT_FOR: Record<Exchange, DhanSecurityRef['exchangeSegment']> = { NSE: 'NSE_EQ', BSE: 'BSE_EQ' };
/** NSE rolling-settlement series we trade; BE/BZ are trade-for-trade but still cash equities. */
const NSE_SERIES = new Set(['EQ', 'BE', 'BZ', 'SM', 'ST']);


/**
 * SEM_TICK_SIZE in the compact master is in paise ("5.0000" = 5 paise); a value below 1 can only be
 * rupees (some mirrors print "0.05"), so read it as such.
 */
export function dhanTickSizeToPaise(raw: string): number | null {
  const v = Number(raw.trim());
  if (!Number.isFinite(v) || v <= 0) return null;
  return Math.max(1, Math.round(v < 1 ? v * 100 : v));
}

/** NSE/BSE cash equities from Dhan's compact scrip master, indexed both ways. */
export class DhanSymbolTable {
  private readonly byId = new Map<InstrumentId, DhanSecurityRef>();
  private readonly bySecurity = new Map<string, DhanSecurityRef>();
  private readonly list: Instrument[] = [];

  static fromCompactCsv(csv: string): DhanSymbolTable {
    const t = new DhanSymbolTable();
    const lines = csv.split(/\r?\n/);
    const head = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
    const col = (name: string): number => head.indexOf(name);
    const iExch = col('SEM_EXM_EXCH_ID');
    const iSeg = col('SEM_SEGMENT');
    const iId = col('SEM_SMST_SECURITY_ID');
    const iInst = col('SEM_INSTRUMENT_NAME');
    const iSym = col('SEM_TRADING_SYMBOL');
    const iLot = col('SEM_LOT_UNITS');
    const iTick = col('SEM_TICK_SIZE');
    const iSeries = col('SEM_SERIES');
    const iName = col('SM_SYMBOL_NAME');
    const iCustom = col('SEM_CUSTOM_SYMBOL');
    if ([iExch, iSeg, iId, iSym, iTick].some((i) => i < 0)) throw new Error('Dhan scrip master: missing SEM_* columns');
    for (let n = 1; n < lines.length; n++) {
      const line = lines[n];
      if (!line) continue;
      const f = splitCsvLine(line);
      const exchange = (f[iExch] ?? '').trim();
      if ((exchange !== 'NSE' && exchange !== 'BSE') || (f[iSeg] ?? '').trim() !== 'E') continue;
      if (iInst >= 0 && (f[iInst] ?? '').trim() !== 'EQUITY') continue;
      const series = iSeries >= 0 ? (f[iSeries] ?? '').trim() : 'EQ';
      if (exchange === 'NSE' && !NSE_SERIES.has(series)) continue;
      const symbol = (f[iSym] ?? '').trim().toUpperCase();
      const securityId = (f[iId] ?? '').trim();
      const tick = dhanTickSizeToPaise(f[iTick] ?? '');
      if (!symbol || !securityId || tick === null) continue;
      const lot = Math.max(1, Math.round(Number(iLot >= 0 ? f[iLot] : 1) || 1));
      const name = ((iName >= 0 ? f[iName] : '') || (iCustom >= 0 ? f[iCustom] : '') || symbol).trim();
      t.add({ exchange, symbol, name, tickSizePaise: paise(tick), lotSize: lot, id: `${exchange}:${symbol}` }, securityId);
    }
    return t;
  }

  private add(inst: Instrument, securityId: string): void {
    // A symbol listed twice (EQ and BE in one file) keeps its first, normally EQ, row.
    if (this.byId.has(inst.id)) return;
    const ref: DhanSecurityRef = { id: inst.id, exchangeSegment: SEGMENT_FOR[inst.exchange], securityId, tickPaise: inst.tickSizePaise };
    this.byId.set(inst.id, ref);
    this.bySecurity.set(`${ref.exchangeSegment}|${securityId}`, ref);
    this.list.push(inst);
  }

  ref(id: InstrumentId): DhanSecurityRef | undefined {
    return this.byId.get(id);
  }

  find(exchangeSegment: string, securityId: string | number): DhanSecurityRef | undefined {
    return this.bySecurity.get(`${exchangeSegment}|${String(securityId)}`);
  }

  instruments(): Instrument[] {
    return [...this.list];
  }

  get size(): number {
    return this.list.length;
  }
}
