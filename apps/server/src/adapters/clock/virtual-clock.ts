import type { Cancel, Clock } from '../../ports/clock';

interface Timer {
  ts: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock tests drive by hand: time stands still until `advance` or `set`, which fire due timers in
 * time order (and, for equal times, in scheduling order), letting promises settle between them.
 */
export class VirtualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start: number | Date) {
    this.t = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.t;
  }

  at(ts: number, fn: () => void): Cancel {
    const timer: Timer = { ts, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.at(this.t + ms, r));
  }

  /** Move time forward by `ms`, firing everything due on the way. */
  async advance(ms: number): Promise<void> {
    await this.set(this.t + ms);
  }

  async set(target: number): Promise<void> {
    for (;;) {
      await flushPromises();
      const next = this.timers
        .filter((x) => !x.cancelled && x.ts <= target)
        .sort((a, b) => a.ts - b.ts || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.ts);
      next.fn();
    }
    this.t = Math.max(this.t, target);
    await flushPromises();
  }

  pending(): number {
    return this.timers.filter((x) => !x.cancelled).length;
  }
}

async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}
