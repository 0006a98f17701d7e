import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import {
  createFyersSim,
  FYERS_SIM_APP_ID,
  FYERS_SIM_CLIENT_ID,
  FYERS_SIM_HSM_PATH,
  FYERS_SIM_REDIRECT_URI,
  FYERS_SIM_SECRET_KEY,
} from '../../../../packages/broker-sims/src/fyers';
import { describeBrokerContract } from './broker-contract';
import { createFyersConnector } from '../../src/brokers/fyers/fyers-connector';
import { decodeFyersToken } from '../../src/brokers/fyers/fyers-auth';
import { HttpClient } from '../../src/brokers/transport/http-client';
import type { BrokerConnector, BrokerSession } from '../../src/ports/broker';
import type { OrderIntent } from '../../src/domain/order';

const http = new HttpClient();
afterAll(() => http.close());
const credentials = { app_id: FYERS_SIM_APP_ID, secret_key: FYERS_SIM_SECRET_KEY };

function connectorFor(sim: RunningSim, pool = http): BrokerConnector {
  return createFyersConnector({
    apiUrl: sim.url,
    wsUrl: `${sim.url.replace('http', 'ws')}${FYERS_SIM_HSM_PATH}`,
    http: pool,
    orderTimeoutMs: 1000,
    redirectUrl: FYERS_SIM_REDIRECT_URI,
  });
}

/** The redirect login with the browser step simulated: follow the login URL and read the callback. */
async function redirectLogin(connector: BrokerConnector, creds: Record<string, string>): Promise<BrokerSession> {
  const state = `st${Date.now()}`;
  const url = connector.loginUrl?.(creds, state);
  if (!url) throw new Error('fyers connector has no loginUrl');
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`login redirect failed: ${res.status} ${await res.text()}`);
  const callback = Object.fromEntries(new URL(location).searchParams);
  expect(callback.state).toBe(state);
  const done = connector.completeLogin?.(creds, callback);
  if (!done) throw new Error('fyers connector has no completeLogin');
  return done;
}

describeBrokerContract({
  name: 'fyers',
  ordersPerSecond: 10,
  buildsOrdersAhead: true,
  async start(pool) {
    const sim = await startSim(createFyersSim(), 0, { tickIntervalMs: 50 });
    return { sim, control: new SimControl(sim.url), connector: connectorFor(sim, pool), credentials, simAccount: FYERS_SIM_CLIENT_ID };
  },
  login: redirectLogin,
});

describe('Fyers specifics against the sim', () => {
  let sim: RunningSim;
  let connector: BrokerConnector;
  let control: SimControl;

  beforeAll(async () => {
    sim = await startSim(createFyersSim(), 0, { tickIntervalMs: 50 });
    connector = connectorFor(sim);
    control = new SimControl(sim.url);
  });
  afterAll(async () => {
    await sim?.close();
  });

  const intent = (tag: string): OrderIntent => ({
    clientOrderId: tag,
    runId: 'r1',
    leg: 'ENTRY',
    attempt: 1,
    side: 'BUY',
    instrument: 'NSE:INFY',
    quantity: 2,
    reason: 'fyers test',
  });

  it('issues a JWT access token whose exp and hsm_key the adapter reads', async () => {
    const s = await redirectLogin(connector, credentials);
    const claims = decodeFyersToken(s.accessToken);
    expect(claims?.hsmKey).toMatch(/^[0-9a-f]{40}$/);
    expect(s.expiresAt).toBe(claims?.expiresAt);
    expect(s.expiresAt ?? 0).toBeGreaterThan(Date.now());
    expect(s.accountRef).toBe(FYERS_SIM_CLIENT_ID);
  });

  it('accepts a pasted access token (also in the SDK form app_id:token) and refuses a bad one', async () => {
    const s = await redirectLogin(connector, credentials);
    const pasted = await connector.login({ ...credentials, access_token: s.accessToken });
    expect(pasted.accountRef).toBe(FYERS_SIM_CLIENT_ID);
    const sdkForm = await connector.login({ ...credentials, access_token: `${FYERS_SIM_APP_ID}:${s.accessToken}` });
    expect(sdkForm.accessToken).toBe(s.accessToken);
    await expect(connector.login({ ...credentials, access_token: `${s.accessToken}x` })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
  });

  it('treats code 201 (sent, not acknowledged) as AMBIGUOUS; the order is then found by tag', async () => {
    const broker = connector.open(credentials, await redirectLogin(connector, credentials));
    const res = await fetch(`${sim.url}/_sim/fyers/ack-lost`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 1 }) });
    expect(res.status).toBe(200);
    const r = await broker.placeOrder(intent('Tack201x1'));
    expect(r.kind).toBe('AMBIGUOUS');
    if (r.kind === 'AMBIGUOUS') expect(r.cause).toContain('201');
    const found = await broker.findOrder({ tag: 'Tack201x1' });
    expect(found).toMatchObject({ tag: 'Tack201x1', quantity: 2 });
    expect(await control.orders({ tag: 'Tack201x1' })).toHaveLength(1);
    await broker.close();
  });

  it('refuses the HSM socket for an expired session, and reports it on the feed', async () => {
    const broker = connector.open(credentials, await redirectLogin(connector, credentials));
    await control.expireTokens();
    const feed = broker.createFeed();
    const states: string[] = [];
    feed.onState((s, d) => states.push(`${s}${d ? `:${d}` : ''}`));
    await expect(feed.connect()).rejects.toThrow(/refused the session: Token expired/);
    expect(states.some((s) => s.startsWith('DISCONNECTED:Fyers HSM refused'))).toBe(true);
    await feed.close();
    await broker.close();
  });

  it('answers an unknown order id with null, and rejects an invalid tag with the broker message', async () => {
    const broker = connector.open(credentials, await redirectLogin(connector, credentials));
    expect(await broker.findOrder({ brokerOrderId: '999999' })).toBeNull();
    const r = await broker.placeOrder(intent('bad-tag'));
    expect(r).toMatchObject({ kind: 'REJECTED', code: 'BROKER_REJECTED', brokerCode: '-50' });
    await broker.close();
  });
});
