import { SIM_INSTRUMENTS, type SimInstrument } from '@ats/market-sim';

/** Kite's segment ids: the low byte of every instrument_token. */
export const KITE_SEGMENT = { NSE: 1, NFO: 2, CDS: 3, BSE: 4, BFO: 5, BCD: 6, MCX: 7, MCXSX: 8, INDICES: 9 } as const;

export const KITE_INSTRUMENTS_HEADER =
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

export interface KiteSimInstrument {
  instrumentToken: number;
  exchangeToken: number;
  exchange: 'NSE' | 'BSE';
  tradingsymbol: string;
  name: string;
  tickSizePaise: number;
  lotSize: number;
  /** `EXCHANGE:SYMBOL`, the sim market's key */
  key: string;
}

/** Real exchange tokens where fixtures depend on them (NSE:INFY → 408065 in every Kite mock). */
const REAL_EXCHANGE_TOKENS: Record<string, number> = { 'NSE:INFY': 1594 };

/** Index rows that Kite lists in the master but that are not tradable (segment INDICES). */
const INDEX_ROWS = [
  { instrumentToken: 256265, exchangeToken: 1001, tradingsymbol: 'NIFTY 50', name: 'NIFTY 50', exchange: 'NSE' },
  { instrumentToken: 265, exchangeToken: 1, tradingsymbol: 'SENSEX', name: 'SENSEX', exchange: 'BSE' },
];

function exchangeTokenFor(inst: SimInstrument, index: number): number {
  // Sim tokens start well above INFY's real 1594 so they can never collide with it.
  return REAL_EXCHANGE_TOKENS[`${inst.exchange}:${inst.symbol}`] ?? 5000 + index;
}

/** Deterministic Kite tokens for the sim universe: the same instrument always has the same token. */
export function kiteSimInstruments(list: readonly SimInstrument[] = SIM_INSTRUMENTS): KiteSimInstrument[] {
  return list.map((inst, i) => {
    const exchangeToken = exchangeTokenFor(inst, i);
    return {
      instrumentToken: exchangeToken * 256 + KITE_SEGMENT[inst.exchange],
      exchangeToken,
      exchange: inst.exchange,
      tradingsymbol: inst.symbol,
      name: inst.name,
      tickSizePaise: inst.tickSizePaise,
      lotSize: inst.lotSize,
      key: `${inst.exchange}:${inst.symbol}`,
    };
  });
}

function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function rupeeText(paise: number): string {
  // Kite writes tick sizes like 0.05 and last prices like 0.0.
  const r = paise / 100;
  return Number.isInteger(r) ? r.toFixed(1) : String(r);
}

/** The instrument master CSV exactly as `GET /instruments[/{exchange}]` serves it. */
export function kiteInstrumentsCsv(list: readonly KiteSimInstrument[], exchange?: string): string {
  const rows = [KITE_INSTRUMENTS_HEADER];
  for (const i of list) {
    if (exchange && i.exchange !== exchange) continue;
    rows.push(
      [i.instrumentToken, i.exchangeToken, csvField(i.tradingsymbol), csvField(i.name), '0.0', '', '0.0', rupeeText(i.tickSizePaise), i.lotSize, 'EQ', i.exchange, i.exchange].join(','),
    );
  }
  for (const x of INDEX_ROWS) {
    if (exchange && x.exchange !== exchange) continue;
    rows.push([x.instrumentToken, x.exchangeToken, x.tradingsymbol, x.name, '0.0', '', '0.0', '0.0', 0, 'EQ', 'INDICES', x.exchange].join(','));
  }
  // Kite's master has CRLF line endings, like the mock files.
  return `${rows.join('\r\n')}\r\n`;
}
