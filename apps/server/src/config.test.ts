import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs embedded with no configuration at all', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8000, mode: 'embedded', ATS_DATA_DIR: './data', ATS_CALENDAR: 'nse', roles: { api: true, engine: true } });
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ATS_CALENDAR: 'sometimes' })).toThrow(/ATS_CALENDAR/);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
  });

  it('requires the secrets in production mode', () => {
    const e = (() => {
      try {
        loadConfig({ DATABASE_URL: 'postgres://x@h/db' });
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).problems.join()).toMatch(/JWT_SECRET_KEY.*AES_MASTER_KEY|AES_MASTER_KEY.*JWT_SECRET_KEY/s);
    const ok = loadConfig({ DATABASE_URL: 'postgres://x@h/db', JWT_SECRET_KEY: 'x'.repeat(40), AES_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
    expect(ok.mode).toBe('production');
  });

  it('pipelines broker REST 32 deep by default; 1 turns it off; 0 or a fraction is refused by name', () => {
    expect(loadConfig({}).ATS_BROKER_PIPELINE_DEPTH).toBe(32);
    expect(loadConfig({ ATS_BROKER_PIPELINE_DEPTH: '1' }).ATS_BROKER_PIPELINE_DEPTH).toBe(1);
    for (const bad of ['0', '2.5', 'many', '257']) expect(() => loadConfig({ ATS_BROKER_PIPELINE_DEPTH: bad }), bad).toThrow(/ATS_BROKER_PIPELINE_DEPTH/);
  });

  it('treats empty strings as unset and splits roles', () => {
    expect(loadConfig({ PORT: '', ATS_ROLES: 'api' }).roles).toEqual({ api: true, engine: false });
    expect(() => loadConfig({ ATS_ROLES: 'api,worker' })).toThrow(/ATS_ROLES/);
  });

  it('refuses an AES_MASTER_KEY that looks like base64 but is not 32 bytes, naming the variable', () => {
    const key32 = Buffer.alloc(32, 1).toString('base64');
    for (const bad of [Buffer.alloc(33, 1).toString('base64'), Buffer.alloc(48, 1).toString('base64'), 'A'.repeat(44), `2:${Buffer.alloc(31, 1).toString('base64')}AAAA,1:${key32}`]) {
      let e: unknown = null;
      try {
        loadConfig({ AES_MASTER_KEY: bad });
      } catch (err) {
        e = err;
      }
      expect(e, bad).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toMatch(/AES_MASTER_KEY: key version \d must decode to 32 bytes \(AES-256\), got \d+/);
      expect((e as ConfigError).message).not.toContain(bad); // the key itself is never echoed
    }
    expect(loadConfig({ AES_MASTER_KEY: key32 }).AES_MASTER_KEY).toBe(key32);
    expect(loadConfig({ AES_MASTER_KEY: `2:${Buffer.alloc(32, 2).toString('base64url')},1:${key32}` }).AES_MASTER_KEY).toMatch(/^2:/);
  });

  it('trusts no proxy unless ATS_TRUST_PROXY says so', () => {
    expect(loadConfig({}).ATS_TRUST_PROXY).toBe(false);
    expect(loadConfig({ ATS_TRUST_PROXY: 'true' }).ATS_TRUST_PROXY).toBe(true);
    expect(loadConfig({ ATS_TRUST_PROXY: 'false' }).ATS_TRUST_PROXY).toBe(false);
    expect(loadConfig({ ATS_TRUST_PROXY: '2' }).ATS_TRUST_PROXY).toBe(2);
    expect(loadConfig({ ATS_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).ATS_TRUST_PROXY).toBe('10.0.0.0/8,127.0.0.1,::1');
    expect(loadConfig({ ATS_TRUST_PROXY: 'loopback' }).ATS_TRUST_PROXY).toBe('loopback');
    expect(() => loadConfig({ ATS_TRUST_PROXY: 'yes' })).toThrow(/ATS_TRUST_PROXY/);
    expect(() => loadConfig({ ATS_TRUST_PROXY: 'true,1' })).toThrow(/ATS_TRUST_PROXY/);
    expect(() => loadConfig({ ATS_TRUST_PROXY: 'dead,beef' })).toThrow(/ATS_TRUST_PROXY/);
    expect(() => loadConfig({ ATS_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/ATS_TRUST_PROXY/);
    expect(() => loadConfig({ ATS_TRUST_PROXY: '-1' })).toThrow(/ATS_TRUST_PROXY/);
  });
});
