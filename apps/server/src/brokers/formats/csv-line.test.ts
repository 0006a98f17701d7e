import { describe, expect, it } from 'vitest';
import { splitCsvLine } from './csv-line';

describe('splitCsvLine', () => {
  it('splits plain and quoted fields', () => {
    expect(splitCsvLine('408065,1594,INFY,INFOSYS,0')).toEqual(['408065', '1594', 'INFY', 'INFOSYS', '0']);
    expect(splitCsvLine('1,"LARSEN & TOUBRO, LTD",x')).toEqual(['1', 'LARSEN & TOUBRO, LTD', 'x']);
    expect(splitCsvLine('"a ""quoted"" name",,')).toEqual(['a "quoted" name', '', '']);
  });
});
