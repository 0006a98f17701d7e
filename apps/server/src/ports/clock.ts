export type Cancel = () => void;

/** Time, injected. Production uses the system clock; tests use a virtual clock they advance. */
export interface Clock {
  /** epoch milliseconds */
  now(): number;
  /** Run `fn` at epoch ms `ts` (immediately if past). Implementations aim for millisecond precision. */
  at(ts: number, fn: () => void): Cancel;
  /** Resolve after `ms`, on this clock. */
  sleep(ms: number): Promise<void>;
}
