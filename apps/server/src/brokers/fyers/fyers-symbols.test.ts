import { describe, expect, it } from 'vitest';
import { fromFyersSymbol, FyersSymbolMaster, hsmTopicForFyToken, parseFyersSymbolMaster, toFyersSymbol } from './fyers-symbols';

const NSE_CSV = [
  '10100000001594,INFOSYS LIMITED,0,1,0.05,INE009A01021,0915-1530|1815-1915:,1767000000,,NSE:INFY-EQ,10,10,1594,INFY,1594,-1.0,XX,10100000001594,None,0,0.0',
  '10100000011915,YES BANK LIMITED,0,1,0.01,INE528G01035,0915-1530|1815-1915:,1767000000,,NSE:YESBANK-EQ,10,10,11915,YESBANK,11915,-1.0,XX,10100000011915,None,0,0.0',
  '10100000016669,"BAJAJ AUTO, LTD",0,1,0.05,INE917I01010,0915-1530|1815-1915:,1767000000,,NSE:BAJAJ-AUTO-EQ,10,10,16669,BAJAJ-AUTO,16669,-1.0,XX,10100000016669,None,0,0.0',
  '10100000099999,SOME BOND,0,1,0.01,INE000000000,0915-1530|1815-1915:,1767000000,,NSE:SOMEBOND-GB,10,10,99999,SOMEBOND,99999,-1.0,XX,10100000099999,None,0,0.0',
  '101000000026000,Nifty 50,10,1,0.05,,0915-1530|1815-1915:,1767000000,,NSE:NIFTY50-INDEX,10,10,26000,NIFTY50,26000,-1.0,XX,101000000026000,None,0,0.0',
].join('\n');

describe('Fyers symbology', () => {
  it('maps our ids to Fyers tickers and back', () => {
    expect(toFyersSymbol('NSE:INFY')).toBe('NSE:INFY-EQ');
    expect(toFyersSymbol('BSE:INFY')).toBe('BSE:INFY-A');
    expect(toFyersSymbol('BSE:YESBANK', 'B')).toBe('BSE:YESBANK-B');
    expect(fromFyersSymbol('NSE:INFY-EQ')).toBe('NSE:INFY');
    expect(fromFyersSymbol('NSE:BAJAJ-AUTO-EQ')).toBe('NSE:BAJAJ-AUTO');
    expect(fromFyersSymbol('NSE:M&M-EQ')).toBe('NSE:M&M');
    expect(fromFyersSymbol('BSE:SBIN-A')).toBe('BSE:SBIN');
    expect(fromFyersSymbol('NSE:NIFTY50-INDEX')).toBeNull();
    expect(fromFyersSymbol('MCX:CRUDEOIL20OCTFUT')).toBeNull();
  });

  it('parses the headerless master CSV: equities only, tick in paise, quoted names', () => {
    const rows = parseFyersSymbolMaster(NSE_CSV);
    expect(rows.map((r) => r.instrument.id)).toEqual(['NSE:INFY', 'NSE:YESBANK', 'NSE:BAJAJ-AUTO']);
    expect(rows[0]).toEqual({
      instrument: { id: 'NSE:INFY', exchange: 'NSE', symbol: 'INFY', name: 'INFOSYS LIMITED', tickSizePaise: 5, lotSize: 1 },
      ticker: 'NSE:INFY-EQ',
      fyToken: '10100000001594',
      exchangeToken: '1594',
    });
    expect(rows[1]?.instrument.tickSizePaise).toBe(1);
    expect(rows[2]?.instrument.name).toBe('BAJAJ AUTO, LTD');
  });

  it('derives HSM topics from fytokens', () => {
    expect(hsmTopicForFyToken('10100000003045')).toBe('sf|nse_cm|3045');
    expect(hsmTopicForFyToken('1210000000500209')).toBe('sf|bse_cm|500209');
    expect(hsmTopicForFyToken('9999000000123')).toBeNull();
  });

  it('loads the master once per IST day', async () => {
    let fetches = 0;
    let now = Date.UTC(2026, 0, 5, 3, 0, 0);
    const master = new FyersSymbolMaster(
      async (file) => {
        fetches += 1;
        return file === 'NSE_CM.csv' ? NSE_CSV : '';
      },
      () => now,
    );
    await Promise.all([master.all(), master.all()]);
    await master.all();
    expect(fetches).toBe(2);
    expect(master.cached('NSE:INFY')?.ticker).toBe('NSE:INFY-EQ');
    now += 86_400_000;
    await master.all();
    expect(fetches).toBe(4);
  });
});
