import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KiteInstrumentCache, parseKiteInstrumentsCsv, type KiteSymbolTable } from './zerodha-symbols';

const FIXTURES = fileURLToPath(new URL('../../../../../../shared/fixtures/kite', import.meta.url));
const csv = (name: string): string => readFileSync(`${FIXTURES}/${name}`, 'utf8');

describe('parseKiteInstrumentsCsv', () => {
  it('maps the NSE master to our instruments with paise tick sizes', () => {
    const t = parseKiteInstrumentsCsv(csv('instruments_nse.csv'));
    expect(t.instruments).toHaveLength(99);
    expect(t.instruments[0]).toEqual({ id: 'NSE:CENTRALBK-BE', exchange: 'NSE', symbol: 'CENTRALBK-BE', name: 'CENTRAL BANK OF INDIA', tickSizePaise: 5, lotSize: 1 });
    expect(t.instruments[2]?.tickSizePaise).toBe(1);
    expect(t.tokenOf('NSE:CENTRALBK-BE')).toBe(3813889);
    expect(t.idOf(3813889)).toBe('NSE:CENTRALBK-BE');
  });

  it('keeps only NSE/BSE cash equities from the full master (no options, no indices)', () => {
    const t = parseKiteInstrumentsCsv(csv('instruments_all.csv'));
    expect(t.instruments).toHaveLength(55 + 19);
    expect(new Set(t.instruments.map((i) => i.exchange))).toEqual(new Set(['NSE', 'BSE']));
    const withIndex = `${csv('instruments_nse.csv')}256265,1001,NIFTY 50,NIFTY 50,0.0,,0.0,0.0,0,EQ,INDICES,NSE\n`;
    expect(parseKiteInstrumentsCsv(withIndex).idOf(256265)).toBeUndefined();
  });

  it('reads quoted names that contain commas', () => {
    const head = csv('instruments_nse.csv').split('\n')[0];
    const t = parseKiteInstrumentsCsv(`${head}\n408065,1594,INFY,"INFOSYS, LTD",0.0,,0.0,0.05,1,EQ,NSE,NSE\n`);
    expect(t.instruments[0]?.name).toBe('INFOSYS, LTD');
  });

  it('refuses a file whose header is not the Kite master', () => {
    expect(() => parseKiteInstrumentsCsv('a,b,c\n1,2,3\n')).toThrow(/header/);
  });
});

describe('KiteInstrumentCache', () => {
  const empty: KiteSymbolTable = { instruments: [], tokenOf: () => undefined, idOf: () => undefined };

  it('downloads once per IST day and retries after a failure', async () => {
    let now = Date.parse('2026-03-10T03:00:00Z');
    let calls = 0;
    let fail = true;
    const cache = new KiteInstrumentCache(async () => {
      calls += 1;
      if (fail) throw new Error('down');
      return empty;
    }, () => now);
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    await cache.get();
    await cache.get();
    expect(calls).toBe(2);
    now += 24 * 3_600_000;
    await cache.get();
    expect(calls).toBe(3);
  });
});
