import { instrumentId, type Exchange, type Instrument, type InstrumentId } from '../../domain/instrument';
import { paise } from '../../domain/price';
import { BrokerError } from '../../domain/errors';
import type { HttpClient } from '../transport/http-client';

/** How Angel addresses one of our instruments: orders by (exchange, tradingsymbol, symboltoken), the stream by (exchangeType, token). */
export interface AngelScrip {
  instrument: Instrument;
  exchange: Exchange;
  tradingsymbol: string;
  token: string;
  exchangeType: number;
}

/** SmartStream exchange types for cash segments. */
const EXCHANGE_TYPE: Record<Exchange, number> = { NSE: 1, BSE: 3 };

/**
 * Parses OpenAPIScripMaster.json (an array of all-string rows, tick_size and strike in paise) into
 * our NSE/BSE cash instruments. NSE equities are the `-EQ` series; indices (AMXIDX) and
 * derivatives are skipped.
 */
export function parseAngelScripMaster(rows: unknown): AngelScrip[] {
  if (!Array.isArray(rows)) throw new Error('scrip master is not a JSON array');
  const out: AngelScrip[] = [];
  for (const r of rows as Array<Record<string, unknown>>) {
    const seg = String(r?.exch_seg ?? '').toUpperCase();
    if (seg !== 'NSE' && seg !== 'BSE') continue;
    if (String(r.instrumenttype ?? '') !== '' || String(r.expiry ?? '') !== '') continue;
    const tradingsymbol = String(r.symbol ?? '');
    const token = String(r.token ?? '');
    if (!tradingsymbol || !token) continue;
    let symbol = tradingsymbol;
    if (seg === 'NSE') {
      if (!tradingsymbol.endsWith('-EQ')) continue;
      symbol = tradingsymbol.slice(0, -3);
    }
    const tick = Math.round(Number.parseFloat(String(r.tick_size ?? '')));
    const lot = Number.parseInt(String(r.lotsize ?? '1'), 10);
    const exchange = seg as Exchange;
    out.push({
      instrument: {
        id: instrumentId(exchange, symbol),
        exchange,
        symbol: symbol.toUpperCase(),
        name: String(r.name ?? symbol),
        tickSizePaise: paise(Number.isFinite(tick) && tick > 0 ? tick : 5),
        lotSize: Number.isFinite(lot) && lot > 0 ? lot : 1,
      },
      exchange,
      tradingsymbol,
      token,
      exchangeType: EXCHANGE_TYPE[exchange],
    });
  }
  return out;
}

export class AngelSymbolTable {
  private readonly byId = new Map<InstrumentId, AngelScrip>();
  private readonly byStream = new Map<string, AngelScrip>();
  private readonly byOrderKey = new Map<string, AngelScrip>();

  constructor(readonly scrips: readonly AngelScrip[]) {
    for (const s of scrips) {
      this.byId.set(s.instrument.id, s);
      this.byStream.set(`${s.exchangeType}:${s.token}`, s);
      this.byOrderKey.set(`${s.exchange}:${s.token}`, s);
      this.byOrderKey.set(`${s.exchange}:${s.tradingsymbol}`, s);
    }
  }

  scrip(id: InstrumentId): AngelScrip | undefined {
    return this.byId.get(id);
  }

  fromStream(exchangeType: number, token: string): AngelScrip | undefined {
    return this.byStream.get(`${exchangeType}:${token}`);
  }

  /** An order-book or position row: by token first, then by trading symbol. */
  fromRow(exchange: string, symboltoken: string, tradingsymbol: string): AngelScrip | undefined {
    return this.byOrderKey.get(`${exchange}:${symboltoken}`) ?? this.byOrderKey.get(`${exchange}:${tradingsymbol}`);
  }
}

const IST_OFFSET_MS = 19_800_000;
const DAY_MS = 86_400_000;

/**
 * The instrument master, loaded once per connector and reloaded on the first use of each IST day
 * (Angel republishes it daily). Concurrent callers share one download.
 */
export class AngelScripMasterCache {
  private table: AngelSymbolTable | null = null;
  private loadedDay = -1;
  private inflight: Promise<AngelSymbolTable> | null = null;

  constructor(
    private readonly http: HttpClient,
    private readonly url: string,
    private readonly now: () => number,
  ) {}

  /** The current table without waiting, when one is loaded. */
  peek(): AngelSymbolTable | null {
    return this.table;
  }

  async get(): Promise<AngelSymbolTable> {
    const day = Math.floor((this.now() + IST_OFFSET_MS) / DAY_MS);
    if (this.table && this.loadedDay === day) return this.table;
    if (!this.inflight) {
      this.inflight = this.load(day).finally(() => {
        this.inflight = null;
      });
    }
    try {
      return await this.inflight;
    } catch (e) {
      // A stale table beats none: keep trading on yesterday's tokens if today's download fails.
      if (this.table) return this.table;
      throw e;
    }
  }

  private async load(day: number): Promise<AngelSymbolTable> {
    let res;
    try {
      res = await this.http.send({ method: 'GET', url: this.url, timeoutMs: 60_000 });
    } catch {
      throw new BrokerError('BROKER_UNAVAILABLE', 'Angel One instrument master could not be downloaded');
    }
    if (res.status !== 200) throw new BrokerError('BROKER_UNAVAILABLE', `Angel One instrument master answered HTTP ${res.status}`);
    let parsed: AngelScrip[];
    try {
      parsed = parseAngelScripMaster(JSON.parse(res.text));
    } catch {
      throw new BrokerError('BROKER_UNAVAILABLE', 'Angel One instrument master is not readable');
    }
    this.table = new AngelSymbolTable(parsed);
    this.loadedDay = day;
    return this.table;
  }
}
