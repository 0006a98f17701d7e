import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BrokerAccountRepository } from '../src/adapters/postgres/broker-account-repository';
import { CredentialVault } from '../src/security/credential-vault';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { TEST_AES_MASTER_KEY, TEST_AES_NEXT_KEY } from './support/test-env';

type P = TestPlatform & { dispose(): Promise<void> };

describe('broker API with the Paper broker', () => {
  let p: P;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    p = await startTestPlatform();
    const reg = async (email: string) =>
      (await p.app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'correct-horse-42', name: email } })).json().access_token as string;
    alice = await reg('alice@example.com');
    bob = await reg('bob@example.com');
  });
  afterAll(async () => p.dispose());

  const call = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    p.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('connects a Paper account, lists it live, and removes it', async () => {
    const r = await call(alice, 'POST', '/broker/connect', { broker: 'paper' });
    expect(r.statusCode).toBe(201);
    const acc = r.json();
    expect(acc).toMatchObject({ broker: 'paper', status: 'CONNECTED', token_expires_at: null, login_required: false });
    expect(acc.account_ref).toMatch(/^PAPER-/);

    const list = (await call(alice, 'GET', '/broker/status')).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: acc.id, status: 'CONNECTED' });
    expect(list.items[0].last_checked_at).toEqual(expect.any(String));

    expect((await call(alice, 'DELETE', `/broker/${acc.id}`)).json()).toEqual({ ok: true });
    expect((await call(alice, 'GET', '/broker/status')).json().items).toEqual([]);
    expect((await call(alice, 'DELETE', `/broker/${acc.id}`)).statusCode).toBe(404);
  });

  it('keeps a user away from another user\'s broker account: every attempt is 404', async () => {
    const acc = (await call(alice, 'POST', '/broker/connect', { broker: 'paper', label: 'Mine' })).json();
    const missing = (await call(bob, 'DELETE', '/broker/00000000-0000-4000-8000-000000000000')).json();
    for (const [method, url] of [
      ['DELETE', `/broker/${acc.id}`],
      ['GET', `/broker/${acc.id}/login-url`],
    ] as const) {
      const r = await call(bob, method, url);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.json()).toEqual(missing);
    }
    expect((await call(bob, 'GET', '/broker/status')).json().items).toEqual([]);
    const search = await call(bob, 'GET', `/instruments/search?q=INF&broker_id=${acc.id}`);
    expect(search.statusCode).toBe(404);
    // a malformed id is simply not found too
    expect((await call(bob, 'DELETE', '/broker/not-a-uuid')).statusCode).toBe(404);
    // and Alice still has hers
    expect((await call(alice, 'GET', '/broker/status')).json().items.map((a: { id: string }) => a.id)).toContain(acc.id);
  });

  it('shows an account whose stored credentials cannot be opened as ERROR, and lists the others as usual', async () => {
    const good = (await call(bob, 'POST', '/broker/connect', { broker: 'paper', label: 'good' })).json().id as string;
    const bad = (await call(bob, 'POST', '/broker/connect', { broker: 'paper', label: 'damaged' })).json().id as string;
    const accounts = new BrokerAccountRepository(p.db);
    const userId = (await p.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${bob}` } })).json().id as string;
    const row = (await accounts.get(userId, bad))!;
    const sealed = JSON.parse(row.sealedSecret) as { ciphertext: string };
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = (flipped[0] ?? 0) ^ 0xff;
    await accounts.update(userId, bad, { sealedSecret: JSON.stringify({ ...sealed, ciphertext: flipped.toString('base64') }) });
    const r = await call(bob, 'GET', '/broker/status');
    expect(r.statusCode).toBe(200);
    const items = r.json().items as Array<{ id: string; status: string; status_message?: string | null }>;
    expect(items.find((i) => i.id === good)).toMatchObject({ status: 'CONNECTED' });
    expect(items.find((i) => i.id === bad)).toMatchObject({ status: 'ERROR' });
    expect(JSON.stringify(items)).toMatch(/cannot be read/);
    for (const id of [good, bad]) expect((await call(bob, 'DELETE', `/broker/${id}`)).statusCode).toBe(200);
  });

  it('validates connect bodies per broker with field messages', async () => {
    const notObject = await p.app.inject({ method: 'POST', url: '/broker/connect', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' }, payload: '[]' });
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json().error).toEqual({ code: 'VALIDATION_FAILED', message: 'Some fields are invalid', fields: { body: 'The request body must be a JSON object' } });

    const unknown = await call(alice, 'POST', '/broker/connect', { broker: 'robinhood', credentials: {} });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('VALIDATION_FAILED');

    const dhan = await call(alice, 'POST', '/broker/connect', { broker: 'dhan', credentials: { client_id: '1100' } });
    expect(dhan.statusCode).toBe(400);
    expect(dhan.json().error.fields['credentials.access_token']).toMatch(/access token, or give your PIN and TOTP secret/);

    const angel = await call(alice, 'POST', '/broker/connect', { broker: 'angelone', credentials: { api_key: 'k', client_code: 'S1', mpin: '12a4', totp_secret: 'not base32!' } });
    expect(angel.statusCode).toBe(400);
    expect(angel.json().error.fields).toMatchObject({ 'credentials.mpin': 'MPIN must be 4 digits', 'credentials.totp_secret': expect.stringMatching(/base32/) });

    const kite = await call(alice, 'POST', '/broker/connect', { broker: 'zerodha', credentials: { api_key: '' } });
    expect(kite.statusCode).toBe(400);
    expect(kite.json().error.fields).toMatchObject({ 'credentials.api_key': 'API key is required', 'credentials.api_secret': 'API secret is required' });
  });

  it('refuses a redirect login URL for a broker that has none', async () => {
    const acc = (await call(alice, 'POST', '/broker/connect', { broker: 'paper' })).json();
    const r = await call(alice, 'GET', `/broker/${acc.id}/login-url`);
    expect(r.statusCode).toBe(422);
    expect(r.json().error.code).toBe('BROKER_NO_REDIRECT_LOGIN');
  });

  it('rejects a forged or expired redirect-login state', async () => {
    const r = await p.app.inject({ method: 'GET', url: '/broker/callback/zerodha?request_token=abc&state=forged.sig' });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('BROKER_LOGIN_STATE_INVALID');
  });

  it('searches instruments for the symbol picker', async () => {
    const r = await call(alice, 'GET', '/instruments/search?q=inf');
    expect(r.statusCode).toBe(200);
    expect(r.json().items[0]).toEqual({ exchange: 'NSE', symbol: 'INFY', name: 'INFOSYS', tick_size: 0.05, lot_size: 1 });
    const byName = (await call(alice, 'GET', '/instruments/search?q=state%20bank')).json();
    expect(byName.items.map((i: { symbol: string }) => i.symbol)).toContain('SBIN');
    expect((await call(alice, 'GET', '/instruments/search?q=')).statusCode).toBe(400);
    expect((await p.app.inject({ method: 'GET', url: '/instruments/search?q=inf' })).statusCode).toBe(401);
  });

  it('runs the pre-open token check without disturbing live Paper sessions', async () => {
    const before = (await call(alice, 'GET', '/broker/status')).json().items.length;
    const res = await p.brokers.dailyTokenCheck();
    expect(res.checked).toBeGreaterThanOrEqual(before);
    expect(res.expired).toBe(0);
  });
});

describe('broker accounts across a vault key rotation', () => {
  const OLD_KEY = Buffer.from(TEST_AES_MASTER_KEY, 'base64');
  const NEW_KEY = Buffer.from(TEST_AES_NEXT_KEY, 'base64');
  let p: P;
  let token: string;
  let userId: string;
  beforeAll(async () => {
    // The operator rotated AES_MASTER_KEY: version 2 seals, version 1 still opens old records.
    p = await startTestPlatform({ env: { AES_MASTER_KEY: `2:${TEST_AES_NEXT_KEY},1:${TEST_AES_MASTER_KEY}` } });
    const r = (await p.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'rotation@example.com', password: 'correct-horse-42', name: 'Rotation' } })).json();
    token = r.access_token;
    userId = r.user.id;
  });
  afterAll(async () => p.dispose());

  it('opens a record sealed under key v1 and re-seals it under v2, still decrypting to the same secret', async () => {
    const accounts = new BrokerAccountRepository(p.db);
    const id = randomUUID();
    const aad = `${userId}:${id}`;
    const secret = { credentials: {}, session: { accessToken: 'paper', expiresAt: null, extra: { account: 'PAPER-ROTATE1' }, accountRef: 'PAPER-ROTATE1' } };
    // Written before the rotation, by a server that had only the old key.
    const before = new CredentialVault(new Map([[1, OLD_KEY]]));
    const sealedV1 = before.sealJson(secret, aad);
    expect(sealedV1.keyVersion).toBe(1);
    await accounts.insert({ id, userId, broker: 'paper', label: 'Old paper', status: 'CONNECTED', statusMessage: null, sealedSecret: sealedV1.text, keyVersion: 1, tokenExpiresAt: null, lastCheckedAt: null, accountRef: 'PAPER-ROTATE1' });

    // Any read that opens the record (here the live status check) re-seals it under the new key.
    const status = await p.app.inject({ method: 'GET', url: '/broker/status', headers: { authorization: `Bearer ${token}` } });
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json().items).toEqual([expect.objectContaining({ id, status: 'CONNECTED', account_ref: 'PAPER-ROTATE1' })]);

    const row = await vi.waitFor(async () => {
      const r = await accounts.get(userId, id);
      expect(r?.keyVersion).toBe(2);
      return r!;
    });
    expect(JSON.parse(row.sealedSecret).keyVersion).toBe(2);
    expect(row.sealedSecret).not.toBe(sealedV1.text);
    // It decrypts, under the new key alone, to the same secret, bound to the same row.
    expect(p.vault.openJson(row.sealedSecret, aad)).toEqual(secret);
    expect(new CredentialVault(new Map([[2, NEW_KEY]])).openJson(row.sealedSecret, aad)).toEqual(secret);
    expect(() => before.openJson(row.sealedSecret, aad)).toThrow(/No key for version 2/);

    // The re-sealed record keeps working, and is not re-sealed again.
    await expect(p.brokers.brokerFor(userId, id)).resolves.toMatchObject({ kind: 'paper' });
    expect((await accounts.get(userId, id))?.sealedSecret).toBe(row.sealedSecret);
  });
});
