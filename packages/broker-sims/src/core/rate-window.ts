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
    let arr = this.hits.get(key);
    if (!arr) {
      arr = [];
      this.hits.set(key, arr);
    }
    // Drop hits older than a second in place: this runs on every order, so no new array per call.
    let kept = 0;
    for (const h of arr) if (t - h < 1000) arr[kept++] = h;
    arr.length = kept;
    if (kept >= this.limitPerSecond) return false;
    arr.push(t);
    return true;
  }

  reset(): void {
    this.hits.clear();
  }
}
