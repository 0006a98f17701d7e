import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { createFyersSim, FYERS_SIM_APP_ID, FYERS_SIM_HSM_PATH, FYERS_SIM_REDIRECT_URI, FYERS_SIM_SECRET_KEY } from '../../../packages/broker-sims/src/fyers';
import { createFyersConnector } from '../src/brokers/fyers/fyers-connector';
import { HttpClient } from '../src/brokers/transport/http-client';

/**
 * Fidelity: Fyers' official Node SDK (`fyers-api-v3@1.9.0`) driving our sim. The SDK has no
 * base-URL option, but every REST method reads `Config.SYNC_API` / `Config.data_Api1` from its
 * exported config object at call time, so pointing those at the sim is enough. (The HSM data socket
 * lives in obfuscated code and is not exercised here.)
 */
const require = createRequire(import.meta.url);
const { Config } = require('fyers-api-v3/config/config.js') as { Config: Record<string, string> };
type Reply = Record<string, unknown>;
interface FyersSdk {
  generateAuthCode(req: { client_id: string; redirect_uri: string; state: string }): string;
  generate_access_token(req: { client_id: string; secret_key: string; auth_code: string }): Promise<Reply>;
  setAccessToken(token: string): void;
  get_profile(): Promise<Reply>;
  place_order(req: Reply): Promise<Reply>;
  get_orders(): Promise<Reply>;
  get_filtered_orders(req: { order_id: string }): Promise<Reply>;
  get_positions(): Promise<Reply>;
  cancel_order(req: { id: string }): Promise<Reply>;
  getQuotes(symbols: string[]): Promise<Reply>;
}
const FyersApi = require('fyers-api-v3/apiService/apiService.js') as new (p: Reply) => FyersSdk;

describe('official fyers-api-v3 SDK against the Fyers sim', () => {
  let sim: RunningSim;
  let control: SimControl;
  let sdk: FyersSdk;
  let accessToken = '';
  const saved = { SYNC_API: Config.SYNC_API, data_Api1: Config.data_Api1 };
  const http = new HttpClient();

  beforeAll(async () => {
    sim = await startSim(createFyersSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    Config.SYNC_API = `${sim.url}/api/v3`;
    Config.data_Api1 = `${sim.url}/data`;
    // enableLogging defaults to true and appends every call, secret_key included, to ./<date>.log.
    sdk = new FyersApi({ AppID: FYERS_SIM_APP_ID, RedirectURL: FYERS_SIM_REDIRECT_URI, enableLogging: false });
  });
  afterAll(async () => {
    Config.SYNC_API = saved.SYNC_API as string;
    Config.data_Api1 = saved.data_Api1 as string;
    await http.close();
    await sim?.close();
  });

  it('logs in: generate-authcode redirect, then validate-authcode with the SDK-computed appIdHash', async () => {
    const url = sdk.generateAuthCode({ client_id: FYERS_SIM_APP_ID, redirect_uri: FYERS_SIM_REDIRECT_URI, state: 'sdkstate' });
    expect(url.startsWith(`${sim.url}/api/v3/generate-authcode?`)).toBe(true);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const cb = new URL(res.headers.get('location') as string).searchParams;
    expect(cb.get('s')).toBe('ok');
    expect(cb.get('state')).toBe('sdkstate');
    const tok = await sdk.generate_access_token({ client_id: FYERS_SIM_APP_ID, secret_key: FYERS_SIM_SECRET_KEY, auth_code: cb.get('auth_code') as string });
    expect(tok).toMatchObject({ s: 'ok', code: 200 });
    accessToken = tok.access_token as string;
    expect(accessToken.split('.')).toHaveLength(3);
    sdk.setAccessToken(accessToken);
    expect(await sdk.get_profile()).toMatchObject({ s: 'ok', data: { fy_id: expect.any(String) } });
  });

  it('places a tagged MARKET order, reads it back from the order book, quotes and positions', async () => {
    await control.walk(false);
    await control.setPrice('INFY', 157315);
    const placed = await sdk.place_order({
      symbol: 'NSE:INFY-EQ',
      qty: 3,
      type: 2,
      side: 1,
      productType: 'INTRADAY',
      limitPrice: 0,
      stopPrice: 0,
      validity: 'DAY',
      disclosedQty: 0,
      offlineOrder: false,
      stopLoss: 0,
      takeProfit: 0,
      orderTag: 'sdkTag1',
    });
    expect(placed).toMatchObject({ s: 'ok', code: 1101, id: expect.any(String) });
    const id = placed.id as string;

    const book = (await sdk.get_orders()).orderBook as Reply[];
    expect(book.find((o) => o.id === id)).toMatchObject({ symbol: 'NSE:INFY-EQ', qty: 3, filledQty: 3, status: 2, side: 1, orderTag: '1:sdkTag1', tradedPrice: 1573.15, orderNumStatus: `${id}:2` });
    expect(((await sdk.get_filtered_orders({ order_id: id })).orderBook as Reply[])[0]?.id).toBe(id);

    const quotes = await sdk.getQuotes(['NSE:INFY-EQ']);
    expect(quotes).toMatchObject({ s: 'ok', d: [{ n: 'NSE:INFY-EQ', s: 'ok', v: { lp: 1573.15, fyToken: '10100000001594' } }] });

    const pos = await sdk.get_positions();
    expect((pos.netPositions as Reply[]).find((p) => p.symbol === 'NSE:INFY-EQ')).toMatchObject({ netQty: 3, id: 'NSE:INFY-EQ-INTRADAY' });
    expect(pos.overall).toMatchObject({ count_total: 1, count_open: 1 });

    // Our adapter sees the SDK's order by its tag.
    const connector = createFyersConnector({ apiUrl: sim.url, wsUrl: `${sim.url.replace('http', 'ws')}${FYERS_SIM_HSM_PATH}`, http });
    const creds = { app_id: FYERS_SIM_APP_ID, secret_key: FYERS_SIM_SECRET_KEY, access_token: accessToken };
    const broker = connector.open(creds, await connector.login(creds));
    expect(await broker.findOrder({ tag: 'sdkTag1' })).toMatchObject({ brokerOrderId: id, status: 'FILLED', averagePricePaise: 157315 });
    await broker.close();
  });

  it('cancels an open order with a DELETE body', async () => {
    await control.faults({ fillDelayMs: 60_000 });
    const placed = await sdk.place_order({ symbol: 'NSE:SBIN-EQ', qty: 1, type: 2, side: -1, productType: 'INTRADAY', limitPrice: 0, stopPrice: 0, validity: 'DAY', disclosedQty: 0, offlineOrder: false, stopLoss: 0, takeProfit: 0, orderTag: 'sdkTag2' });
    const cancelled = await sdk.cancel_order({ id: placed.id as string });
    expect(cancelled).toMatchObject({ s: 'ok', code: 1103, id: placed.id });
    const [o] = await control.orders({ tag: 'sdkTag2' });
    expect(o?.status).toBe('CANCELLED');
    await control.clearFaults();
  });
});
