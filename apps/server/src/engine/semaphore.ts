/**
 * At most `size` holders at a time; the others wait in arrival order. `acquire` resolves to a
 * release function that may be called more than once (only the first call counts), so a holder
 * can give its slot back early and again in a `finally` without double-counting.
 */
export class Semaphore {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<() => void> {
    if (this.held >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    else this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `held` stays as it is.
      if (next) next();
      else this.held -= 1;
    };
  }

  get inUse(): number {
    return this.held;
  }
}
