interface Waiter {
  key: string | undefined;
  wake: () => void;
  /** promoted away: skipped when its turn in the arrival queue comes */
  gone: boolean;
}

/**
 * At most `size` holders at a time; the others wait in arrival order. A promoted waiter (one that
 * cannot wait, like a position whose stop the price went through) is let in at once, over the
 * limit, while fewer than twice `size` hold; beyond that it waits at the front of the queue, so a
 * market-wide promotion degrades to plain arrival order instead of letting everything in at once.
 * The limit is restored as holders leave. `acquire` resolves to a release function that may be
 * called more than once (only the first call counts), so a holder can give its slot back early
 * and again in a `finally` without double-counting.
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: Waiter[] = [];
  private readonly urgent: Waiter[] = [];
  private readonly byKey = new Map<string, Waiter>();
  private waiters = 0;

  constructor(private readonly size: number) {}

  /** `key` names the waiter, so that `promote(key)` can find it. */
  async acquire(key?: string): Promise<() => void> {
    if (this.held >= this.size) {
      await new Promise<void>((wake) => {
        const w: Waiter = { key, wake, gone: false };
        this.waiting.push(w);
        this.waiters += 1;
        if (key !== undefined) this.byKey.set(key, w);
      });
    } else this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.held > this.size) {
        // Over the limit after a promotion: this slot closes instead of passing on.
        this.held -= 1;
        return;
      }
      const next = this.next();
      // The slot passes straight to the next waiter, so `held` stays as it is.
      if (next) next.wake();
      else this.held -= 1;
    };
  }

  /** Let a waiter in before its turn (see the class comment); false when no waiter has that key. */
  promote(key: string): boolean {
    const w = this.byKey.get(key);
    if (!w) return false;
    this.byKey.delete(key);
    w.gone = true;
    if (this.held < 2 * this.size) {
      this.waiters -= 1;
      this.held += 1;
      w.wake();
    } else this.urgent.push({ key, wake: w.wake, gone: false });
    return true;
  }

  get inUse(): number {
    return this.held;
  }

  get queued(): number {
    return this.waiters;
  }

  private next(): Waiter | undefined {
    let w = this.urgent.shift();
    while (!w) {
      const candidate = this.waiting.shift();
      if (!candidate) return undefined;
      if (!candidate.gone) w = candidate;
    }
    this.waiters -= 1;
    if (w.key !== undefined && this.byKey.get(w.key) === w) this.byKey.delete(w.key);
    return w;
  }
}
