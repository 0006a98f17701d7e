import { describe, expect, it } from 'vitest';
import { angelSessionExpiry, angelTotp, canAutoLogin } from './angelone-auth';

describe('Angel auth', () => {
  it('expires sessions at the next midnight IST', () => {
    // 2026-03-10 22:00 IST = 16:30 UTC → expires 2026-03-11 00:00 IST = 2026-03-10 18:30 UTC
    expect(angelSessionExpiry(Date.UTC(2026, 2, 10, 16, 30))).toBe(Date.UTC(2026, 2, 10, 18, 30));
    // 00:10 IST on the 11th (18:40 UTC on the 10th) → the following midnight
    expect(angelSessionExpiry(Date.UTC(2026, 2, 10, 18, 40))).toBe(Date.UTC(2026, 2, 11, 18, 30));
  });

  it('generates RFC-6238 codes (SHA1, 6 digits, 30 s): RFC test vector secret', () => {
    // RFC 6238 Appendix B, SHA1 secret "12345678901234567890", T=59 → 94287082 (8 digits); 6 digits → 287082
    expect(angelTotp('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59_000)).toBe('287082');
  });

  it('refuses a secret that is not base32 as an auth failure', () => {
    expect(() => angelTotp('not base32 !!', 0)).toThrow(expect.objectContaining({ code: 'BROKER_AUTH_FAILED' }));
  });

  it('auto-logs in only with client code, MPIN and TOTP secret', () => {
    expect(canAutoLogin({ api_key: 'k', client_code: 'S1', mpin: '1234', totp_secret: 'JBSWY3DP' })).toBe(true);
    expect(canAutoLogin({ api_key: 'k', client_code: 'S1', access_token: 'jwt', feed_token: 'f' })).toBe(false);
  });
});
