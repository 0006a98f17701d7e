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

  it('treats empty strings as unset and splits roles', () => {
    expect(loadConfig({ PORT: '', ATS_ROLES: 'api' }).roles).toEqual({ api: true, engine: false });
    expect(() => loadConfig({ ATS_ROLES: 'api,worker' })).toThrow(/ATS_ROLES/);
  });
});
