/**
 * Outbound order limit per broker account, counted the way brokers count it: at most `limit`
 * requests in ANY window of `windowMs`. Unlike a token bucket with burst 1, ten orders due at the
 * same instant all go at once when the broker allows ten a second; the eleventh waits exactly until
 * the oldest of the ten leaves the window. Callers are served in order.
 */
export class SlidingWindowLimiter {
  private readonly sent: number[] = []; // send times within the current window, oldest first
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
    /** margin for clock skew between us and the broker's counter */
    private readonly slackMs = 5,
  ) {}

  /** Resolves when one more request may go out without breaking the window. */
  take(): Promise<void> {
    const next = this.queue.then(() => this.acquire());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.sent.length && t - (this.sent[0] as number) >= this.windowMs + this.slackMs) this.sent.shift();
      if (this.sent.length < this.limit) {
        this.sent.push(t);
        return;
      }
      const wait = (this.sent[0] as number) + this.windowMs + this.slackMs - t;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(wait))));
    }
  }
}
