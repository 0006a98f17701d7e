import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { TEST_DATABASE_URL } from './support/test-env';

type P = TestPlatform & { dispose(): Promise<void> };

const storages = ['pglite' as const, ...(TEST_DATABASE_URL ? ['postgres' as const] : [])];

describe.each(storages)('auth API (%s)', (storage) => {
  let p: P;
  beforeAll(async () => {
    p = await startTestPlatform({ storage });
  });
  afterAll(async () => p.dispose());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    p.app.inject({ method: 'POST', url, payload: payload as object, headers: { 'content-type': 'application/json', ...headers } });
  const register = (email: string, password = 'correct-horse-42') => post('/auth/register', { email, password, name: 'Asha Trader' });

  it('registers, logs in and returns the user from /auth/me', async () => {
    const r = await register('Asha@Example.com');
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900, user: { email: 'asha@example.com', name: 'Asha Trader' } });
    expect(body.user.password_hash).toBeUndefined();

    const login = await post('/auth/login', { email: 'ASHA@example.com', password: 'correct-horse-42' });
    expect(login.statusCode).toBe(200);
    const me = await p.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${login.json().access_token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: body.user.id, email: 'asha@example.com' });
  });

  it('refuses a duplicate email (case-insensitive) with 409', async () => {
    expect((await register('dup@example.com')).statusCode).toBe(201);
    const r = await register('DUP@example.com');
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe('EMAIL_TAKEN');
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    await register('known@example.com');
    const wrong = await post('/auth/login', { email: 'known@example.com', password: 'not-the-password' }, { 'x-forwarded-for': '10.0.0.1' });
    const unknown = await post('/auth/login', { email: 'ghost@example.com', password: 'not-the-password' }, { 'x-forwarded-for': '10.0.0.2' });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('rejects an expired access token with 401 TOKEN_EXPIRED, using the virtual clock', async () => {
    const r = (await register('expiry@example.com')).json();
    const auth = { authorization: `Bearer ${r.access_token}` };
    expect((await p.app.inject({ method: 'GET', url: '/auth/me', headers: auth })).statusCode).toBe(200);
    await p.clock.advance(15 * 60 * 1000 + 1000);
    const late = await p.app.inject({ method: 'GET', url: '/auth/me', headers: auth });
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('TOKEN_EXPIRED');
    const none = await p.app.inject({ method: 'GET', url: '/auth/me' });
    expect(none.statusCode).toBe(401);
    const garbage = await p.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(garbage.statusCode).toBe(401);
    expect(garbage.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('rotates refresh tokens and detects reuse by revoking the family', async () => {
    const first = (await register('rotate@example.com')).json();
    const second = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(second.statusCode).toBe(200);
    const t2 = second.json();
    expect(t2.refresh_token).not.toBe(first.refresh_token);
    const third = await post('/auth/refresh', { refresh_token: t2.refresh_token });
    expect(third.statusCode).toBe(200);
    const t3 = third.json();

    // Replaying the first (already rotated) token is theft: the whole family dies.
    const replay = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('REFRESH_TOKEN_REUSED');
    const afterRevoke = await post('/auth/refresh', { refresh_token: t3.refresh_token });
    expect(afterRevoke.statusCode).toBe(401);

    const bogus = await post('/auth/refresh', { refresh_token: 'nope' });
    expect(bogus.statusCode).toBe(401);
    expect(bogus.json().error.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('logs out by revoking the refresh token', async () => {
    const r = (await register('logout@example.com')).json();
    const out = await post('/auth/logout', { refresh_token: r.refresh_token });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ ok: true });
    expect((await post('/auth/refresh', { refresh_token: r.refresh_token })).statusCode).toBe(401);
  });

  it('rate-limits failed logins per email and per IP with 429 and Retry-After', async () => {
    await register('victim@example.com');
    for (let i = 0; i < 5; i++) {
      const r = await post('/auth/login', { email: 'victim@example.com', password: `wrong-${i}-pass` }, { 'x-forwarded-for': `10.1.0.${i}` });
      expect(r.statusCode).toBe(401);
    }
    // Per email: even the right password from a fresh IP is held back for the window.
    const blocked = await post('/auth/login', { email: 'victim@example.com', password: 'correct-horse-42' }, { 'x-forwarded-for': '10.1.1.1' });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    await p.clock.advance(61_000);
    const later = await post('/auth/login', { email: 'victim@example.com', password: 'correct-horse-42' }, { 'x-forwarded-for': '10.1.1.1' });
    expect(later.statusCode).toBe(200);

    // Per IP: one address spraying many emails.
    for (let i = 0; i < 5; i++) {
      await post('/auth/login', { email: `spray${i}@example.com`, password: 'whatever-123' }, { 'x-forwarded-for': '10.9.9.9' });
    }
    const ipBlocked = await post('/auth/login', { email: 'victim@example.com', password: 'correct-horse-42' }, { 'x-forwarded-for': '10.9.9.9' });
    expect(ipBlocked.statusCode).toBe(429);
  });

  it('validates input with 400 and per-field messages', async () => {
    const r = await post('/auth/register', { email: 'not-an-email', password: 'short' });
    expect(r.statusCode).toBe(400);
    const { error } = r.json();
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.fields).toMatchObject({ email: expect.any(String), password: 'Password must be at least 8 characters', name: expect.any(String) });

    const common = await post('/auth/register', { email: 'c@example.com', password: 'password123', name: 'C' });
    expect(common.statusCode).toBe(400);
    expect(common.json().error.fields.password).toMatch(/too common/);

    const badJson = await p.app.inject({ method: 'POST', url: '/auth/login', payload: '{"email":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBeDefined();
  });
});

describe('HTTP surface', () => {
  let p: P;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => p.dispose());

  it('answers unknown routes with 404 in the error shape, with a request id and security headers', async () => {
    const r = await p.app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'No route GET /nope' } });
    expect(r.headers['x-request-id']).toMatch(/[0-9a-f-]{36}/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('SAMEORIGIN');
    const kept = await p.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'client-req-12345' } });
    expect(kept.headers['x-request-id']).toBe('client-req-12345');
  });

  it('reports liveness and readiness', async () => {
    expect((await p.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await p.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: { ok: true } } });
  });

  it('reports not-ready with the failing part named when the database is down', async () => {
    const q = await startTestPlatform();
    await q.db.destroy();
    const r = await q.app.inject({ method: 'GET', url: '/health/ready' });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks.database.ok).toBe(false);
    await q.app.close();
  });

  it('publishes an OpenAPI document describing every route with request and response schemas', async () => {
    const doc = (await p.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    // Every API route is in the document, with its schemas.
    for (const [method, url] of [
      ['post', '/auth/register'], ['post', '/auth/login'], ['post', '/auth/refresh'], ['post', '/auth/logout'], ['get', '/auth/me'],
      ['post', '/broker/connect'], ['get', '/broker/status'], ['delete', '/broker/{broker_id}'], ['get', '/broker/{broker_id}/login-url'], ['get', '/broker/callback/{broker}'],
      ['get', '/instruments/search'], ['post', '/strategy/create'], ['get', '/strategy/list'], ['get', '/strategy/{id}'], ['put', '/strategy/{id}'], ['delete', '/strategy/{id}'],
      ['post', '/strategy/{id}/start'], ['post', '/strategy/{id}/stop'], ['get', '/strategy/{id}/status'], ['get', '/strategy/{id}/events'], ['get', '/strategy/{id}/orders'],
      ['get', '/health'], ['get', '/health/ready'],
    ] as const) {
      expect(doc.paths[url]?.[method], `${method.toUpperCase()} ${url}`).toBeDefined();
      expect(p.app.hasRoute({ method: method.toUpperCase() as 'GET', url: url.replace(/\{(\w+)\}/g, ':$1') }), `${method} ${url} is served`).toBe(true);
    }
    const register = doc.paths['/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.properties).toHaveProperty('email');
    expect(register.responses['201'].content['application/json'].schema.properties).toHaveProperty('access_token');
    for (const [path, methods] of Object.entries<Record<string, { responses?: object }>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.responses, `${method.toUpperCase()} ${path} has responses`).toBeDefined();
      }
    }
    const docs = await p.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });
});

describe.skipIf(!process.env.ATS_TEST_REDIS_URL)('readiness with Redis', () => {
  it('includes Redis in readiness when REDIS_URL is set', async () => {
    const p = await startTestPlatform({ redis: true });
    try {
      const r = await p.app.inject({ method: 'GET', url: '/health/ready' });
      expect(r.statusCode).toBe(200);
      expect(r.json().checks).toEqual({ database: { ok: true }, redis: { ok: true } });
    } finally {
      await p.dispose();
    }
  });
});
