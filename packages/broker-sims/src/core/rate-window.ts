/**
 * Sliding one-second windows per key, the way brokers count "N requests per second". The sims
 * answer 429 beyond the limit, so an adapter that sends too fast is caught by tests.
 */
export class RateWindow {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limitPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  allow(key: string): boolean {
    const t = this.now();
    const arr = (this.hits.get(key) ?? []).filter((h) => t - h < 1000);
    if (arr.length >= this.limitPerSecond) {
      this.hits.set(key, arr);
      return false;
    }
    arr.push(t);
    this.hits.set(key, arr);
    return true;
  }

  reset(): void {
    this.hits.clear();
  }
}
