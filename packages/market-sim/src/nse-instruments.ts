/**
 * The bundled instrument list for embedded/paper mode and the broker sims: liquid NSE and BSE
 * cash equities with a plausible reference price in paise. Tokens are per-broker and assigned by
 * each sim from `index`, so every sim sees the same universe.
 */
export interface SimInstrument {
  exchange: 'NSE' | 'BSE';
  symbol: string;
  name: string;
  tickSizePaise: number;
  lotSize: number;
  /** reference price in paise where the random walk starts */
  basePaise: number;
  isin: string;
}

const NSE_LIST: Array<[string, string, number, string]> = [
  ['RELIANCE', 'RELIANCE INDUSTRIES', 290000, 'INE002A01018'],
  ['TCS', 'TATA CONSULTANCY SERV', 410000, 'INE467B01029'],
  ['HDFCBANK', 'HDFC BANK', 170000, 'INE040A01034'],
  ['INFY', 'INFOSYS', 157315, 'INE009A01021'],
  ['ICICIBANK', 'ICICI BANK', 125000, 'INE090A01021'],
  ['HINDUNILVR', 'HINDUSTAN UNILEVER', 240000, 'INE030A01027'],
  ['ITC', 'ITC', 46000, 'INE154A01025'],
  ['SBIN', 'STATE BANK OF INDIA', 80000, 'INE062A01020'],
  ['BHARTIARTL', 'BHARTI AIRTEL', 160000, 'INE397D01024'],
  ['KOTAKBANK', 'KOTAK MAHINDRA BANK', 180000, 'INE237A01028'],
  ['LT', 'LARSEN & TOUBRO', 360000, 'INE018A01030'],
  ['AXISBANK', 'AXIS BANK', 115000, 'INE238A01034'],
  ['ASIANPAINT', 'ASIAN PAINTS', 290000, 'INE021A01026'],
  ['MARUTI', 'MARUTI SUZUKI INDIA', 1250000, 'INE585B01010'],
  ['TITAN', 'TITAN COMPANY', 350000, 'INE280A01028'],
  ['SUNPHARMA', 'SUN PHARMACEUTICAL IND', 175000, 'INE044A01036'],
  ['BAJFINANCE', 'BAJAJ FINANCE', 720000, 'INE296A01024'],
  ['WIPRO', 'WIPRO', 29000, 'INE075A01022'],
  ['ULTRACEMCO', 'ULTRATECH CEMENT', 1100000, 'INE481G01011'],
  ['NESTLEIND', 'NESTLE INDIA', 240000, 'INE239A01024'],
  ['HCLTECH', 'HCL TECHNOLOGIES', 165000, 'INE860A01027'],
  ['TATAMOTORS', 'TATA MOTORS', 75000, 'INE155A01022'],
  ['TATASTEEL', 'TATA STEEL', 15000, 'INE081A01020'],
  ['POWERGRID', 'POWER GRID CORP', 31000, 'INE752E01010'],
  ['NTPC', 'NTPC', 35000, 'INE733E01010'],
  ['ONGC', 'OIL AND NATURAL GAS CORP', 25000, 'INE213A01029'],
  ['M&M', 'MAHINDRA & MAHINDRA', 300000, 'INE101A01026'],
  ['ADANIENT', 'ADANI ENTERPRISES', 240000, 'INE423A01024'],
  ['ADANIPORTS', 'ADANI PORTS AND SEZ', 140000, 'INE742F01042'],
  ['COALINDIA', 'COAL INDIA', 39000, 'INE522F01014'],
  ['JSWSTEEL', 'JSW STEEL', 100000, 'INE019A01038'],
  ['GRASIM', 'GRASIM INDUSTRIES', 270000, 'INE047A01021'],
  ['TECHM', 'TECH MAHINDRA', 160000, 'INE669C01036'],
  ['HDFCLIFE', 'HDFC LIFE INSURANCE', 75000, 'INE795G01014'],
  ['SBILIFE', 'SBI LIFE INSURANCE', 180000, 'INE123W01016'],
  ['BAJAJFINSV', 'BAJAJ FINSERV', 200000, 'INE918I01026'],
  ['DRREDDY', 'DR. REDDYS LABORATORIES', 125000, 'INE089A01031'],
  ['CIPLA', 'CIPLA', 150000, 'INE059A01026'],
  ['EICHERMOT', 'EICHER MOTORS', 550000, 'INE066A01021'],
  ['HEROMOTOCO', 'HERO MOTOCORP', 430000, 'INE158A01026'],
  ['BRITANNIA', 'BRITANNIA INDUSTRIES', 560000, 'INE216A01030'],
  ['APOLLOHOSP', 'APOLLO HOSPITALS', 700000, 'INE437A01024'],
  ['DIVISLAB', 'DIVIS LABORATORIES', 600000, 'INE361B01024'],
  ['INDUSINDBK', 'INDUSIND BANK', 80000, 'INE095A01012'],
  ['BPCL', 'BHARAT PETROLEUM CORP', 32000, 'INE029A01011'],
  ['HINDALCO', 'HINDALCO INDUSTRIES', 70000, 'INE038A01020'],
  ['SHRIRAMFIN', 'SHRIRAM FINANCE', 65000, 'INE721A01047'],
  ['TRENT', 'TRENT', 520000, 'INE849A01020'],
  ['BEL', 'BHARAT ELECTRONICS', 40000, 'INE263A01024'],
  ['YESBANK', 'YES BANK', 2000, 'INE528G01035'],
  ['IDEA', 'VODAFONE IDEA', 800, 'INE669E01016'],
  ['ZOMATO', 'ZOMATO', 25000, 'INE758T01015'],
  ['IRCTC', 'INDIAN RAIL TOUR CORP', 78000, 'INE335Y01020'],
  ['PNB', 'PUNJAB NATIONAL BANK', 10500, 'INE160A01022'],
];

/** The same names on BSE, with a one-paise-different reference so the two books never look identical. */
const BSE_SUBSET = ['RELIANCE', 'TCS', 'HDFCBANK', 'INFY', 'ICICIBANK', 'SBIN', 'ITC', 'LT', 'WIPRO', 'TATASTEEL'];

/** Low-priced names trade in 1-paisa ticks on NSE; everything else here in 5 paise. */
function tickFor(basePaise: number): number {
  return basePaise < 2500 ? 1 : 5;
}

export const SIM_INSTRUMENTS: readonly SimInstrument[] = [
  ...NSE_LIST.map(([symbol, name, basePaise, isin]) => ({
    exchange: 'NSE' as const,
    symbol,
    name,
    tickSizePaise: tickFor(basePaise),
    lotSize: 1,
    basePaise,
    isin,
  })),
  ...NSE_LIST.filter(([s]) => BSE_SUBSET.includes(s)).map(([symbol, name, basePaise, isin]) => ({
    exchange: 'BSE' as const,
    symbol,
    name,
    tickSizePaise: tickFor(basePaise),
    lotSize: 1,
    basePaise: basePaise + 5,
    isin,
  })),
];
