/**
 * Group commit for writes that arrive one by one: items added while a write is in flight go out
 * together in the next one. Idle, an item is written on the next turn of the event loop (with
 * whatever else arrived in that turn); under load the batches grow by themselves, so ten
 * thousand prewarms in a few seconds cost tens of statements instead of ten thousand.
 */
export class GroupWriter<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (e: unknown) => void }> = [];
  private writing = false;
  private scheduled = false;

  constructor(
    /** writes a batch; returns one result per item, in order */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.writing || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      const results = await this.write(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i] as R));
    } catch (e) {
      if (batch.length === 1) (batch[0] as (typeof batch)[number]).reject(e);
      // One bad item (or a dropped connection) must not fail the whole group: each is tried alone.
      else
        for (const b of batch) {
          try {
            b.resolve((await this.write([b.item]))[0] as R);
          } catch (one) {
            b.reject(one);
          }
        }
    } finally {
      this.writing = false;
      this.kick();
    }
  }
}
