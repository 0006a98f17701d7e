/**
 * Open positions of one instrument, ordered by stop price. A tick at price P must exit every
 * position whose stop is at or above P. Keeping stops sorted ascending makes that a suffix of the
 * array: one comparison with the highest stop rejects a non-crossing tick in O(1), and a crossing
 * tick finds its first victim by binary search and takes the k crossed entries: O(log n + k).
 */
export class StopLossBook {
  private stops: number[] = [];
  private ids: string[] = [];
  private readonly index = new Map<string, number>(); // id → stop

  get size(): number {
    return this.ids.length;
  }

  /** Highest stop in the book, or -Infinity when empty (nothing can cross). */
  get highestStop(): number {
    return this.stops.length ? (this.stops[this.stops.length - 1] as number) : -Infinity;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Add, or move an existing entry to a new stop (a stop-loss edit while in position). */
  upsert(id: string, stopPaise: number): void {
    if (this.index.has(id)) this.remove(id);
    const at = this.lowerBound(stopPaise + 0.5); // after equal stops: stable in arrival order
    this.stops.splice(at, 0, stopPaise);
    this.ids.splice(at, 0, id);
    this.index.set(id, stopPaise);
  }

  remove(id: string): boolean {
    const stop = this.index.get(id);
    if (stop === undefined) return false;
    let i = this.lowerBound(stop);
    while (i < this.ids.length && this.ids[i] !== id) i++;
    this.stops.splice(i, 1);
    this.ids.splice(i, 1);
    this.index.delete(id);
    return true;
  }

  /** Remove and return every entry whose stop is at or above `pricePaise`. */
  takeCrossed(pricePaise: number): string[] {
    if (this.highestStop < pricePaise) return [];
    const at = this.lowerBound(pricePaise);
    const taken = this.ids.splice(at);
    this.stops.splice(at);
    for (const id of taken) this.index.delete(id);
    return taken;
  }

  /** First index whose stop is >= v. */
  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.stops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.stops[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
