import { describe, expect, it } from 'vitest';
import { DhanSecurities } from '../../../../../packages/broker-sims/src/dhan/dhan-securities';
import { DhanSymbolTable, dhanTickSizeToPaise } from './dhan-symbols';

const HEADER =
  'SEM_EXM_EXCH_ID,SEM_SEGMENT,SEM_SMST_SECURITY_ID,SEM_INSTRUMENT_NAME,SEM_EXPIRY_CODE,SEM_TRADING_SYMBOL,SEM_LOT_UNITS,SEM_CUSTOM_SYMBOL,SEM_EXPIRY_DATE,SEM_STRIKE_PRICE,SEM_OPTION_TYPE,SEM_TICK_SIZE,SEM_EXPIRY_FLAG,SEM_EXCH_INSTRUMENT_TYPE,SEM_SERIES,SM_SYMBOL_NAME';

describe('DhanSymbolTable', () => {
  it('keeps NSE/BSE cash equities and maps both ways', () => {
    const csv = [
      HEADER,
      'NSE,E,1594,EQUITY,,INFY,1.0,Infosys,,,XX,5.0000,NA,ES,EQ,INFOSYS LIMITED',
      'BSE,E,500209,EQUITY,,INFY,1.0,Infosys,,,XX,5.0000,NA,ES,A,INFOSYS LIMITED',
      'NSE,E,18391,EQUITY,,ABCD,1.0,"Abc, Ltd",,,XX,1.0000,NA,ES,GS,"ABC, LTD"',
      'NSE,D,35001,FUTSTK,0,INFY-Aug2026-FUT,400.0,INFY AUG FUT,2026-08-27 14:30:00,-0.01000,XX,10.0000,M,FUTSTK,NA,INFOSYS',
      'NSE,I,13,INDEX,,NIFTY,1.0,Nifty 50,,,XX,0.0000,NA,INDEX,NA,NIFTY',
      '',
    ].join('\r\n');
    const t = DhanSymbolTable.fromCompactCsv(csv);
    expect(t.size).toBe(2);
    expect(t.instruments()[0]).toEqual({ id: 'NSE:INFY', exchange: 'NSE', symbol: 'INFY', name: 'INFOSYS LIMITED', tickSizePaise: 5, lotSize: 1 });
    expect(t.ref('NSE:INFY')).toEqual({ id: 'NSE:INFY', exchangeSegment: 'NSE_EQ', securityId: '1594', tickPaise: 5 });
    expect(t.find('BSE_EQ', 500209)?.id).toBe('BSE:INFY');
    expect(t.find('NSE_FNO', '35001')).toBeUndefined();
  });

  it("parses the sim's scrip master (real Dhan ids for known names)", () => {
    const t = DhanSymbolTable.fromCompactCsv(new DhanSecurities().scripMasterCsv());
    expect(t.ref('NSE:INFY')?.securityId).toBe('1594');
    expect(t.ref('NSE:SBIN')?.securityId).toBe('3045');
    expect(t.ref('NSE:RELIANCE')?.securityId).toBe('2885');
    expect(t.ref('NSE:TCS')?.securityId).toBe('11536');
    expect(t.ref('NSE:M&M')).toBeDefined();
    expect(t.ref('NSE:IDEA')?.tickPaise).toBe(1);
  });

  it('reads SEM_TICK_SIZE as paise (and a sub-1 value as rupees)', () => {
    expect(dhanTickSizeToPaise('5.0000')).toBe(5);
    expect(dhanTickSizeToPaise('1.0000')).toBe(1);
    expect(dhanTickSizeToPaise('0.05')).toBe(5);
    expect(dhanTickSizeToPaise('0.0000')).toBeNull();
    expect(dhanTickSizeToPaise('abc')).toBeNull();
  });
});
