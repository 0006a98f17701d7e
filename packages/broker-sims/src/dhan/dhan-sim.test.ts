import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SimControl } from '../core/sim-control';
import { startSim, type RunningSim } from '../core/sim-server';
import { createDhanSim, DHAN_SIM_ACCESS_TOKEN, DHAN_SIM_CLIENT_ID, DHAN_SIM_PIN, DHAN_SIM_TOTP_SECRET } from './index';

const totp = (at = Date.now()): string =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(DHAN_SIM_TOTP_SECRET), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: at });

describe('Dhan sim wire protocol', () => {
  let sim: RunningSim;
  let control: SimControl;
  const auth = { 'access-token': DHAN_SIM_ACCESS_TOKEN, 'client-id': DHAN_SIM_CLIENT_ID };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth): Promise<{ status: number; json: unknown; text: string }> => {
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json: unknown = text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : null;
    return { status: res.status, json, text };
  };
  const order = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    dhanClientId: DHAN_SIM_CLIENT_ID,
    correlationId: `t${Math.random().toString(36).slice(2, 10)}`,
    transactionType: 'BUY',
    exchangeSegment: 'NSE_EQ',
    productType: 'INTRADAY',
    orderType: 'MARKET',
    validity: 'DAY',
    securityId: '1594',
    quantity: 1,
    price: 0,
    ...over,
  });

  beforeAll(async () => {
    sim = await startSim(createDhanSim(), 0, { tickIntervalMs: 0 });
    control = new SimControl(sim.url);
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    await control.reset();
    await control.walk(false);
  });

  it('issues a JWT-shaped 24 h token for PIN + a valid TOTP, and refuses a wrong one', async () => {
    const ok = await call('POST', `/app/generateAccessToken?dhanClientId=${DHAN_SIM_CLIENT_ID}&pin=${DHAN_SIM_PIN}&totp=${totp()}`, undefined, {});
    expect(ok.status).toBe(200);
    const b = ok.json as Record<string, unknown>;
    expect(Object.keys(b).sort()).toEqual(['accessToken', 'dhanClientId', 'dhanClientName', 'dhanClientUcc', 'expiryTime', 'givenPowerOfAttorney']);
    expect(String(b.accessToken).split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(String(b.accessToken).split('.')[1] ?? '', 'base64url').toString()) as { exp: number; dhanClientId: string };
    expect(claims.dhanClientId).toBe(DHAN_SIM_CLIENT_ID);
    expect(claims.exp * 1000 - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const wrongCode = String((Number(totp()) + 1) % 1_000_000).padStart(6, '0');
    const bad = await call('POST', `/app/generateAccessToken?dhanClientId=${DHAN_SIM_CLIENT_ID}&pin=${DHAN_SIM_PIN}&totp=${wrongCode}`, undefined, {});
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ errorCode: 'DH-901' });
    const badPin = await call('POST', `/app/generateAccessToken?dhanClientId=${DHAN_SIM_CLIENT_ID}&pin=654321&totp=${totp()}`, undefined, {});
    expect(badPin.status).toBe(401);
  });

  it('answers /v2/profile for a valid token and DH-901 (401) otherwise', async () => {
    const ok = await call('GET', '/v2/profile');
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ dhanClientId: DHAN_SIM_CLIENT_ID, tokenValidity: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/) });
    const bad = await call('GET', '/v2/profile', undefined, { 'access-token': 'nope', 'client-id': DHAN_SIM_CLIENT_ID });
    expect(bad.status).toBe(401);
    expect(bad.json).toEqual({ errorType: 'Invalid_Authentication', errorCode: 'DH-901', errorMessage: 'Client ID or user generated access token is invalid or expired.' });
    const otherClient = await call('GET', '/v2/profile', undefined, { 'access-token': DHAN_SIM_ACCESS_TOKEN, 'client-id': '1100000002' });
    expect(otherClient.status).toBe(401);
  });

  it('accepts numbers as strings, validates correlationId, and finds orders by it', async () => {
    const tag = 'run-42_ENTRY 1';
    const r = await call('POST', '/v2/orders', order({ correlationId: tag, quantity: '5', securityId: 1594, price: '' }));
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ orderId: expect.stringMatching(/^\d+$/), orderStatus: 'PENDING' });
    const byTag = await call('GET', `/v2/orders/external/${encodeURIComponent(tag)}`);
    expect(byTag.json).toMatchObject({ correlationId: tag, orderStatus: 'TRADED', quantity: 5, filledQty: 5, securityId: '1594', exchangeSegment: 'NSE_EQ', tradingSymbol: 'INFY' });
    expect((await call('POST', '/v2/orders', order({ correlationId: 'x'.repeat(31) }))).json).toMatchObject({ errorCode: 'DH-905' });
    expect((await call('POST', '/v2/orders', order({ correlationId: 'bad/char' }))).json).toMatchObject({ errorCode: 'DH-905' });
    expect((await call('POST', '/v2/orders', order({ securityId: '999999999' }))).json).toMatchObject({ errorCode: 'DH-906', errorType: 'Order_Error' });
    expect((await call('GET', '/v2/orders/external/never-sent')).status).toBe(404);
  });

  it('shows an RMS rejection in the book with omsErrorDescription', async () => {
    await control.faults({ rejects: 1, rejectMessage: 'Insufficient funds' });
    const r = await call('POST', '/v2/orders', order({ correlationId: 'rej1' }));
    expect(r.json).toMatchObject({ orderStatus: 'TRANSIT' });
    const o = (await call('GET', '/v2/orders/external/rej1')).json as Record<string, unknown>;
    expect(o.orderStatus).toBe('REJECTED');
    expect(String(o.omsErrorDescription)).toContain('Insufficient funds');
  });

  it('cancels with 202 and refuses to cancel twice', async () => {
    await control.faults({ fillDelayMs: 60_000 });
    const r = (await call('POST', '/v2/orders', order())).json as { orderId: string };
    const c = await call('DELETE', `/v2/orders/${r.orderId}`);
    expect(c.status).toBe(202);
    expect(c.json).toEqual({ orderId: r.orderId, orderStatus: 'CANCELLED' });
    expect((await call('DELETE', `/v2/orders/${r.orderId}`)).json).toMatchObject({ errorCode: 'DH-906' });
  });

  it('allows 10 orders a second and answers the 11th with DH-904 / 429', async () => {
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await call('POST', '/v2/orders', order()));
    expect(results.slice(0, 10).every((r) => r.status === 200)).toBe(true);
    expect(results[10]?.status).toBe(429);
    expect(results[10]?.json).toMatchObject({ errorType: 'Rate_Limit', errorCode: 'DH-904' });
  });

  it('serves LTP as {data:{SEGMENT:{id:{last_price}}}, status:"success"}', async () => {
    await control.setPrice('INFY', 157315);
    const r = await call('POST', '/v2/marketfeed/ltp', { NSE_EQ: [1594, '3045'] });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: { NSE_EQ: { '1594': { last_price: 1573.15 }, '3045': { last_price: 800 } } }, status: 'success' });
  });

  it('serves the compact scrip master with SEM_* columns and tick size in paise', async () => {
    const res = await fetch(`${sim.url}/api-scrip-master.csv`);
    const text = await res.text();
    const [head, ...rows] = text.trim().split('\n');
    expect(head?.split(',')[0]).toBe('SEM_EXM_EXCH_ID');
    expect(head?.split(',')).toContain('SEM_TICK_SIZE');
    expect(rows).toContain('NSE,E,1594,EQUITY,,INFY,1.0,INFOSYS,,,XX,5.0000,NA,ES,EQ,INFOSYS');
  });

  const openFeed = (token: string): Promise<{ ws: WebSocket; messages: Buffer[]; closed: Promise<void> }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/?version=2&token=${token}&clientId=${DHAN_SIM_CLIENT_ID}&authType=2`);
      const messages: Buffer[] = [];
      const closed = new Promise<void>((r) => ws.on('close', () => r()));
      ws.on('message', (d) => messages.push(d as Buffer));
      ws.on('open', () => resolve({ ws, messages, closed }));
      ws.on('error', reject);
    });

  it('answers a subscribe with prev close + ticker in one binary message, then ticks', async () => {
    await control.setPrice('INFY', 157315);
    const { ws, messages } = await openFeed(DHAN_SIM_ACCESS_TOKEN);
    ws.send(JSON.stringify({ RequestCode: 15, InstrumentCount: 1, InstrumentList: [{ ExchangeSegment: 'NSE_EQ', SecurityId: '1594' }] }));
    await new Promise((r) => setTimeout(r, 100));
    const first = messages[0] as Buffer;
    expect(first.length).toBe(32);
    expect([first.readUInt8(0), first.readInt16LE(1), first.readUInt8(3), first.readInt32LE(4)]).toEqual([6, 16, 1, 1594]);
    expect([first.readUInt8(16), first.readInt16LE(17)]).toEqual([2, 16]);
    expect(Math.round(first.readFloatLE(24) * 100)).toBe(157315);
    await control.setPrice('INFY', 157320);
    await new Promise((r) => setTimeout(r, 50));
    const last = messages[messages.length - 1] as Buffer;
    expect(Math.round(last.readFloatLE(8) * 100)).toBe(157320);
    ws.close();
  });

  it('sends a disconnect packet (808) and closes on a bad token', async () => {
    const { messages, closed } = await openFeed('not-a-token');
    await closed;
    const p = messages[0] as Buffer;
    expect([p.readUInt8(0), p.readInt16LE(1), p.readInt16LE(8)]).toEqual([50, 10, 808]);
  });
});
