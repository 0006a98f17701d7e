/**
 * At most `size` holders at a time; the others wait in arrival order. A promoted waiter is let in
 * at once, over the limit: the few that cannot wait must not queue behind thousands that can; the
 * limit is restored as holders leave. `acquire` resolves to a release function that may be called more than once (only the
 * first call counts), so a holder can give its slot back early and again in a `finally` without
 * double-counting.
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<{ key: string | undefined; wake: () => void }> = [];

  constructor(private readonly size: number) {}

  /** `key` names the waiter, so that `promote(key)` can move it to the front. */
  async acquire(key?: string): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((wake) => this.waiting.push({ key, wake }));
    else this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.held > this.size) {
        // Over the limit after a promotion: this slot closes instead of passing on.
        this.held -= 1;
        return;
      }
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `held` stays as it is.
      if (next) next.wake();
      else this.held -= 1;
    };
  }

  /** Let a waiter in now, whatever the limit; false when no waiter has that key. */
  promote(key: string): boolean {
    const i = this.waiting.findIndex((w) => w.key === key);
    if (i < 0) return false;
    const [w] = this.waiting.splice(i, 1);
    this.held += 1;
    w?.wake();
    return true;
  }

  get inUse(): number {
    return this.held;
  }

  get queued(): number {
    return this.waiting.length;
  }
}
