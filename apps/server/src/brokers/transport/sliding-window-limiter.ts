const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Outbound order limit per broker account, counted the way brokers count it: at most `limit`
 * requests in ANY window of `windowMs`. Unlike a token bucket with burst 1, ten orders due at the
 * same instant all go at once when the broker allows ten a second; the eleventh waits exactly until
 * the oldest of the ten leaves the window. Callers are served in order.
 */
export class SlidingWindowLimiter {
  private readonly sent: number[] = []; // send times within the current window, oldest first
  private queue: Promise<void> = RESOLVED;
  /** callers queued behind the window */
  private waiting = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
    /** margin for clock skew between us and the broker's counter */
    private readonly slackMs = 5,
  ) {}

  /** Resolves when one more request may go out without breaking the window. */
  take(): Promise<void> {
    // The usual case, with nobody queued ahead and room in the window, is decided now: thousands of
    // orders due at one instant then pay no promise chain each.
    if (this.tryTake()) return RESOLVED;
    this.waiting += 1;
    const next = this.queue.then(() => this.acquire());
    const done = (): void => {
      this.waiting -= 1;
    };
    this.queue = next.then(done, done);
    return next;
  }

  /** Takes a place now when nobody is queued and the window has room; false otherwise (then use take). */
  tryTake(): boolean {
    return this.waiting === 0 && this.room() === 0;
  }

  private async acquire(): Promise<void> {
    for (let wait = this.room(); wait > 0; wait = this.room()) await new Promise((r) => setTimeout(r, wait));
  }

  /** Takes a place in the window and returns 0, or returns how long (ms, at least 1) until one frees up. */
  private room(): number {
    const t = this.now();
    while (this.sent.length && t - (this.sent[0] as number) >= this.windowMs + this.slackMs) this.sent.shift();
    if (this.sent.length < this.limit) {
      this.sent.push(t);
      return 0;
    }
    return Math.max(1, Math.ceil((this.sent[0] as number) + this.windowMs + this.slackMs - t));
  }
}
