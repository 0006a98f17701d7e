/**
 * Fast, shared runtime facts the engine and API both read: each run's live status, the last price
 * per instrument, and short-lived idempotency/lock keys. In-process, or Redis when scaled out.
 */
export interface RuntimeState {
  /** Merge fields into a run's live hash. */
  setRun(runId: string, fields: Record<string, string>): Promise<void>;
  getRun(runId: string): Promise<Record<string, string> | null>;
  deleteRun(runId: string): Promise<void>;
  setLastPrice(instrument: string, paise: number, ts: number): Promise<void>;
  getLastPrice(instrument: string): Promise<{ paise: number; ts: number } | null>;
  /** Set `key` only if absent; true when this caller won. `ttlMs` bounds how long it is held. */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** `claim` for many keys at once (an engine renewing thousands of leases); one answer per key, in order. */
  claimMany(keys: readonly string[], owner: string, ttlMs: number): Promise<boolean[]>;
  release(key: string, owner: string): Promise<void>;
  /** Increment a counter in a fixed window; returns the count in the window (for rate limits). */
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }>;
  /** Read a counter without counting. */
  peek(key: string): Promise<{ count: number; resetInMs: number }>;
  reset(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
