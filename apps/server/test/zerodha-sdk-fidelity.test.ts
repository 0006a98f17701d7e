import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KiteConnect, KiteTicker } from 'kiteconnect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { createZerodhaSim, KITE_INSTRUMENTS_HEADER, KITE_SIM_API_KEY, KITE_SIM_API_SECRET, KITE_SIM_USER_ID } from '../../../packages/broker-sims/src/zerodha';

/**
 * Zerodha's official `kiteconnect` SDK, pointed at the Kite sim: if the real client works against
 * it, the sim speaks real Kite (paths, headers, form bodies, envelopes, checksum, ticker binary).
 */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/kite', import.meta.url));
const INFY = 408065;

type Kite = InstanceType<typeof KiteConnect>;
type KiteError = { error_type: string; message: string };

async function requestToken(sim: RunningSim): Promise<string> {
  const res = await fetch(`${sim.url}/connect/login?api_key=${KITE_SIM_API_KEY}&v=3`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const cb = new URL(res.headers.get('location') as string);
  expect(cb.searchParams.get('status')).toBe('success');
  expect(cb.searchParams.get('action')).toBe('login');
  return cb.searchParams.get('request_token') as string;
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 4000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('kiteconnect SDK against the Kite sim', () => {
  let sim: RunningSim;
  let control: SimControl;
  let kc: Kite;
  let accessToken: string;

  beforeAll(async () => {
    sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    kc = new KiteConnect({ api_key: KITE_SIM_API_KEY, root: sim.url });
    const session = await kc.generateSession(await requestToken(sim), KITE_SIM_API_SECRET);
    accessToken = session.access_token;
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(async () => {
    await control.reset();
    await control.walk(false);
  });

  it('generateSession returns the generate_session.json shape and sets the token', async () => {
    expect(accessToken).toMatch(/^[0-9a-f]{32}$/);
    const expected = JSON.parse(readFileSync(`${FIXTURES}/generate_session.json`, 'utf8')) as { data: Record<string, unknown> };
    const fresh = new KiteConnect({ api_key: KITE_SIM_API_KEY, root: sim.url });
    const s = (await fresh.generateSession(await requestToken(sim), KITE_SIM_API_SECRET)) as unknown as Record<string, unknown>;
    expect(Object.keys(s).sort()).toEqual(Object.keys(expected.data).sort());
    expect(s).toMatchObject({ user_id: KITE_SIM_USER_ID, api_key: KITE_SIM_API_KEY, broker: 'ZERODHA' });
    expect(s.login_time).toBeInstanceOf(Date);
    const profile = await kc.getProfile();
    expect(profile.user_id).toBe(KITE_SIM_USER_ID);
  });

  it('refuses a wrong checksum and a reused request_token with TokenException', async () => {
    const rt = await requestToken(sim);
    const other = new KiteConnect({ api_key: KITE_SIM_API_KEY, root: sim.url });
    await expect(other.generateSession(rt, 'wrong-secret')).rejects.toMatchObject({ error_type: 'TokenException', message: 'Invalid `checksum`.' });
    await other.generateSession(rt, KITE_SIM_API_SECRET);
    await expect(other.generateSession(rt, KITE_SIM_API_SECRET)).rejects.toMatchObject({ error_type: 'TokenException' });
  });

  it('places an order with a tag and finds it in getOrders() with every field of orders.json', async () => {
    await control.setPrice('INFY', 157315);
    const tag = `sdk${Date.now().toString(36)}`;
    const placed = await kc.placeOrder('regular', {
      exchange: 'NSE',
      tradingsymbol: 'INFY',
      transaction_type: 'BUY',
      quantity: 3,
      product: 'MIS',
      order_type: 'MARKET',
      market_protection: -1,
      tag,
    } as Parameters<Kite['placeOrder']>[1]);
    expect(placed.order_id).toMatch(/^\d{15}$/);

    const orders = (await kc.getOrders()) as unknown as Array<Record<string, unknown>>;
    const mine = orders.find((o) => o.tag === tag);
    expect(mine).toMatchObject({ order_id: placed.order_id, status: 'COMPLETE', tradingsymbol: 'INFY', instrument_token: INFY, quantity: 3, filled_quantity: 3, average_price: 1573.15, product: 'MIS', tags: [tag] });
    expect(mine?.order_timestamp).toBeInstanceOf(Date);
    const fixture = JSON.parse(readFileSync(`${FIXTURES}/orders.json`, 'utf8')) as { data: Array<Record<string, unknown>> };
    const fields = new Set(fixture.data.flatMap((o) => Object.keys(o)));
    expect(Object.keys(mine ?? {}).sort()).toEqual([...fields].sort());

    const history = (await kc.getOrderHistory(placed.order_id)) as unknown as Array<Record<string, unknown>>;
    expect(history.map((h) => h.status)).toEqual(['PUT ORDER REQ RECEIVED', 'VALIDATION PENDING', 'OPEN PENDING', 'OPEN', 'COMPLETE']);

    const positions = await kc.getPositions();
    expect(positions.net.find((p) => p.tradingsymbol === 'INFY')).toMatchObject({ quantity: 3, average_price: 1573.15, instrument_token: INFY });
    const ltp = await kc.getLTP(['NSE:INFY']);
    expect(ltp['NSE:INFY']).toEqual({ instrument_token: INFY, last_price: 1573.15 });
  });

  it('shows a rejection the Kite way: accepted, then REJECTED with status_message in the book', async () => {
    await control.faults({ rejects: 1, rejectMessage: 'Insufficient funds. Required margin is 95417.84 but available margin is 74251.80.' });
    const tag = `rej${Date.now().toString(36)}`;
    await kc.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', quantity: 1, product: 'MIS', order_type: 'MARKET', market_protection: -1, tag } as Parameters<Kite['placeOrder']>[1]);
    const o = ((await kc.getOrders()) as unknown as Array<Record<string, unknown>>).find((x) => x.tag === tag);
    expect(o).toMatchObject({ status: 'REJECTED', status_message: expect.stringContaining('Insufficient funds') });
  });

  it('answers InputException for a MARKET order without market protection, and 429 beyond 10 orders/s', async () => {
    const base = { exchange: 'NSE', tradingsymbol: 'SBIN', transaction_type: 'BUY', quantity: 1, product: 'MIS', order_type: 'MARKET' } as Parameters<Kite['placeOrder']>[1];
    await expect(kc.placeOrder('regular', { ...base })).rejects.toMatchObject({ error_type: 'InputException' });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => kc.placeOrder('regular', { ...base, market_protection: -1 } as typeof base)));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as KiteError);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0]).toMatchObject({ error_type: 'NetworkException', message: 'Too many requests' });
  });

  it('serves the instrument master CSV the SDK parses, with INFY at its real token', async () => {
    const res = await fetch(`${sim.url}/instruments/NSE`);
    expect(res.headers.get('content-type')).toBe('text/csv');
    expect((await res.text()).split('\r\n')[0]).toBe(KITE_INSTRUMENTS_HEADER);
    const list = (await kc.getInstruments('NSE')) as unknown as Array<Record<string, unknown>>;
    expect(list.find((i) => i.tradingsymbol === 'INFY')).toMatchObject({ instrument_token: String(INFY), exchange_token: '1594', tick_size: 0.05, lot_size: 1, segment: 'NSE', instrument_type: 'EQ' });
  });

  it('streams ticks and order updates to KiteTicker', async () => {
    const ticker = new KiteTicker({ api_key: KITE_SIM_API_KEY, access_token: accessToken, root: `${sim.url.replace(/^http/, 'ws')}/`, reconnect: false } as ConstructorParameters<typeof KiteTicker>[0]);
    const ticks: Array<Record<string, unknown>> = [];
    const updates: Array<Record<string, unknown>> = [];
    ticker.on('ticks', (t: Array<Record<string, unknown>>) => ticks.push(...t));
    ticker.on('order_update', (o: Record<string, unknown>) => updates.push(o));
    const connected = new Promise<void>((resolve) => ticker.on('connect', () => resolve()));
    ticker.connect();
    try {
      await connected;
      ticker.subscribe([INFY]);
      ticker.setMode(ticker.modeFull, [INFY]);
      await new Promise((r) => setTimeout(r, 150));
      await control.setPrice('INFY', 158040);
      const full = await waitFor(() => ticks.find((t) => t.last_price === 1580.4 && t.mode === 'full'));
      expect(full).toMatchObject({ instrument_token: INFY, tradable: true });
      expect((full.depth as { buy: unknown[] }).buy).toHaveLength(5);

      ticker.setMode(ticker.modeLTP, [INFY]);
      await new Promise((r) => setTimeout(r, 150));
      await control.setPrice('INFY', 158100);
      expect(await waitFor(() => ticks.find((t) => t.last_price === 1581 && t.mode === 'ltp'))).toBeDefined();

      const tag = `upd${Date.now().toString(36)}`;
      await kc.placeOrder('regular', { exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: 1, product: 'MIS', order_type: 'MARKET', market_protection: -1, tag } as Parameters<Kite['placeOrder']>[1]);
      const upd = await waitFor(() => updates.find((u) => u.tag === tag && u.status === 'COMPLETE'));
      expect(upd).toMatchObject({ user_id: KITE_SIM_USER_ID, unfilled_quantity: 0, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      ticker.disconnect();
    }
  });

  it('answers 403 TokenException on every call once the token has expired', async () => {
    await control.expireTokens();
    await expect(kc.getOrders()).rejects.toMatchObject({ error_type: 'TokenException' });
    await expect(kc.getProfile()).rejects.toMatchObject({ error_type: 'TokenException' });
  });
});
