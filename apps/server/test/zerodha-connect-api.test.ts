import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { createZerodhaSim, KITE_SIM_API_KEY, KITE_SIM_API_SECRET } from '@ats/broker-sims';
import { userTopic } from '../src/ports/bus';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { freePort } from './support/server-process';

type P = TestPlatform & { dispose(): Promise<void> };

/**
 * Issue 3, acceptance 4: pointing KITE_API_URL / KITE_WS_URL / KITE_LOGIN_URL at the Kite sim lets a
 * user connect a Zerodha account through OUR API — by pasting a token, or through the redirect login.
 */
describe('connecting a Zerodha account through the API, against the Kite sim', () => {
  let sim: RunningSim;
  let p: P;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    sim = await startSim(createZerodhaSim({ redirectUrl: 'http://127.0.0.1:1/broker/callback/zerodha' }), 0, { tickIntervalMs: 50 });
    p = await startTestPlatform({
      env: { KITE_API_URL: sim.url, KITE_WS_URL: sim.url.replace('http', 'ws'), KITE_LOGIN_URL: sim.url },
    });
    const reg = (await p.app.inject({ method: 'POST', url: '/auth/register', payload: { email: 'kite@example.com', password: 'correct-horse-42', name: 'K' } })).json();
    token = reg.access_token;
    userId = reg.user.id;
  });
  afterAll(async () => {
    await p?.dispose();
    await sim?.close();
  });

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    p.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('connects through the redirect login, with the signed state carried through Kite', async () => {
    const created = await call('POST', '/broker/connect', { broker: 'zerodha', label: 'Kite', credentials: { api_key: KITE_SIM_API_KEY, api_secret: KITE_SIM_API_SECRET } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ status: 'TOKEN_EXPIRED', login_required: true });
    const id = created.json().id as string;

    const { url } = (await call('GET', `/broker/${id}/login-url`)).json();
    expect(url.startsWith(`${sim.url}/connect/login`)).toBe(true);
    // The user's browser at Kite: Kite redirects back with a request token and our redirect_params.
    const atKite = await fetch(url, { redirect: 'manual' });
    expect(atKite.status).toBe(302);
    const back = new URL(atKite.headers.get('location') as string);
    expect(back.searchParams.get('request_token')).toBeTruthy();

    const cb = await p.app.inject({ method: 'GET', url: `/broker/callback/zerodha${back.search}` });
    expect(cb.statusCode).toBe(200);
    expect(cb.json()).toMatchObject({ id, broker: 'zerodha', status: 'CONNECTED', login_required: false });
    expect(cb.json().token_expires_at).toEqual(expect.any(String));

    // The same one-time request token cannot be replayed.
    const again = await p.app.inject({ method: 'GET', url: `/broker/callback/zerodha${back.search}` });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe('BROKER_AUTH_FAILED');

    const status = (await call('GET', '/broker/status')).json().items.find((a: { id: string }) => a.id === id);
    expect(status.status).toBe('CONNECTED');
  });

  it("answers a wrong api_secret at the callback with 422 and Kite's own reason", async () => {
    const created = (await call('POST', '/broker/connect', { broker: 'zerodha', credentials: { api_key: KITE_SIM_API_KEY, api_secret: 'wrong-secret' } })).json();
    const { url } = (await call('GET', `/broker/${created.id}/login-url`)).json();
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') as string);
    const cb = await p.app.inject({ method: 'GET', url: `/broker/callback/zerodha${back.search}` });
    expect(cb.statusCode).toBe(422);
    expect(cb.json().error.code).toBe('BROKER_AUTH_FAILED');
    expect(cb.json().error.message.length).toBeGreaterThan(5);
  });

  it('connects with a pasted access token, and reports TOKEN_EXPIRED once Kite expires it', async () => {
    // Obtain a real token from the sim the way Kite issues them.
    const loginPage = await fetch(`${sim.url}/connect/login?api_key=${KITE_SIM_API_KEY}&v=3`, { redirect: 'manual' });
    const rt = new URL(loginPage.headers.get('location') as string).searchParams.get('request_token') as string;
    const { createHash } = await import('node:crypto');
    const form = new URLSearchParams({ api_key: KITE_SIM_API_KEY, request_token: rt, checksum: createHash('sha256').update(KITE_SIM_API_KEY + rt + KITE_SIM_API_SECRET).digest('hex') });
    const sess = (await (await fetch(`${sim.url}/session/token`, { method: 'POST', body: form, headers: { 'x-kite-version': '3', 'content-type': 'application/x-www-form-urlencoded' } })).json()) as { data: { access_token: string } };
    const accessToken = sess.data.access_token as string;

    const r = await call('POST', '/broker/connect', { broker: 'zerodha', credentials: { api_key: KITE_SIM_API_KEY, api_secret: KITE_SIM_API_SECRET, access_token: accessToken } });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ status: 'CONNECTED', account_ref: expect.any(String) });
    expect(JSON.stringify(r.json())).not.toContain(accessToken);
    expect(JSON.stringify(r.json())).not.toContain(KITE_SIM_API_SECRET);

    const bad = await call('POST', '/broker/connect', { broker: 'zerodha', credentials: { api_key: KITE_SIM_API_KEY, api_secret: KITE_SIM_API_SECRET, access_token: 'not-a-real-token' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('BROKER_AUTH_FAILED');

    await new SimControl(sim.url).expireTokens();
    const after = (await call('GET', '/broker/status')).json().items.find((a: { id: string }) => a.id === r.json().id);
    expect(after.status).toBe('TOKEN_EXPIRED');
    // The daily check cannot renew a Kite session by itself and tells the user instead.
    const alerts: unknown[] = [];
    const unsubscribe = await p.bus.subscribe(userTopic(userId), (m) => alerts.push(m));
    const res = await p.brokers.dailyTokenCheck();
    await unsubscribe();
    expect(res.expired).toBeGreaterThanOrEqual(1);
    const mine = alerts.filter((m) => (m as { alert?: { broker_id?: string } }).alert?.broker_id === r.json().id);
    expect(mine).toEqual([
      {
        type: 'alert',
        alert: { code: 'BROKER_TOKEN_EXPIRED', broker_id: r.json().id, broker: 'zerodha', message: expect.stringMatching(/session has expired; log in again before the market opens/) },
        ts: p.clock.now(),
      },
    ]);
    // One alert per expired account, all on this user's own topic.
    expect(alerts).toHaveLength(res.expired);
  });
});

describe('npm run sim -- zerodha --port N', () => {
  it('starts a standalone Kite sim', async () => {
    const port = await freePort();
    const child = spawn('npm', ['run', 'sim', '--', 'zerodha', '--port', String(port)], { cwd: new URL('../../..', import.meta.url).pathname, stdio: 'pipe', detached: true });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`sim did not start: ${out}`)), 15_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('listening')) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const health = await (await fetch(`http://127.0.0.1:${port}/_sim/health`)).json();
      expect(health).toEqual({ ok: true, broker: 'zerodha' });
      const csv = await (await fetch(`http://127.0.0.1:${port}/instruments/NSE`)).text();
      expect(csv.split('\n')[0]?.trim()).toBe('instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange');
    } finally {
      // npm → sh → tsx → node: signal the whole group so no sim outlives the test.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }
  });
});
