import { Writable } from 'node:stream';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, registeredRoutes } from '../src/api/app';
import { AccessTokens } from '../src/security/access-tokens';
import { freePort } from './support/server-process';
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

  /** `ip` is the socket's address (what `req.ip` is when no proxy is trusted); headers may add a spoofed X-Forwarded-For. */
  const post = (url: string, payload: unknown, ip = '127.0.0.1', headers: Record<string, string> = {}) =>
    p.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress: ip, headers: { 'content-type': 'application/json', ...headers } });
  const login = (email: string, password: string, ip: string, headers: Record<string, string> = {}) => post('/auth/login', { email, password }, ip, headers);
  const register = (email: string, password = 'correct-horse-42') => post('/auth/register', { email, password, name: 'Asha Trader' });

  /** HS256, with sub, iat, exp and jti, and 15 minutes between iat and exp, issued at the virtual clock's time. */
  function expectAccessToken(token: string, userId: string): void {
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256' });
    const claims = decodeJwt(token);
    expect(claims.sub).toBe(userId);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof claims.iat).toBe('number');
    expect(typeof claims.exp).toBe('number');
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(claims.iat).toBe(Math.floor(p.clock.now() / 1000));
  }

  it('registers, logs in and returns the user from /auth/me', async () => {
    const r = await register('Asha@Example.com');
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 900, user: { email: 'asha@example.com', name: 'Asha Trader' } });
    expect(body.user.password_hash).toBeUndefined();
    expectAccessToken(body.access_token, body.user.id);

    // The password is stored as an argon2id hash, never as given.
    const row = await p.db.selectFrom('users').select('password_hash').where('id', '=', body.user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain('correct-horse-42');

    const signedIn = await login('ASHA@example.com', 'correct-horse-42', '10.0.9.1');
    expect(signedIn.statusCode).toBe(200);
    expectAccessToken(signedIn.json().access_token, body.user.id);
    const me = await p.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${signedIn.json().access_token}` } });
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
    const wrong = await login('known@example.com', 'not-the-password', '10.0.0.1');
    const unknown = await login('ghost@example.com', 'not-the-password', '10.0.0.2');
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
      const r = await login('victim@example.com', `wrong-${i}-pass`, `10.1.0.${i}`);
      expect(r.statusCode).toBe(401);
    }
    // Per email: even the right password from a fresh IP is held back for the window.
    const blocked = await login('victim@example.com', 'correct-horse-42', '10.1.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    await p.clock.advance(61_000);
    const later = await login('victim@example.com', 'correct-horse-42', '10.1.1.1');
    expect(later.statusCode).toBe(200);

    // Per IP: one address spraying many emails.
    for (let i = 0; i < 5; i++) {
      expect((await login(`spray${i}@example.com`, 'whatever-123', '10.9.9.9')).statusCode).toBe(401);
    }
    const ipBlocked = await login('victim@example.com', 'correct-horse-42', '10.9.9.9');
    expect(ipBlocked.statusCode).toBe(429);
    expect(ipBlocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(ipBlocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(ipBlocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Successful sign-ins from a shared address do not use up its allowance.
    await p.clock.advance(61_000);
    for (let i = 0; i < 8; i++) expect((await login('victim@example.com', 'correct-horse-42', '10.9.9.10')).statusCode).toBe(200);
    expect((await login('nobody@example.com', 'whatever-123', '10.9.9.10')).statusCode).toBe(401);
  });

  it('ignores a spoofed X-Forwarded-For: the per-IP limit holds when no proxy is trusted', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await login(`spoof${i}@example.com`, 'whatever-123', '10.4.0.1', { 'x-forwarded-for': `198.51.100.${i}` });
      expect(r.statusCode).toBe(401);
    }
    const r = await login('spoof-next@example.com', 'whatever-123', '10.4.0.1', { 'x-forwarded-for': '198.51.100.200' });
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('lets at most 5 of a parallel burst on one email reach the password check', async () => {
    await register('burst@example.com');
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login('burst@example.com', `wrong-pass-${i}`, `10.3.0.${i}`)));
    const codes = burst.map((r) => r.statusCode);
    const unauthorized = codes.filter((c) => c === 401).length;
    expect(unauthorized).toBeGreaterThan(0);
    expect(unauthorized).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBe(20 - unauthorized);
    for (const r of burst.filter((x) => x.statusCode === 429)) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    // The right password waits out the window too.
    expect((await login('burst@example.com', 'correct-horse-42', '10.3.1.1')).statusCode).toBe(429);
    await p.clock.advance(61_000);
    expect((await login('burst@example.com', 'correct-horse-42', '10.3.1.1')).statusCode).toBe(200);
  });

  it('lets at most 5 of a parallel burst from one IP reach the password check', async () => {
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => login(`ipburst${i}@example.com`, 'whatever-123', '10.3.2.1')));
    const codes = burst.map((r) => r.statusCode);
    const unauthorized = codes.filter((c) => c === 401).length;
    expect(unauthorized).toBeGreaterThan(0);
    expect(unauthorized).toBeLessThanOrEqual(5);
    expect(codes.filter((c) => c === 429).length).toBe(20 - unauthorized);
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
    const q = await startTestPlatform({ env: { ATS_ROLES: 'api', ATS_SERVE_APP: 'false' } });
    try {
      await q.db.destroy();
      const r = await q.app.inject({ method: 'GET', url: '/health/ready' });
      expect(r.statusCode).toBe(503);
      const body = r.json();
      expect(body.status).toBe('not_ready');
      expect(body.checks.database.ok).toBe(false);
      expect(typeof body.checks.database.error).toBe('string');
      expect(body.checks.database.error.length).toBeGreaterThan(0);
    } finally {
      await q.dispose().catch(() => undefined);
    }
  });

  it('reports not-ready with Redis named when REDIS_URL points at nothing', async () => {
    const closed = await freePort();
    const q = await startTestPlatform({ env: { REDIS_URL: `redis://127.0.0.1:${closed}`, ATS_ROLES: 'api', ATS_SERVE_APP: 'false' } });
    try {
      const r = await q.app.inject({ method: 'GET', url: '/health/ready' });
      expect(r.statusCode).toBe(503);
      const body = r.json();
      expect(body.status).toBe('not_ready');
      expect(body.checks.database).toEqual({ ok: true });
      expect(body.checks.redis.ok).toBe(false);
      expect(body.checks.redis.error.length).toBeGreaterThan(0);
    } finally {
      await q.dispose().catch(() => undefined);
    }
  }, 20_000);

  it('describes every registered route in /openapi.json, with request and response schemas', async () => {
    const doc = (await p.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    type Op = {
      parameters?: Array<{ in: string; name: string; schema?: object }>;
      requestBody?: { content?: Record<string, { schema?: object }> };
      responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
    };
    const paths = doc.paths as Record<string, Record<string, Op>>;
    // Every route the server registered (collected by the app's onRoute hook), not a list kept by hand.
    const routes = registeredRoutes(p.app).filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      const op = paths[path]?.[route.method.toLowerCase()];
      expect(op, `${name} is in /openapi.json`).toBeDefined();
      if (!op) continue;
      expect(p.app.hasRoute({ method: route.method as 'GET', url: route.url }), `${name} is served`).toBe(true);

      for (const param of route.url.match(/:(\w+)/g) ?? []) {
        const declared = op.parameters?.find((x) => x.in === 'path' && x.name === param.slice(1));
        expect(declared?.schema, `${name}: path parameter ${param} has a schema`).toBeDefined();
      }
      if (route.schema?.querystring) expect(op.parameters?.some((x) => x.in === 'query' && x.schema), `${name}: query parameters`).toBe(true);
      if ((route.method === 'POST' || route.method === 'PUT') && route.schema?.body) {
        const content = Object.values(op.requestBody?.content ?? {});
        expect(content.length, `${name} has requestBody.content`).toBeGreaterThan(0);
        for (const c of content) expect(c.schema, `${name}: request body schema`).toBeDefined();
      }
      const responses = Object.entries(op.responses ?? {});
      expect(
        responses.some(([code]) => /^[23]\d\d$/.test(code)),
        `${name} documents its success response`,
      ).toBe(true);
      for (const [code, res] of responses) {
        if (!/^2\d\d$/.test(code) || code === '204') continue;
        const content = Object.values(res.content ?? {});
        expect(content.length, `${name} ${code} has content`).toBeGreaterThan(0);
        for (const c of content) expect(c.schema, `${name} ${code}: response schema`).toBeDefined();
      }
    }
    // ...and nothing the document describes is missing from the server.
    const served = new Set(routes.map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`));
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) expect(served.has(`${method} ${path}`), `${method} ${path} is a real route`).toBe(true);
    }
    const register = paths['/auth/register']?.post;
    expect(register?.requestBody?.content?.['application/json']?.schema).toHaveProperty('properties.email');
    expect(register?.responses?.['201']?.content?.['application/json']?.schema).toHaveProperty('properties.access_token');
    const docs = await p.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
  });

  it('answers an unexpected error with a bare 500 INTERNAL and no stack trace', async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const app = await buildApp({
      logLevel: 'info',
      corsOrigins: '*',
      accessTokens: new AccessTokens('test-jwt-secret-key-that-is-long-enough-0123456789', () => Date.now()),
      logStream,
      routes: (a) => {
        a.get('/test/explode', () => {
          throw new Error('kaboom in /srv/app/internal.ts');
        });
        a.get('/test/explode-async', async () => {
          await Promise.resolve();
          throw Object.assign(new TypeError('cannot read properties of undefined (reading kaboom)'), { statusCode: 502 });
        });
      },
    });
    try {
      for (const url of ['/test/explode', '/test/explode-async']) {
        const r = await app.inject({ method: 'GET', url });
        expect(r.statusCode, url).toBe(500);
        expect(r.json()).toEqual({ error: { code: 'INTERNAL', message: 'Something went wrong on our side' } });
        expect(r.body).not.toMatch(/kaboom|stack|\bat \S+ \(|\.ts\b|TypeError/);
        // The details go to the log, with the request id, for whoever has to find them.
        const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; err?: { stack?: string } }).find((l) => l.reqId === r.headers['x-request-id'] && l.err);
        expect(logged?.err?.stack).toContain('kaboom');
      }
    } finally {
      await app.close();
    }
  });

  it('allows only the configured CORS origin', async () => {
    const q = await startTestPlatform({ env: { CORS_ORIGINS: 'https://app.example.com', ATS_ROLES: 'api', ATS_SERVE_APP: 'false' } });
    try {
      const ok = await q.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example.com' } });
      expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const other = await q.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example.net' } });
      expect(other.statusCode).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = (origin: string) =>
        q.app.inject({ method: 'OPTIONS', url: '/auth/login', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      expect((await preflight('https://app.example.com')).headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect((await preflight('https://evil.example.net')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await q.dispose();
    }
  });

  it.each(['1', '10.7.0.0/24'])('takes the client address from X-Forwarded-For behind a trusted proxy (ATS_TRUST_PROXY=%s)', async (trust) => {
    const q = await startTestPlatform({ env: { ATS_TRUST_PROXY: trust, ATS_ROLES: 'api', ATS_SERVE_APP: 'false' } });
    const from = (socket: string, email: string, client: string) =>
      q.app.inject({ method: 'POST', url: '/auth/login', remoteAddress: socket, payload: { email, password: 'whatever-123' }, headers: { 'x-forwarded-for': client } });
    try {
      for (let i = 0; i < 5; i++) expect((await from('10.7.0.1', `proxied${i}@example.com`, '203.0.113.7')).statusCode).toBe(401);
      const limited = await from('10.7.0.1', 'proxied-next@example.com', '203.0.113.7');
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another client behind the same proxy has its own allowance.
      expect((await from('10.7.0.1', 'proxied-next@example.com', '203.0.113.8')).statusCode).toBe(401);
      if (trust.includes('/')) {
        // A peer that is not a listed proxy is its own address, whatever it claims.
        for (let i = 0; i < 5; i++) expect((await from('192.0.2.9', `direct${i}@example.com`, `203.0.113.${20 + i}`)).statusCode).toBe(401);
        expect((await from('192.0.2.9', 'direct-next@example.com', '203.0.113.99')).statusCode).toBe(429);
      }
    } finally {
      await q.dispose();
    }
  });
});

describe.skipIf(!process.env.ATS_TEST_REDIS_URL)('with Redis', () => {
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

  it('keeps the login limit atomic on Redis: a parallel burst on one email gets at most 5 401s', async () => {
    const p = await startTestPlatform({ redis: true, env: { ATS_ROLES: 'api', ATS_SERVE_APP: 'false' } });
    try {
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          p.app.inject({ method: 'POST', url: '/auth/login', remoteAddress: `10.6.0.${i}`, payload: { email: 'redis-burst@example.com', password: `wrong-pass-${i}` } }),
        ),
      );
      const unauthorized = burst.filter((r) => r.statusCode === 401).length;
      expect(unauthorized).toBeGreaterThan(0);
      expect(unauthorized).toBeLessThanOrEqual(5);
      const limited = burst.filter((r) => r.statusCode === 429);
      expect(limited.length).toBe(20 - unauthorized);
      for (const r of limited) expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await p.dispose();
    }
  });
});
