import type { Cancel, Clock } from '../ports/clock';

/** Jobs run per turn of the event loop when many are due at once. */
const FIRE_SLICE = 250;

/**
 * Exact-time triggers. Everything due at the same millisecond shares ONE precise timer, and when
 * it fires the batch is shuffled before dispatch, so with thousands of strategies at 09:20:00 no
 * tenant is always first in line.
 */
export class DueScheduler {
  private readonly batches = new Map<number, { cancel: Cancel; jobs: Map<string, () => void> }>();
  private readonly keyAt = new Map<string, number>();
  /** due batches not yet fully dispatched */
  private dispatching = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
    /** a job that threw (the others due with it still run) */
    private readonly onError: (key: string, e: unknown) => void = (_key, e) =>
      queueMicrotask(() => {
        throw e;
      }),
  ) {}

  /** (Re)schedule `key` at `ts`; a key has at most one pending trigger. */
  schedule(key: string, ts: number, fn: () => void): void {
    this.cancel(key);
    const at = Math.round(ts);
    let batch = this.batches.get(at);
    if (!batch) {
      const jobs = new Map<string, () => void>();
      batch = { jobs, cancel: this.clock.at(at, () => this.fire(at)) };
      this.batches.set(at, batch);
    }
    batch.jobs.set(key, fn);
    this.keyAt.set(key, at);
  }

  cancel(key: string): void {
    const at = this.keyAt.get(key);
    if (at === undefined) return;
    this.keyAt.delete(key);
    const batch = this.batches.get(at);
    if (!batch) return;
    batch.jobs.delete(key);
    if (batch.jobs.size === 0) {
      batch.cancel();
      this.batches.delete(at);
    }
  }

  pending(): number {
    return this.keyAt.size;
  }

  /** Is a batch of at least `minJobs` due by `until`, or still being dispatched? */
  busyUntil(until: number, minJobs: number): boolean {
    if (this.dispatching > 0) return true;
    for (const [at, b] of this.batches) if (at <= until && b.jobs.size >= minJobs) return true;
    return false;
  }

  close(): void {
    for (const b of this.batches.values()) b.cancel();
    this.batches.clear();
    this.keyAt.clear();
  }

  private fire(at: number): void {
    const batch = this.batches.get(at);
    if (!batch) return;
    this.batches.delete(at);
    const jobs = [...batch.jobs];
    for (const [k] of jobs) this.keyAt.delete(k);
    // Fisher-Yates: fair order for jobs due at the same instant.
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j] as [string, () => void], jobs[i] as [string, () => void]];
    }
    this.dispatch(jobs, 0);
  }

  /**
   * A slice at a time, yielding to I/O in between: each slice's orders reach the wire while the
   * next is being prepared, instead of ten thousand requests queueing behind one long task.
   */
  private dispatch(jobs: Array<[string, () => void]>, from: number): void {
    if (from === 0) this.dispatching += 1;
    const end = Math.min(jobs.length, from + FIRE_SLICE);
    try {
      for (let i = from; i < end; i++) {
        const [key, job] = jobs[i] as [string, () => void];
        try {
          job();
        } catch (e) {
          // One tenant's failing job must not skip the others due with it.
          this.onError(key, e);
        }
      }
    } finally {
      if (end < jobs.length) setImmediate(() => this.dispatch(jobs, end));
      else if (--this.dispatching === 0) for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  /** Resolves once every due job has been dispatched (no slice is still waiting for its turn). */
  idle(): Promise<void> {
    if (this.dispatching === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
