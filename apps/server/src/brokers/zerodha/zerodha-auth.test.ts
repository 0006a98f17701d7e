import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { kiteChecksum, kiteLoginUrl, kiteTokenExpiry, readZerodhaCredentials } from './zerodha-auth';

describe('Kite login rules', () => {
  it('checksum is hex sha256 of api_key + request_token + api_secret', () => {
    expect(kiteChecksum('key', 'rt', 'secret')).toBe(createHash('sha256').update('keyrtsecret').digest('hex'));
    expect(kiteChecksum('key', 'rt', 'secret')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('login URL carries api_key, v=3 and our state in redirect_params', () => {
    const u = new URL(kiteLoginUrl('https://kite.zerodha.com', 'abc', 'st-1'));
    expect(u.origin + u.pathname).toBe('https://kite.zerodha.com/connect/login');
    expect(u.searchParams.get('api_key')).toBe('abc');
    expect(u.searchParams.get('v')).toBe('3');
    expect(new URLSearchParams(u.searchParams.get('redirect_params') ?? '').get('state')).toBe('st-1');
  });

  it('tokens expire at 06:00 IST the next morning, or this morning when logged in before six', () => {
    expect(kiteTokenExpiry(Date.parse('2026-03-10T10:45:14Z'))).toBe(Date.parse('2026-03-11T00:30:00Z'));
    expect(kiteTokenExpiry(Date.parse('2026-03-09T21:30:00Z'))).toBe(Date.parse('2026-03-10T00:30:00Z'));
    expect(kiteTokenExpiry(Date.parse('2026-03-10T00:30:00Z'))).toBe(Date.parse('2026-03-11T00:30:00Z'));
  });

  it('needs an api_key', () => {
    expect(() => readZerodhaCredentials({ api_secret: 'x' })).toThrow(expect.objectContaining({ code: 'BROKER_AUTH_FAILED' }));
    expect(readZerodhaCredentials({ api_key: ' k ', api_secret: 's', access_token: '' })).toEqual({ api_key: 'k', api_secret: 's' });
  });
});
