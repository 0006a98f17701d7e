/**
 * Outbound rate limit per broker account, at the broker's documented rate (Kite 10/s, Angel 9/s...).
 * Callers wait for a token rather than being refused: an order sent 80 ms late beats a 429.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = ratePerSecond,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {
    this.tokens = burst;
    this.last = this.now();
  }

  /** Resolves when a token is available; calls are served in order. */
  take(): Promise<void> {
    const next = this.queue.then(() => this.acquire());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async acquire(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
  }
}
