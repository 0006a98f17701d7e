import { SIM_INSTRUMENTS, type SimInstrument } from '@ats/market-sim';

export type DhanCashSegment = 'NSE_EQ' | 'BSE_EQ';

/** Dhan's binary feed segment enum (header byte 3). */
export const DHAN_FEED_SEGMENT: Record<DhanCashSegment, number> = { NSE_EQ: 1, BSE_EQ: 4 };

/**
 * Dhan's real security ids where known (NSE_EQ ids are the NSE exchange tokens, BSE_EQ ids the BSE
 * scrip codes), so logs from the sim look like logs from production.
 */
const KNOWN_IDS: Record<string, number> = {
  'NSE:INFY': 1594,
  'NSE:SBIN': 3045,
  'NSE:RELIANCE': 2885,
  'NSE:TCS': 11536,
  'NSE:HDFCBANK': 1333,
  'NSE:ICICIBANK': 4963,
  'NSE:ITC': 1660,
  'NSE:LT': 11483,
  'NSE:WIPRO': 3787,
  'NSE:TATASTEEL': 3499,
  'NSE:AXISBANK': 5900,
  'NSE:KOTAKBANK': 1922,
  'NSE:BHARTIARTL': 10604,
  'NSE:HINDUNILVR': 1394,
  'NSE:MARUTI': 10999,
  'NSE:SUNPHARMA': 3351,
  'NSE:BAJFINANCE': 317,
  'NSE:ASIANPAINT': 236,
  'NSE:TITAN': 3506,
  'NSE:HCLTECH': 7229,
  'NSE:TATAMOTORS': 3456,
  'NSE:NTPC': 11630,
  'NSE:ONGC': 2475,
  'NSE:M&M': 2031,
  'NSE:ADANIENT': 25,
  'NSE:COALINDIA': 20374,
  'NSE:JSWSTEEL': 11723,
  'NSE:TECHM': 13538,
  'NSE:CIPLA': 694,
  'NSE:YESBANK': 11915,
  'NSE:IDEA': 14366,
  'NSE:ZOMATO': 5097,
  'NSE:PNB': 10666,
  'NSE:POWERGRID': 14977,
  'NSE:ULTRACEMCO': 11532,
  'BSE:INFY': 500209,
  'BSE:SBIN': 500112,
  'BSE:RELIANCE': 500325,
  'BSE:TCS': 532540,
  'BSE:HDFCBANK': 500180,
  'BSE:ICICIBANK': 532174,
  'BSE:ITC': 500875,
  'BSE:LT': 500510,
  'BSE:WIPRO': 507685,
  'BSE:TATASTEEL': 500470,
};

export interface DhanSecurity {
  key: string;
  segment: DhanCashSegment;
  securityId: string;
  inst: SimInstrument;
}

/** Deterministic (segment, securityId) for every sim instrument: the real id, else 900000 + list position. */
export class DhanSecurities {
  private readonly byKey = new Map<string, DhanSecurity>();
  private readonly byId = new Map<string, DhanSecurity>();

  constructor(instruments: readonly SimInstrument[] = SIM_INSTRUMENTS) {
    instruments.forEach((inst, i) => {
      const key = `${inst.exchange}:${inst.symbol}`;
      const segment: DhanCashSegment = inst.exchange === 'NSE' ? 'NSE_EQ' : 'BSE_EQ';
      const securityId = String(KNOWN_IDS[key] ?? 900000 + i);
      const s: DhanSecurity = { key, segment, securityId, inst };
      this.byKey.set(key, s);
      this.byId.set(`${segment}|${securityId}`, s);
    });
  }

  forKey(key: string): DhanSecurity | undefined {
    return this.byKey.get(key);
  }

  find(segment: string, securityId: string): DhanSecurity | undefined {
    return this.byId.get(`${segment}|${securityId}`);
  }

  findByFeedSegment(segmentCode: number, securityId: number): DhanSecurity | undefined {
    const segment = (Object.keys(DHAN_FEED_SEGMENT) as DhanCashSegment[]).find((s) => DHAN_FEED_SEGMENT[s] === segmentCode);
    return segment ? this.find(segment, String(securityId)) : undefined;
  }

  all(): DhanSecurity[] {
    return [...this.byKey.values()];
  }

  /**
   * The compact scrip master (`api-scrip-master.csv`) as Dhan serves it: SEM_* columns in Dhan's
   * order, tick size in paise with four decimals, lot units as a float.
   */
  scripMasterCsv(): string {
    const header =
      'SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME';
    const rows = this.all().map((s) => {
      const { inst } = s;
      const series = inst.exchange === 'NSE' ? 'EQ' : 'A';
      const custom = inst.name.includes(',') ? `"${inst.name}"` : inst.name;
      return [
        inst.exchange,
        'E',
        s.securityId,
        'EQUITY',
        '',
        inst.symbol,
        `${inst.lotSize.toFixed(1)}`,
        custom,
        '',
        '',
        'XX',
        inst.tickSizePaise.toFixed(4),
        'NA',
        'ES',
        series,
        custom,
      ].join(',');
    });
    // A derivative and an index row, so a parser that does not filter by segment is caught.
    rows.push('NSE,D,35001,FUTSTK,0,INFY-Aug2026-FUT,400.0,INFY AUG FUT,2026-08-27 14:30:00,-0.01000,XX,10.0000,M,FUTSTK,NA,INFOSYS');
    rows.push('NSE,I,13,INDEX,,NIFTY,1.0,Nifty 50,,,XX,0.0000,NA,INDEX,NA,NIFTY');
    return `${header}\n${rows.join('\n')}\n`;
  }
}
