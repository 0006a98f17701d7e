import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { createAngelOneSim, ANGELONE_SIM_ACCOUNT } from '../../../../packages/broker-sims/src/angelone/index';
import { createAngelOneConnector } from '../../src/brokers/angelone/angelone-connector';
import { HttpClient } from '../../src/brokers/transport/http-client';
import type { BrokerConnector } from '../../src/ports/broker';
import { describeBrokerContract } from './broker-contract';

const http = new HttpClient();
afterAll(() => http.close());

describeBrokerContract({
  name: 'angelone',
  ordersPerSecond: 9,
  buildsOrdersAhead: false,
  async start(pool = http) {
    const sim = await startSim(createAngelOneSim(), 0, { tickIntervalMs: 50 });
    const connector = createAngelOneConnector({
      apiUrl: sim.url,
      wsUrl: `${sim.url.replace(/^http/, 'ws')}/smart-stream`,
      instrumentsUrl: `${sim.url}/OpenAPI_File/files/OpenAPIScripMaster.json`,
      http: pool,
      orderTimeoutMs: 1000,
    });
    return {
      sim,
      control: new SimControl(sim.url),
      connector,
      // What a user types for an automatic daily login.
      credentials: {
        api_key: ANGELONE_SIM_ACCOUNT.apiKey,
        client_code: ANGELONE_SIM_ACCOUNT.clientCode,
        mpin: ANGELONE_SIM_ACCOUNT.mpin,
        totp_secret: ANGELONE_SIM_ACCOUNT.totpSecret,
      },
      simAccount: ANGELONE_SIM_ACCOUNT.clientCode,
    };
  },
  login: (connector, credentials) => connector.login(credentials),
});

describe('angelone specifics', () => {
  let sim: RunningSim;
  let connector: BrokerConnector;
  const creds = { api_key: ANGELONE_SIM_ACCOUNT.apiKey, client_code: ANGELONE_SIM_ACCOUNT.clientCode };

  beforeAll(async () => {
    sim = await startSim(createAngelOneSim(), 0, { tickIntervalMs: 0 });
    connector = createAngelOneConnector({ apiUrl: sim.url, wsUrl: `${sim.url.replace(/^http/, 'ws')}/smart-stream`, http });
  });
  afterAll(() => sim.close());

  it('auto-logs in from MPIN + TOTP secret, with a session ending at midnight IST', async () => {
    const full = { ...creds, mpin: ANGELONE_SIM_ACCOUNT.mpin, totp_secret: ANGELONE_SIM_ACCOUNT.totpSecret };
    expect(connector.canAutoLogin(full)).toBe(true);
    const s = await connector.login(full);
    const istMidnight = (s.expiresAt as number) + 19_800_000;
    expect(istMidnight % 86_400_000).toBe(0);
    expect(s.expiresAt as number).toBeGreaterThan(Date.now());
    expect(s.extra.feed_token).toBeTruthy();
  });

  it('accepts a pasted jwt + feed token (found via the default scrip-master URL on the sim), and refuses a bad one', async () => {
    const s = await connector.login({ ...creds, mpin: ANGELONE_SIM_ACCOUNT.mpin, totp_secret: ANGELONE_SIM_ACCOUNT.totpSecret });
    const pasted = { ...creds, access_token: `Bearer ${s.accessToken}`, feed_token: s.extra.feed_token as string };
    expect(connector.canAutoLogin(pasted)).toBe(false);
    const session = await connector.login(pasted);
    const broker = connector.open(pasted, session);
    try {
      expect((await broker.validateSession()).state).toBe('CONNECTED');
      expect((await broker.instruments()).find((i) => i.id === 'NSE:SBIN')).toMatchObject({ tickSizePaise: 5 });
    } finally {
      await broker.close();
    }
    await expect(connector.login({ ...pasted, access_token: 'eyJnope' })).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
  });

  it('treats a 403 rate refusal on a read as rate limiting and retries, never as an auth failure', async () => {
    const session = await connector.login({ ...creds, mpin: ANGELONE_SIM_ACCOUNT.mpin, totp_secret: ANGELONE_SIM_ACCOUNT.totpSecret });
    const broker = connector.open(creds, session);
    const control = new SimControl(sim.url);
    try {
      await broker.instruments();
      await control.faults({ rateLimited: 1 });
      const t0 = Date.now();
      expect(await broker.orders()).toEqual([]);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
      expect((await broker.validateSession()).state).toBe('CONNECTED');
    } finally {
      await broker.close();
    }
  });

  it('refuses an order tag of 20 characters before sending it', async () => {
    const session = await connector.login({ ...creds, mpin: ANGELONE_SIM_ACCOUNT.mpin, totp_secret: ANGELONE_SIM_ACCOUNT.totpSecret });
    const broker = connector.open(creds, session);
    const r = await broker.placeOrder({ clientOrderId: 'T'.repeat(20), runId: 'r', leg: 'ENTRY', attempt: 1, side: 'BUY', instrument: 'NSE:INFY', quantity: 1, reason: 't' });
    expect(r).toMatchObject({ kind: 'REJECTED', code: 'BROKER_REJECTED' });
    expect(await new SimControl(sim.url).orders({ tag: 'T'.repeat(20) })).toHaveLength(0);
    await broker.close();
  });
});
