import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { KITE_SIM_API_KEY, KITE_SIM_API_SECRET } from '@ats/broker-sims';
import { SimMarket } from '@ats/market-sim';
import { startTestPlatform, type TestPlatform } from './test-platform';
import type { SupervisorOptions } from '../../src/engine/run-supervisor';

export type EnginePlatform = TestPlatform & { dispose(): Promise<void>; paperMarket: SimMarket };

/** 2026-11-25 09:30:00 IST: a Wednesday, a trading day. */
export const T0 = Date.UTC(2026, 10, 25, 4, 0, 0);

/** `HH:MM:SS` IST of an epoch, for strategy times. */
export function ist(ts: number): string {
  return new Date(ts + 5.5 * 3600_000).toISOString().slice(11, 19);
}

/** The real server with its engine, on a virtual clock, with a Paper market the test scripts. */
export async function startEnginePlatform(env: Record<string, string> = {}, opts: { redis?: boolean; engineOptions?: Partial<SupervisorOptions> } = {}): Promise<EnginePlatform> {
  let clockNow = (): number => T0;
  const paperMarket = new SimMarket({ seed: 7, now: () => clockNow() });
  paperMarket.walkEnabled = false;
  const p = await startTestPlatform({
    start: T0,
    redis: opts.redis ?? false,
    env: { ATS_PAPER_LATENCY_MS: '0', ATS_BROKER_ORDER_TIMEOUT_MS: '700', ...env },
    overrides: { paperMarket, engineOptions: { rescanEveryMs: 200, ...opts.engineOptions } },
  });
  clockNow = () => p.clock.now();
  return Object.assign(p, { paperMarket });
}

/**
 * Response bodies as tests read them: JSON whose shape each test asserts itself, so property access
 * stays convenient without pretending to a static type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: test-side JSON, asserted at runtime
export type Json = any;

export interface Api {
  token: string;
  userId: string;
  get(url: string): Promise<{ status: number; body: Json }>;
  post(url: string, payload?: unknown): Promise<{ status: number; body: Json }>;
  put(url: string, payload: unknown): Promise<{ status: number; body: Json }>;
}

export async function signUp(p: TestPlatform, email: string): Promise<Api> {
  const r = (await p.app.inject({ method: 'POST', url: '/auth/register', payload: { email, password: 'correct-horse-42', name: email } })).json();
  let token = r.access_token as string;
  let refresh = r.refresh_token as string;
  const send = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    p.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  // Virtual time runs past the 15-minute access token: refresh it the way the app does.
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => {
    let res = await send(method, url, payload);
    if (res.statusCode === 401 && res.json().error.code === 'TOKEN_EXPIRED') {
      const t = (await p.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: refresh } })).json();
      token = t.access_token;
      refresh = t.refresh_token;
      api.token = token;
      res = await send(method, url, payload);
    }
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };
  const api: Api = { token, userId: r.user.id, get: (u) => call('GET', u), post: (u, b) => call('POST', u, b ?? {}), put: (u, b) => call('PUT', u, b) };
  return api;
}

/**
 * Let real I/O (sims, sockets) and virtual time move together: advance the virtual clock in small
 * steps, yielding real time between them, until `cond` holds.
 */
export async function until<T>(p: TestPlatform, cond: () => Promise<T | undefined | null | false>, opts: { stepMs?: number; realTimeoutMs?: number; label?: string } = {}): Promise<T> {
  const end = Date.now() + (opts.realTimeoutMs ?? 15_000);
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${opts.label ?? 'condition'} (virtual time ${new Date(p.clock.now()).toISOString()})`);
    await p.clock.advance(opts.stepMs ?? 20);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export async function phaseIs(api: Api, strategyId: string, ...phases: string[]): Promise<Json> {
  const s = await api.get(`/strategy/${strategyId}/status`);
  return phases.includes(s.body?.phase) ? s.body : undefined;
}

/** The server's Kite endpoints (REST, ticker, login) pointed at a running Kite sim. */
export function kiteSimEnv(simUrl: string): Record<string, string> {
  return { KITE_API_URL: simUrl, KITE_WS_URL: simUrl.replace('http', 'ws'), KITE_LOGIN_URL: simUrl };
}

/** Connect the sim's Kite account for this user with a fresh session; returns the broker account id. */
export async function connectKiteSim(api: Api, simUrl: string): Promise<string> {
  const token = await kiteToken(simUrl, KITE_SIM_API_KEY, KITE_SIM_API_SECRET);
  const r = await api.post('/broker/connect', { broker: 'zerodha', credentials: { api_key: KITE_SIM_API_KEY, api_secret: KITE_SIM_API_SECRET, access_token: token } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id as string;
}

/** A Kite access token from the sim, issued the way Kite issues them. */
export async function kiteToken(simUrl: string, apiKey: string, apiSecret: string): Promise<string> {
  const loginPage = await fetch(`${simUrl}/connect/login?api_key=${apiKey}&v=3`, { redirect: 'manual' });
  const rt = new URL(loginPage.headers.get('location') as string).searchParams.get('request_token') as string;
  const form = new URLSearchParams({ api_key: apiKey, request_token: rt, checksum: createHash('sha256').update(apiKey + rt + apiSecret).digest('hex') });
  const res = await fetch(`${simUrl}/session/token`, { method: 'POST', body: form, headers: { 'x-kite-version': '3', 'content-type': 'application/x-www-form-urlencoded' } });
  return ((await res.json()) as { data: { access_token: string } }).data.access_token;
}
