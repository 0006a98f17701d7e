import { describe, expect, it } from 'vitest';
import { decodeFyersToken, fyersAppIdHash, fyersLoginUrl, readFyersCredentials } from './fyers-auth';

describe('Fyers auth', () => {
  it('hashes app_id and secret with a colon between them', () => {
    // echo -n 'ABC123-100:secret' | sha256sum
    expect(fyersAppIdHash('ABC123-100', 'secret')).toBe('bc7793653296c5e4c158fcdab7c16570f26c116fe9b9942ed88fc136beaea3bd');
  });

  it('builds the generate-authcode URL', () => {
    const u = new URL(fyersLoginUrl('https://api-t1.fyers.in', 'ABC123-100', 'https://app.example/cb', 's1'));
    expect(u.pathname).toBe('/api/v3/generate-authcode');
    expect(Object.fromEntries(u.searchParams)).toEqual({ client_id: 'ABC123-100', redirect_uri: 'https://app.example/cb', response_type: 'code', state: 's1' });
  });

  it('reads exp and hsm_key from the access-token JWT', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 1767000000, hsm_key: 'abc', fy_id: 'XY1234' })).toString('base64url');
    expect(decodeFyersToken(`eyJhbGciOiJIUzI1NiJ9.${payload}.sig`)).toEqual({ expiresAt: 1767000000000, hsmKey: 'abc', fyId: 'XY1234' });
    expect(decodeFyersToken('not-a-jwt')).toBeNull();
  });

  it('accepts a token pasted in the SDK form app_id:token', () => {
    expect(readFyersCredentials({ app_id: 'A-100', secret_key: 's', access_token: 'A-100:eyJ.x.y' })).toEqual({ app_id: 'A-100', secret_key: 's', access_token: 'eyJ.x.y' });
    expect(() => readFyersCredentials({ secret_key: 's' })).toThrow(/app_id/);
  });
});
