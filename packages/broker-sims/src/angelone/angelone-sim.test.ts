import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SimControl } from '../core/sim-control';
import { startSim, type RunningSim } from '../core/sim-server';
import { ANGELONE_RATE_LIMIT_TEXT, ANGELONE_SIM_ACCOUNT as acct, ANGELONE_SIM_PATHS as P, createAngelOneSim } from './index';

const totp = new TOTP({ secret: Secret.fromBase32(acct.totpSecret), digits: 6, period: 30 });
const BASE_HEADERS = {
  'content-type': 'application/json',
  'X-UserType': 'USER',
  'X-SourceID': 'WEB',
  'X-ClientLocalIP': '10.0.0.2',
  'X-ClientPublicIP': '203.0.113.7',
  'X-MACAddress': '02:00:00:00:00:01',
  'X-PrivateKey': acct.apiKey,
};

describe('Angel One sim wire protocol', () => {
  let sim: RunningSim;
  let control: SimControl;
  let clock = Date.UTC(2026, 2, 10, 4, 0, 0);

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: Record<string, unknown> | null }> => {
    const res = await fetch(`${sim.url}${path}`, { method, headers: { ...BASE_HEADERS, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json: Record<string, unknown> | null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: res.status, text, json };
  };
  const login = async (code = totp.generate({ timestamp: clock })): Promise<Record<string, string>> => {
    const r = await call('POST', P.login, { clientcode: acct.clientCode, password: acct.mpin, totp: code });
    return (r.json?.data ?? {}) as Record<string, string>;
  };

  beforeAll(async () => {
    sim = await startSim(createAngelOneSim(), 0, { tickIntervalMs: 0, now: () => clock });
    control = new SimControl(sim.url);
  });
  afterAll(() => sim.close());
  beforeEach(() => control.reset());

  it('accepts the TOTP of the previous and next 30 s step, and refuses older ones', async () => {
    expect((await login(totp.generate({ timestamp: clock - 30_000 }))).jwtToken).toBeTruthy();
    expect((await login(totp.generate({ timestamp: clock + 30_000 }))).jwtToken).toBeTruthy();
    const old = totp.generate({ timestamp: clock - 120_000 });
    const near = [-30_000, 0, 30_000].map((d) => totp.generate({ timestamp: clock + d }));
    if (!near.includes(old)) {
      const r = await call('POST', P.login, { clientcode: acct.clientCode, password: acct.mpin, totp: old });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ status: false, message: 'Invalid totp', errorcode: 'AB1050', data: null });
    }
    const wrongPin = await call('POST', P.login, { clientcode: acct.clientCode, password: '9999', totp: totp.generate({ timestamp: clock }) });
    expect(wrongPin.json).toMatchObject({ status: false, errorcode: 'AB1000' });
  });

  it("checks Angel's client headers before anything else", async () => {
    expect((await call('GET', P.profile, undefined, { 'X-PrivateKey': 'nope' })).json).toEqual({ success: false, message: 'Invalid API Key', errorCode: 'AG8004', data: '' });
    expect((await call('GET', P.profile, undefined, { 'X-UserType': 'ADMIN' })).json).toMatchObject({ status: false, errorcode: 'AB1005' });
    expect((await call('GET', P.profile)).json).toEqual({ success: false, message: 'Token Missing', errorCode: 'AG8003', data: '' });
  });

  it('answers an expired token in the gateway dialect, and an empty book with data null', async () => {
    const { jwtToken } = await login();
    const auth = { Authorization: `Bearer ${jwtToken}` };
    expect((await call('GET', P.orderBook, undefined, auth)).json).toEqual({ status: true, message: 'SUCCESS', errorcode: '', data: null });
    await control.expireTokens();
    const r = await call('GET', P.orderBook, undefined, auth);
    expect(r.status).toBe(401);
    expect(r.json).toEqual({ success: false, message: 'Invalid Token', errorCode: 'AG8001', data: '' });
  });

  it('expires sessions at midnight IST', async () => {
    const { jwtToken } = await login();
    const auth = { Authorization: `Bearer ${jwtToken}` };
    clock = Date.UTC(2026, 2, 10, 18, 29, 59); // 23:59:59 IST
    expect((await call('GET', P.profile, undefined, auth)).json?.status).toBe(true);
    clock = Date.UTC(2026, 2, 10, 18, 30, 0); // 00:00 IST
    expect((await call('GET', P.profile, undefined, auth)).json?.errorCode).toBe('AG8001');
    clock = Date.UTC(2026, 2, 10, 4, 0, 0);
  });

  it('refuses the tenth order inside one second with the bare 403 text, and long tags with AB4008', async () => {
    const { jwtToken } = await login();
    const auth = { Authorization: `Bearer ${jwtToken}` };
    const order = (tag: string): Record<string, string> => ({
      variety: 'NORMAL', tradingsymbol: 'SBIN-EQ', symboltoken: '3045', transactiontype: 'BUY', exchange: 'NSE', ordertype: 'MARKET', producttype: 'INTRADAY', duration: 'DAY', price: '0', quantity: '1', ordertag: tag,
    });
    const long = await call('POST', P.placeOrder, order('x'.repeat(20)), auth);
    expect(long.json).toMatchObject({ status: false, errorcode: 'AB4008' });
    await control.reset();
    for (let i = 0; i < 9; i++) expect((await call('POST', P.placeOrder, order(`r${i}`), auth)).json?.status).toBe(true);
    const tenth = await call('POST', P.placeOrder, order('r9'), auth);
    expect(tenth.status).toBe(403);
    expect(tenth.text).toBe(ANGELONE_RATE_LIMIT_TEXT);
    const wrongToken = await call('POST', P.placeOrder, { ...order('r10'), symboltoken: '1594' }, auth);
    expect(wrongToken.status).toBe(403);
  });

  it('serves the scrip master with tokens and paise tick sizes as strings', async () => {
    const r = await call('GET', P.scripMaster);
    const rows = JSON.parse(r.text) as Array<Record<string, string>>;
    expect(rows.find((x) => x.symbol === 'INFY-EQ')).toEqual({ token: '1594', symbol: 'INFY-EQ', name: 'INFY', expiry: '', strike: '-1.000000', lotsize: '1', instrumenttype: '', exch_seg: 'NSE', tick_size: '5.000000' });
    expect(rows.find((x) => x.symbol === 'SBIN-EQ')?.token).toBe('3045');
    expect(rows.find((x) => x.symbol === 'INFY' && x.exch_seg === 'BSE')?.token).toBe('500209');
  });

  it('SmartStream: 401 with x-error-message on bad auth; query auth, ping/pong and a 51-byte LTP packet', async () => {
    const { jwtToken, feedToken } = await login();
    const wsBase = `${sim.url.replace(/^http/, 'ws')}${P.stream}`;
    const refused = await new Promise<{ status: number; msg: string }>((resolve) => {
      const ws = new WebSocket(wsBase, { headers: { Authorization: jwtToken as string, 'x-api-key': acct.apiKey, 'x-client-code': acct.clientCode, 'x-feed-token': 'bad' } });
      ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, msg: String(res.headers['x-error-message']) }));
      ws.on('error', () => undefined);
    });
    expect(refused).toEqual({ status: 401, msg: 'Invalid Header - Invalid Feed Token' });

    const ws = new WebSocket(`${wsBase}?clientCode=${acct.clientCode}&feedToken=${feedToken}&apiKey=${acct.apiKey}`);
    const frames: Array<{ binary: boolean; data: Buffer }> = [];
    ws.on('message', (data, binary) => frames.push({ binary, data: data as Buffer }));
    await new Promise((r) => ws.once('open', r));
    ws.send('ping');
    ws.send(JSON.stringify({ correlationID: 'abcde12345', action: 1, params: { mode: 1, tokenList: [{ exchangeType: 1, tokens: ['1594'] }] } }));
    const until = Date.now() + 2000;
    while (frames.filter((f) => f.binary).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    ws.close();
    expect(frames.some((f) => !f.binary && f.data.toString() === 'pong')).toBe(true);
    const pkt = frames.find((f) => f.binary)?.data as Buffer;
    expect(pkt).toHaveLength(51);
    expect([pkt[0], pkt[1], pkt.subarray(2, 6).toString('ascii'), pkt[6]]).toEqual([1, 1, '1594', 0]);
    expect(pkt.readBigInt64LE(43)).toBe(157315n);
  });
});
