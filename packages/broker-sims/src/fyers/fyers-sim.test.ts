import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl } from '../core/sim-control';
import { startSim, type RunningSim } from '../core/sim-server';
import { createFyersSim, FYERS_SIM_APP_ID, FYERS_SIM_REDIRECT_URI, FYERS_SIM_SECRET_KEY } from './fyers-sim';

describe('Fyers sim wire format', () => {
  let sim: RunningSim;
  let auth = '';

  const call = async (method: string, path: string, body?: unknown, authorization = auth): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    sim = await startSim(createFyersSim(), 0, { tickIntervalMs: 0 });
    const q = new URLSearchParams({ client_id: FYERS_SIM_APP_ID, redirect_uri: FYERS_SIM_REDIRECT_URI, response_type: 'code', state: 'x' });
    const res = await fetch(`${sim.url}/api/v3/generate-authcode?${q.toString()}`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location') as string).searchParams.get('auth_code');
    const appIdHash = createHash('sha256').update(`${FYERS_SIM_APP_ID}:${FYERS_SIM_SECRET_KEY}`).digest('hex');
    const tok = await call('POST', '/api/v3/validate-authcode', { grant_type: 'authorization_code', appIdHash, code }, '');
    expect(tok.json).toMatchObject({ s: 'ok', code: 200, message: '' });
    auth = `${FYERS_SIM_APP_ID}:${String(tok.json.access_token)}`;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('uses an auth code once only', async () => {
    const q = new URLSearchParams({ client_id: FYERS_SIM_APP_ID, redirect_uri: FYERS_SIM_REDIRECT_URI, response_type: 'code', state: 'y' });
    const res = await fetch(`${sim.url}/api/v3/generate-authcode?${q.toString()}`, { redirect: 'manual' });
    const code = new URL(res.headers.get('location') as string).searchParams.get('auth_code');
    const appIdHash = createHash('sha256').update(`${FYERS_SIM_APP_ID}:${FYERS_SIM_SECRET_KEY}`).digest('hex');
    expect((await call('POST', '/api/v3/validate-authcode', { grant_type: 'authorization_code', appIdHash, code }, '')).status).toBe(200);
    expect((await call('POST', '/api/v3/validate-authcode', { grant_type: 'authorization_code', appIdHash, code }, '')).json).toEqual({ s: 'error', code: -374, message: 'invalid auth code' });
  });

  it('answers bad and expired tokens with 401 and Fyers codes', async () => {
    expect(await call('GET', '/api/v3/profile', undefined, `${FYERS_SIM_APP_ID}:garbage`)).toEqual({ status: 401, json: { s: 'error', code: -15, message: 'Invalid token provided' } });
    expect((await call('GET', '/api/v3/profile', undefined, `OTHER-100:${auth.split(':')[1]}`)).json).toMatchObject({ code: -16 });
  });

  it('answers the 11th order inside one second with HTTP 429 code -429', async () => {
    const order = { symbol: 'NSE:SBIN-EQ', qty: 1, type: 2, side: 1, productType: 'INTRADAY', orderTag: 'burst1' };
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await call('POST', '/api/v3/orders/sync', order));
    expect(results.slice(0, 10).every((r) => r.json.code === 1101)).toBe(true);
    expect(results[10]).toEqual({ status: 429, json: { s: 'error', code: -429, message: 'request limit reached' } });
    const book = await call('GET', '/api/v3/orders?order_tag=1:burst1');
    expect((book.json.orderBook as unknown[]).length).toBe(10);
  });

  it('rejects synchronously with -99 and keeps the order in the book as status 5', async () => {
    await new SimControl(sim.url).reset();
    await new SimControl(sim.url).faults({ rejects: 1, rejectMessage: 'RMS:Margin Shortfall' });
    const r = await call('POST', '/api/v3/orders/sync', { symbol: 'NSE:INFY-EQ', qty: 1, type: 2, side: 1, productType: 'INTRADAY', orderTag: 'rej1' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ s: 'error', code: -99, message: 'RMS:Margin Shortfall', id: expect.any(String) });
    const book = await call('GET', `/api/v3/orders?id=${String(r.json.id)}`);
    expect(book.json.orderBook).toEqual([expect.objectContaining({ status: 5, message: 'RMS:Margin Shortfall', orderTag: '1:rej1', orderNumStatus: `${String(r.json.id)}:5` })]);
  });

  it('serves the symbol master without a header row', async () => {
    const csv = await (await fetch(`${sim.url}/sym_details/NSE_CM.csv`)).text();
    const first = csv.split('\n')[0] ?? '';
    expect(first.split(',')[0]).toMatch(/^1010000000\d+$/);
    const infy = csv.split('\n').find((l) => l.includes(',NSE:INFY-EQ,'));
    expect(infy?.split(',')).toHaveLength(21);
    expect(infy?.split(',').slice(0, 5)).toEqual(['10100000001594', 'INFOSYS', '0', '1', '0.05']);
  });
});
