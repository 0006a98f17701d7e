import { describe, expect, it } from 'vitest';
import { validateBrokerForm } from './broker-form';

describe('broker form', () => {
  it('connects Paper with no credentials', () => {
    expect(validateBrokerForm('paper', '', {})).toEqual({ ok: true, value: { broker: 'paper', credentials: {} } });
  });

  it('keys field errors like the server: credentials.api_key', () => {
    const r = validateBrokerForm('zerodha', 'Main', { api_key: '', api_secret: 's' });
    expect(r).toEqual({ ok: false, fields: { 'credentials.api_key': 'API key is required' } });
  });

  it('leaves empty optional fields out instead of sending ""', () => {
    const r = validateBrokerForm('zerodha', ' Main ', { api_key: 'k', api_secret: 's', access_token: '  ' });
    expect(r).toEqual({ ok: true, value: { broker: 'zerodha', label: 'Main', credentials: { api_key: 'k', api_secret: 's' } } });
  });

  it('explains what Dhan needs when neither a token nor PIN+TOTP is given', () => {
    const r = validateBrokerForm('dhan', '', { client_id: '1000' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.fields['credentials.access_token']).toBe('Paste an access token, or give your PIN and TOTP secret');
  });
});
