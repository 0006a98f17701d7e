import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { createDhanSim, DHAN_SIM_ACCESS_TOKEN, DHAN_SIM_CLIENT_ID, DHAN_SIM_PIN, DHAN_SIM_TOTP_SECRET } from '../../../../packages/broker-sims/src/dhan';
import type { FeedState } from '../../src/ports/market-feed';
import { createDhanConnector } from '../../src/brokers/dhan/dhan-connector';
import { DHAN_ORDERS_PER_SECOND } from '../../src/brokers/dhan/dhan-orders';
import { HttpClient } from '../../src/brokers/transport/http-client';
import { describeBrokerContract } from './broker-contract';

const http = new HttpClient();
afterAll(() => http.close());

describeBrokerContract({
  name: 'dhan',
  ordersPerSecond: DHAN_ORDERS_PER_SECOND,
  buildsOrdersAhead: false,
  async start(pool = http) {
    const sim = await startSim(createDhanSim(), 0, { tickIntervalMs: 50 });
    const connector = createDhanConnector({
      apiUrl: sim.url,
      authUrl: sim.url,
      feedUrl: sim.url.replace(/^http/, 'ws'),
      http: pool,
      orderTimeoutMs: 1000,
    });
    return {
      sim,
      control: new SimControl(sim.url),
      connector,
      // PIN + TOTP: the daily automatic login a user sets up once
      credentials: { client_id: DHAN_SIM_CLIENT_ID, pin: DHAN_SIM_PIN, totp_secret: DHAN_SIM_TOTP_SECRET },
      simAccount: DHAN_SIM_CLIENT_ID,
    };
  },
  login: (connector, credentials) => connector.login(credentials),
});

describe('Dhan adapter specifics', () => {
  let sim: RunningSim;
  let control: SimControl;
  let ownHttp: HttpClient;
  let connector: ReturnType<typeof createDhanConnector>;

  beforeAll(async () => {
    sim = await startSim(createDhanSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    ownHttp = new HttpClient();
    connector = createDhanConnector({ apiUrl: sim.url, authUrl: sim.url, feedUrl: sim.url.replace(/^http/, 'ws'), http: ownHttp, orderTimeoutMs: 1000 });
  });
  afterAll(async () => {
    await sim.close();
    await ownHttp.close();
  });
  beforeEach(async () => {
    await control.reset();
    await control.walk(false);
  });

  it('logs in with a pasted access token (validated by /v2/profile) and cannot auto-login with it', async () => {
    const creds = { client_id: DHAN_SIM_CLIENT_ID, access_token: DHAN_SIM_ACCESS_TOKEN };
    const s = await connector.login(creds);
    expect(s).toMatchObject({ accessToken: DHAN_SIM_ACCESS_TOKEN, accountRef: DHAN_SIM_CLIENT_ID, extra: { clientId: DHAN_SIM_CLIENT_ID } });
    expect(s.expiresAt).toBe(4_070_908_800_000);
    expect(connector.canAutoLogin(creds)).toBe(false);
    expect(connector.canAutoLogin({ client_id: DHAN_SIM_CLIENT_ID, pin: DHAN_SIM_PIN, totp_secret: DHAN_SIM_TOTP_SECRET })).toBe(true);
    await expect(connector.login({ client_id: DHAN_SIM_CLIENT_ID, access_token: 'garbage' })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED', brokerCode: 'DH-901' });
    await expect(connector.login({ client_id: '1100000002', access_token: DHAN_SIM_ACCESS_TOKEN })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
    await expect(connector.login({ client_id: DHAN_SIM_CLIENT_ID })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
  });

  it('falls back to PIN + TOTP when a pasted token is stale', async () => {
    const s = await connector.login({ client_id: DHAN_SIM_CLIENT_ID, access_token: 'stale', pin: DHAN_SIM_PIN, totp_secret: DHAN_SIM_TOTP_SECRET });
    expect(s.accessToken).not.toBe('stale');
    expect((s.expiresAt ?? 0) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
  });

  it('a wrong TOTP secret is refused with the broker reason', async () => {
    await expect(connector.login({ client_id: DHAN_SIM_CLIENT_ID, pin: DHAN_SIM_PIN, totp_secret: 'KRUGS43UMVZXG2LNJBSWY3DPEHPK3PXP' })).rejects.toMatchObject({
      code: 'BROKER_AUTH_FAILED',
      message: expect.stringContaining('Invalid TOTP'),
    });
  });

  it('a non-NSE/BSE instrument is rejected without a call, and LTP skips unknown ids', async () => {
    const broker = connector.open({ client_id: DHAN_SIM_CLIENT_ID }, await connector.login({ client_id: DHAN_SIM_CLIENT_ID, access_token: DHAN_SIM_ACCESS_TOKEN }));
    const r = await broker.placeOrder({ clientOrderId: 'tx1', runId: 'r', leg: 'ENTRY', attempt: 1, side: 'BUY', instrument: 'NSE:NOSUCH', quantity: 1, reason: 't' });
    expect(r).toMatchObject({ kind: 'REJECTED', code: 'BROKER_REJECTED' });
    expect(await control.orders({ tag: 'tx1' })).toHaveLength(0);
    await control.setPrice('RELIANCE', 290005, 'BSE');
    const m = await broker.ltp(['NSE:NOSUCH', 'BSE:RELIANCE']);
    expect([...m]).toEqual([['BSE:RELIANCE', 290005]]);
    await broker.close();
  });

  it('stops the feed on a fatal disconnect packet (token expired) instead of reconnecting forever', async () => {
    const session = await connector.login({ client_id: DHAN_SIM_CLIENT_ID, pin: DHAN_SIM_PIN, totp_secret: DHAN_SIM_TOTP_SECRET });
    const broker = connector.open({ client_id: DHAN_SIM_CLIENT_ID }, session);
    await control.expireTokens();
    const feed = broker.createFeed();
    const states: Array<[FeedState, string | undefined]> = [];
    feed.onState((s, d) => states.push([s, d]));
    await feed.connect();
    const waitClosed = async (): Promise<void> => {
      for (let i = 0; i < 100 && feed.state() !== 'CLOSED'; i++) await new Promise((r) => setTimeout(r, 20));
    };
    await waitClosed();
    expect(feed.state()).toBe('CLOSED');
    expect(states.some(([s, d]) => s === 'DISCONNECTED' && d?.includes('807'))).toBe(true);
    await broker.close();
  });
});
