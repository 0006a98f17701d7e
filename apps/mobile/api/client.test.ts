import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Strategy } from '@ats/contracts';
import { ApiClient, joinUrl } from './client';
import { describeError, errorFromResponse, parseRetryAfter, type ApiError } from './errors';

let server: Server;
let base: string;
const routes: Record<string, { status: number; body: unknown; headers?: Record<string, string> }> = {
  '/strategy/create': {
    status: 400,
    body: { error: { code: 'VALIDATION_FAILED', message: 'Some fields are invalid', fields: { stop_loss: 'Stop-loss is mandatory' } } },
  },
  '/strategy/x/start': { status: 409, body: { error: { code: 'BROKER_NOT_CONNECTED', message: 'Broker not connected' } } },
  '/busy': { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'Too many' } }, headers: { 'retry-after': '7' } },
  '/boom': { status: 500, body: { error: { code: 'INTERNAL', message: 'stack trace here' } } },
  '/html': { status: 502, body: '<html>bad gateway</html>' },
  '/wrong-shape': { status: 200, body: { id: 42 } },
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const r = routes[(req.url ?? '').split('?')[0] ?? ''];
    if (!r) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(r.status, { 'content-type': typeof r.body === 'string' ? 'text/html' : 'application/json', ...r.headers });
    res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = (url = () => base) =>
  new ApiClient({
    link: {
      baseUrl: url,
      tokens: () => ({ access_token: 'a', refresh_token: 'r', access_expires_at: Date.now() + 600_000 }),
      tokensRotated: () => undefined,
      sessionLost: () => undefined,
    },
  });

const failure = (p: Promise<unknown>) => p.then(() => expect.fail('expected a failure'), (e: unknown) => e as ApiError);

describe('API client error mapping', () => {
  it('400: keeps field messages keyed like the form', async () => {
    const e = await failure(client().request('/strategy/create', { method: 'POST', body: {} }));
    expect(e.kind).toBe('validation');
    expect(e.fields).toEqual({ stop_loss: 'Stop-loss is mandatory' });
    expect(e.message).toBe('Please fix the highlighted fields.');
  });

  it('409: explains the next step for known codes', async () => {
    const e = await failure(client().request('/strategy/x/start', { method: 'POST' }));
    expect(e.kind).toBe('conflict');
    expect(e.code).toBe('BROKER_NOT_CONNECTED');
    expect(e.message).toMatch(/Broker tab/);
  });

  it('429: says when to retry from Retry-After', async () => {
    const e = await failure(client().request('/busy'));
    expect(e.kind).toBe('rate_limited');
    expect(e.retryAfterSeconds).toBe(7);
    expect(e.message).toBe('Too many requests. Try again in 7 s.');
  });

  it('5xx: never shows the server internals, even for non-JSON bodies', async () => {
    const e = await failure(client().request('/boom'));
    expect(e.kind).toBe('server');
    expect(e.message).not.toMatch(/stack/);
    const g = await failure(client().request('/html'));
    expect(g.kind).toBe('server');
    expect(g.code).toBe('HTTP_502');
  });

  it('network: a refused connection says to check the server URL', async () => {
    const e = await failure(client(() => 'http://127.0.0.1:1').request('/auth/me'));
    expect(e.kind).toBe('network');
    expect(e.message).toMatch(/server URL/);
  });

  it('a 2xx body that does not match the contract is an error, not silent garbage', async () => {
    const e = await failure(client().request('/wrong-shape', { schema: Strategy }));
    expect(e.code).toBe('BAD_RESPONSE');
  });

  it('describes any thrown value in one sentence', () => {
    expect(describeError(new Error('x'))).toBe('x');
    expect(describeError({})).toBe('Something went wrong. Try again.');
    expect(errorFromResponse(503, undefined, null, 0).message).toMatch(/busy or starting/);
  });

  it('parses Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter(null, 0)).toBeNull();
  });

  it('builds URLs without empty query values', () => {
    expect(joinUrl('http://h:1/', '/strategy/list', { status: undefined, limit: 20, cursor: '' })).toBe('http://h:1/strategy/list?limit=20');
  });
});
