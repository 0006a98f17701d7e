import type { SimInstrument } from '@ats/market-sim';

/**
 * Fyers identifiers for the sim's universe. Exchange tokens are the real NSE/BSE scrip codes where
 * we know them, so captures and fixtures line up with production; the rest are assigned from the
 * instrument's index so every run of the sim agrees.
 */
const NSE_TOKENS: Record<string, number> = {
  RELIANCE: 2885,
  TCS: 11536,
  HDFCBANK: 1333,
  INFY: 1594,
  ICICIBANK: 4963,
  HINDUNILVR: 1394,
  ITC: 1660,
  SBIN: 3045,
  BHARTIARTL: 10604,
  KOTAKBANK: 1922,
  LT: 11483,
  AXISBANK: 5900,
  MARUTI: 10999,
  WIPRO: 3787,
  TATAMOTORS: 3456,
  TATASTEEL: 3499,
  YESBANK: 11915,
  IDEA: 14366,
};

const BSE_TOKENS: Record<string, number> = {
  RELIANCE: 500325,
  TCS: 532540,
  HDFCBANK: 500180,
  INFY: 500209,
  ICICIBANK: 532174,
  SBIN: 500112,
  ITC: 500875,
  LT: 500510,
  WIPRO: 507685,
  TATASTEEL: 500470,
};

export interface FyersSimSymbol {
  /** `NSE:INFY` — the sim market's key */
  key: string;
  inst: SimInstrument;
  /** `NSE:INFY-EQ` / `BSE:INFY-A` */
  ticker: string;
  exToken: string;
  /** 2-digit exchange + 2-digit segment + 6-digit expiry (zeros for cash) + exchange token */
  fyToken: string;
  /** 10 NSE, 12 BSE */
  exchangeCode: number;
  /** HSM segment name used in topics */
  hsmSegment: 'nse_cm' | 'bse_cm';
}

export function fyersSymbolsFor(instruments: readonly SimInstrument[]): FyersSimSymbol[] {
  return instruments.map((inst, i) => {
    const nse = inst.exchange === 'NSE';
    const known = (nse ? NSE_TOKENS : BSE_TOKENS)[inst.symbol];
    const exToken = String(known ?? (nse ? 20000 + i : 590000 + i));
    return {
      key: `${inst.exchange}:${inst.symbol}`,
      inst,
      ticker: `${inst.exchange}:${inst.symbol}-${nse ? 'EQ' : 'A'}`,
      exToken,
      fyToken: `${nse ? '1010' : '1210'}000000${exToken}`,
      exchangeCode: nse ? 10 : 12,
      hsmSegment: nse ? 'nse_cm' : 'bse_cm',
    };
  });
}

function rupees(paise: number): string {
  return `${Math.floor(paise / 100)}.${String(paise % 100).padStart(2, '0')}`;
}

/**
 * One symbol-master file (`NSE_CM.csv` / `BSE_CM.csv`) as Fyers publishes it: no header row;
 * Fytoken, Symbol Details, Exchange Instrument type, Minimum lot size, Tick size, ISIN, Trading
 * Session, Last update date, Expiry date, Symbol ticker, Exchange, Segment, Scrip code, Underlying
 * symbol, Underlying scrip code, Strike price, Option type, Underlying FyToken, 3 reserved columns.
 */
export function symbolMasterCsv(symbols: readonly FyersSimSymbol[], exchange: 'NSE' | 'BSE', lastUpdateEpochS: number): string {
  return symbols
    .filter((s) => s.inst.exchange === exchange)
    .map((s) =>
      [
        s.fyToken,
        s.inst.name,
        '0',
        String(s.inst.lotSize),
        rupees(s.inst.tickSizePaise),
        s.inst.isin,
        '0915-1530|1815-1915:',
        String(lastUpdateEpochS),
        '',
        s.ticker,
        String(s.exchangeCode),
        '10',
        s.exToken,
        s.inst.symbol,
        s.exToken,
        '-1.0',
        'XX',
        s.fyToken,
        'None',
        '0',
        '0.0',
      ].join(','),
    )
    .join('\n')
    .concat('\n');
}
