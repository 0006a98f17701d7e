import { seededRandom } from './seeded-random';
import { SIM_INSTRUMENTS, type SimInstrument } from './nse-instruments';

export interface SimTick {
  /** `EXCHANGE:SYMBOL` */
  key: string;
  paise: number;
  ts: number;
  volume: number;
}

export interface SimMarketOptions {
  seed?: number;
  instruments?: readonly SimInstrument[];
  /** relative standard deviation of one random-walk step (default 0.0005 = 5 bp) */
  volatility?: number;
  now?: () => number;
}

interface Book {
  inst: SimInstrument;
  paise: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** remaining scripted prices; while non-empty the walk is suspended for this instrument */
  path: number[];
}

/**
 * A simulated market: a seeded random walk per instrument, or a scripted price path, with prices
 * always on the instrument's tick. Brokers' sims and the Paper broker read prices from it; feeds
 * subscribe to its ticks.
 */
export class SimMarket {
  private readonly books = new Map<string, Book>();
  private readonly listeners = new Set<(t: SimTick) => void>();
  private readonly rand: () => number;
  private readonly volatility: number;
  private readonly now: () => number;
  /** when false, steps re-emit the current price: tests that need a price to stay put turn it off */
  walkEnabled = true;

  constructor(opts: SimMarketOptions = {}) {
    this.rand = seededRandom(opts.seed ?? 42);
    this.volatility = opts.volatility ?? 0.0005;
    this.now = opts.now ?? Date.now;
    for (const inst of opts.instruments ?? SIM_INSTRUMENTS) {
      const p = inst.basePaise;
      this.books.set(`${inst.exchange}:${inst.symbol}`, {
        inst,
        paise: p,
        open: p,
        high: p,
        low: p,
        close: p,
        volume: 0,
        path: [],
      });
    }
  }

  instruments(): SimInstrument[] {
    return [...this.books.values()].map((b) => b.inst);
  }

  has(key: string): boolean {
    return this.books.has(key);
  }

  instrument(key: string): SimInstrument | undefined {
    return this.books.get(key)?.inst;
  }

  price(key: string): number {
    const b = this.books.get(key);
    if (!b) throw new Error(`unknown instrument ${key}`);
    return b.paise;
  }

  quote(key: string): { paise: number; open: number; high: number; low: number; close: number; volume: number } {
    const b = this.books.get(key);
    if (!b) throw new Error(`unknown instrument ${key}`);
    return { paise: b.paise, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume };
  }

  /** Set a price now and emit it as a tick. */
  setPrice(key: string, paise: number): void {
    const b = this.book(key);
    b.path = [];
    this.apply(b, paise);
  }

  /** Replace the walk with a scripted path: each `step()` consumes the next price. */
  setPath(key: string, prices: number[]): void {
    this.book(key).path = [...prices];
  }

  /** Advance every instrument one step (scripted or random) and emit a tick for each. */
  step(keys?: Iterable<string>): void {
    for (const key of keys ?? this.books.keys()) {
      const b = this.books.get(key);
      if (!b) continue;
      const next = b.path.length > 0 ? (b.path.shift() as number) : this.walkEnabled ? this.walk(b) : b.paise;
      this.apply(b, next);
    }
  }

  onTick(fn: (t: SimTick) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Record a traded quantity (our fills move volume, not price). */
  addVolume(key: string, qty: number): void {
    const b = this.books.get(key);
    if (b) b.volume += qty;
  }

  private book(key: string): Book {
    const b = this.books.get(key);
    if (!b) throw new Error(`unknown instrument ${key}`);
    return b;
  }

  private walk(b: Book): number {
    // Box-Muller for a normal step; prices stay on tick and never reach zero.
    const u = Math.max(this.rand(), 1e-12);
    const v = this.rand();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const raw = b.paise * (1 + z * this.volatility);
    const tick = b.inst.tickSizePaise;
    return Math.max(tick, Math.round(raw / tick) * tick);
  }

  private apply(b: Book, paise: number): void {
    b.paise = paise;
    b.high = Math.max(b.high, paise);
    b.low = Math.min(b.low, paise);
    b.volume += 1 + Math.floor(this.rand() * 50);
    const t: SimTick = { key: `${b.inst.exchange}:${b.inst.symbol}`, paise, ts: this.now(), volume: b.volume };
    for (const l of this.listeners) l(t);
  }
}
