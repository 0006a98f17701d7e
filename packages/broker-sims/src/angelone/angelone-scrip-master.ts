import type { SimInstrument } from '@ats/market-sim';

/** One row of Angel's OpenAPIScripMaster.json: every value is a string, prices in paise. */
export interface AngelScripRow {
  token: string;
  symbol: string;
  name: string;
  expiry: string;
  strike: string;
  lotsize: string;
  instrumenttype: string;
  exch_seg: string;
  tick_size: string;
}

/** SmartStream exchange types for the segments the sim trades. */
export const STREAM_EXCHANGE_TYPE: Record<string, number> = { NSE: 1, BSE: 3 };

// Real exchange tokens where we know them; Angel uses the exchange's own token (BSE: scrip code).
const KNOWN_TOKENS: Record<string, string> = {
  'NSE:INFY': '1594',
  'NSE:SBIN': '3045',
  'NSE:RELIANCE': '2885',
  'NSE:TCS': '11536',
  'NSE:HDFCBANK': '1333',
  'NSE:ICICIBANK': '4963',
  'NSE:ITC': '1660',
  'NSE:WIPRO': '3787',
  'NSE:LT': '11483',
  'NSE:TATASTEEL': '3499',
  'BSE:INFY': '500209',
  'BSE:SBIN': '500112',
  'BSE:RELIANCE': '500325',
  'BSE:TCS': '532540',
  'BSE:HDFCBANK': '500180',
  'BSE:ICICIBANK': '532174',
  'BSE:ITC': '500875',
  'BSE:LT': '500510',
  'BSE:WIPRO': '507685',
  'BSE:TATASTEEL': '500470',
};

/** An instrument as the Angel sim addresses it on the wire. */
export interface AngelSimScrip {
  key: string;
  exchange: string;
  tradingsymbol: string;
  token: string;
  exchangeType: number;
}

/**
 * The sim's scrip table: the shared sim universe with Angel's tokens and trading symbols (`INFY-EQ`
 * on NSE, plain `INFY` on BSE), plus the master file rows exactly as Angel serves them.
 */
export class AngelSimScripMaster {
  private readonly byKey = new Map<string, AngelSimScrip>();
  private readonly byToken = new Map<string, AngelSimScrip>();
  readonly rows: AngelScripRow[] = [];

  constructor(instruments: readonly SimInstrument[]) {
    instruments.forEach((inst, i) => {
      const key = `${inst.exchange}:${inst.symbol}`;
      // Unknown tokens are derived from the universe index, far from the real ones above.
      const token = KNOWN_TOKENS[key] ?? String((inst.exchange === 'NSE' ? 90_000 : 990_000) + i);
      const tradingsymbol = inst.exchange === 'NSE' ? `${inst.symbol}-EQ` : inst.symbol;
      const scrip: AngelSimScrip = { key, exchange: inst.exchange, tradingsymbol, token, exchangeType: STREAM_EXCHANGE_TYPE[inst.exchange] ?? 1 };
      this.byKey.set(key, scrip);
      this.byToken.set(`${scrip.exchangeType}:${token}`, scrip);
      this.rows.push({
        token,
        symbol: tradingsymbol,
        name: inst.symbol,
        expiry: '',
        strike: '-1.000000',
        lotsize: String(inst.lotSize),
        instrumenttype: '',
        exch_seg: inst.exchange,
        tick_size: `${inst.tickSizePaise.toFixed(6)}`,
      });
    });
    // Real masters mix indices into the same file; adapters must skip them.
    this.rows.push({ token: '99926000', symbol: 'Nifty 50', name: 'NIFTY', expiry: '', strike: '0.000000', lotsize: '1', instrumenttype: 'AMXIDX', exch_seg: 'NSE', tick_size: '0.000000' });
  }

  byInstrumentKey(key: string): AngelSimScrip | undefined {
    return this.byKey.get(key);
  }

  byStreamToken(exchangeType: number, token: string): AngelSimScrip | undefined {
    return this.byToken.get(`${exchangeType}:${token}`);
  }

  /** What an order or LTP request names: all three must agree, as at Angel. */
  resolve(exchange: unknown, tradingsymbol: unknown, symboltoken: unknown): AngelSimScrip | undefined {
    for (const s of this.byKey.values()) {
      if (s.exchange === exchange && s.tradingsymbol === tradingsymbol && s.token === String(symboltoken)) return s;
    }
    return undefined;
  }
}
