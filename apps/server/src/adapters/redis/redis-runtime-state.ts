import type { Redis } from 'ioredis';
import type { RuntimeState } from '../../ports/runtime-state';

/** Releases a claim only if we still own it (a compare-and-delete Redis cannot do in one plain command). */
const RELEASE_LUA = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
/** Re-entrant claim: the same owner may renew; anyone else waits for expiry. */
const CLAIM_LUA =
  "local v = redis.call('get', KEYS[1]) if v == false or v == ARGV[1] then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 else return 0 end";
/** CLAIM_LUA over every key given, in one round trip. */
const CLAIM_MANY_LUA =
  "local out = {} for i, k in ipairs(KEYS) do local v = redis.call('get', k) if v == false or v == ARGV[1] then redis.call('set', k, ARGV[1], 'PX', ARGV[2]) out[i] = 1 else out[i] = 0 end end return out";
const HIT_LUA =
  "local c = redis.call('incr', KEYS[1]) if c == 1 then redis.call('pexpire', KEYS[1], ARGV[1]) end return {c, redis.call('pttl', KEYS[1])}";

/** RuntimeState shared by every API and engine process through Redis. */
export class RedisRuntimeState implements RuntimeState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'ats:',
  ) {}

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async setRun(runId: string, fields: Record<string, string>): Promise<void> {
    if (Object.keys(fields).length === 0) return;
    await this.redis.hset(this.k('run', runId), fields);
  }
  async getRun(runId: string): Promise<Record<string, string> | null> {
    const r = await this.redis.hgetall(this.k('run', runId));
    return Object.keys(r).length ? r : null;
  }
  async deleteRun(runId: string): Promise<void> {
    await this.redis.del(this.k('run', runId));
  }
  async setLastPrice(instrument: string, paise: number, ts: number): Promise<void> {
    await this.redis.set(this.k('ltp', instrument), `${paise}:${ts}`);
  }
  async getLastPrice(instrument: string): Promise<{ paise: number; ts: number } | null> {
    const v = await this.redis.get(this.k('ltp', instrument));
    if (!v) return null;
    const [p, t] = v.split(':');
    return { paise: Number(p), ts: Number(t) };
  }
  async claim(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const r = await this.redis.eval(CLAIM_LUA, 1, this.k('claim', key), owner, String(ttlMs));
    return Number(r) === 1;
  }
  async claimMany(keys: readonly string[], owner: string, ttlMs: number): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const r = (await this.redis.eval(CLAIM_MANY_LUA, keys.length, ...keys.map((k) => this.k('claim', k)), owner, String(ttlMs))) as number[];
    return r.map((x) => Number(x) === 1);
  }
  async release(key: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE_LUA, 1, this.k('claim', key), owner);
  }
  async hit(key: string, windowMs: number): Promise<{ count: number; resetInMs: number }> {
    const [count, ttl] = (await this.redis.eval(HIT_LUA, 1, this.k('hit', key), String(windowMs))) as [number, number];
    return { count: Number(count), resetInMs: Math.max(0, Number(ttl)) };
  }
  async peek(key: string): Promise<{ count: number; resetInMs: number }> {
    const k = this.k('hit', key);
    const [v, ttl] = await Promise.all([this.redis.get(k), this.redis.pttl(k)]);
    return v ? { count: Number(v), resetInMs: Math.max(0, ttl) } : { count: 0, resetInMs: 0 };
  }
  async reset(key: string): Promise<void> {
    await this.redis.del(this.k('hit', key));
  }
  async ping(): Promise<void> {
    await this.redis.ping();
  }
  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
