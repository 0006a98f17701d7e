import { performance } from 'node:perf_hooks';
import type { Cancel, Clock } from '../../ports/clock';

/** Fixed for the process; the global `performance` is a lazy getter that costs a call per read. */
const ORIGIN = performance.timeOrigin;

/** How early the coarse timer hands over to the final approach: above Node's typical timer jitter. */
const APPROACH_MS = 25;

interface Due {
  ts: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * The real clock, with precise firing: a coarse `setTimeout` wakes us ~25 ms early, then a single
 * shared `setImmediate` loop releases every due callback the moment its time arrives. One loop
 * serves all timers, so 10,000 strategies due at the same instant cost one spin, not 10,000.
 */
export class SystemClock implements Clock {
  private readonly approaching: Due[] = []; // sorted by ts
  private spinning = false;

  now(): number {
    return ORIGIN + performance.now();
  }

  at(ts: number, fn: () => void): Cancel {
    const due: Due = { ts, fn, cancelled: false };
    const delay = ts - this.now();
    let coarse: NodeJS.Timeout | null = null;
    if (delay > APPROACH_MS) {
      coarse = setTimeout(() => this.approach(due), delay - APPROACH_MS);
    } else {
      this.approach(due);
    }
    return () => {
      due.cancelled = true;
      if (coarse) clearTimeout(coarse);
    };
  }

  /** On the same precise timer as `at`: a bare setTimeout can wake a fraction of a millisecond early. */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.at(this.now() + ms, r));
  }

  private approach(due: Due): void {
    if (due.cancelled) return;
    // Binary insert keeps the earliest first.
    let lo = 0;
    let hi = this.approaching.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.approaching[mid] as Due).ts <= due.ts) lo = mid + 1;
      else hi = mid;
    }
    this.approaching.splice(lo, 0, due);
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  private readonly spin = (): void => {
    const t = this.now();
    let n = 0;
    while (n < this.approaching.length && (this.approaching[n] as Due).ts <= t) n++;
    const ready = n > 0 ? this.approaching.splice(0, n) : [];
    for (const d of ready) {
      if (d.cancelled) continue;
      try {
        d.fn();
      } catch (e) {
        // A throwing callback must not stop the others due at the same instant.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    if (this.approaching.length > 0) setImmediate(this.spin);
    else this.spinning = false;
  };
}
