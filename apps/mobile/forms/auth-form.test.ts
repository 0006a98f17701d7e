import { describe, expect, it } from 'vitest';
import { validateLogin, validateRegister } from './auth-form';

describe('login form', () => {
  it('uses the server wording for missing and malformed fields', () => {
    const r = validateLogin({ email: '', password: '' });
    expect(r).toEqual({ ok: false, fields: { email: 'Email is required', password: 'Password is required' } });
    const bad = validateLogin({ email: 'not-an-email', password: 'x' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.fields.email).toBe('Enter a valid email address');
  });

  it('normalises the email the way the server does', () => {
    const r = validateLogin({ email: '  Trader@Example.COM ', password: 'secret' });
    expect(r).toEqual({ ok: true, value: { email: 'trader@example.com', password: 'secret' } });
  });
});

describe('register form', () => {
  it('requires a name and a long enough password', () => {
    const r = validateRegister({ name: ' ', email: 'a@b.io', password: 'short', confirm: 'short' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.fields.name).toBe('Name is required');
      expect(r.fields.password).toBe('Password must be at least 8 characters');
    }
  });

  it('catches a mismatched confirmation that the server never sees', () => {
    const r = validateRegister({ name: 'Asha', email: 'a@b.io', password: 'Tr4der-Secret!', confirm: 'Tr4der-Secret' });
    expect(r).toEqual({ ok: false, fields: { confirm: 'Passwords do not match' } });
  });

  it('builds the exact register body', () => {
    const r = validateRegister({ name: ' Asha ', email: 'A@B.io', password: 'Tr4der-Secret!', confirm: 'Tr4der-Secret!' });
    expect(r).toEqual({ ok: true, value: { name: 'Asha', email: 'a@b.io', password: 'Tr4der-Secret!' } });
  });
});
