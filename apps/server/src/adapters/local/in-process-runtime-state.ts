import type { RuntimeState } from '../../ports/runtime-state';

/** RuntimeState for embedded mode: plain maps in this process. */
export class InProcessRuntimeState implements RuntimeState {
  private readonly runs = new Map<string, Record<string, string>>();
  private readonly prices = new Map<string, { paise: number; ts: number }>();
  private readonly claims = new Map<string, { owner: string; until: number }>();
  private readonly windows = new Map<string, { count: number; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  setRun(runId: string, fields: Record<string, string>): Promise<void> {
    this.runs.set(runId, { ...(this.runs.get(runId) ?? {}), ...fields });
    return Promise.resolve();
  }
  getRun(runId: string): Promise<Record<string, string> | null> {
    const r = this.runs.get(runId);
    return Promise.resolve(r ? { ...r } : null);
  }
  deleteRun(runId: string): Promise<void> {
    this.runs.delete(runId);
    return Promise.resolve();
  }
  setLastPrice(instrument: string, paise: number, ts: number): Promise<void> {
    this.prices.set(instrument, { paise, ts });
    return Promise.resolve();
  }
  getLastPrice(instrument: string): Promise<{ paise: number; ts: number } | null> {
    return Promise.resolve(this.prices.get(instrument) ?? null);
  }
  claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const c = this.claims.get(key);
    const t = this.now();
    if (c && c.until > t && c.owner !== owner) return Promise.resolve(false);
    this.claims.set(key, { owner, until: t + ttlMs });
    return Promise.resolve(true);
  }
  async claimMany(keys: readonly string[], owner: string, ttlMs: number): Promise<boolean[]> {
    return Promise.all(keys.map((k) => this.claim(k, owner, ttlMs)));
  }
  release(key: string, owner: string): Promise<void> {
    if (this.claims.get(key)?.owner === owner) this.claims.delete(key);
    return Promise.resolve();
  }
  hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || w.until <= t) {
      w = { count: 0, until: t + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return Promise.resolve({ count: w.count, resetInMs: w.until - t });
  }
  peek(key: string): Promise<{ count: number; resetInMs: number }> {
    const t = this.now();
    const w = this.windows.get(key);
    return Promise.resolve(!w || w.until <= t ? { count: 0, resetInMs: 0 } : { count: w.count, resetInMs: w.until - t });
  }
  reset(key: string): Promise<void> {
    this.windows.delete(key);
    return Promise.resolve();
  }
  ping(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
