import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { ANGELONE_SIM_ACCOUNT, createAngelOneSim } from '../../../packages/broker-sims/src/angelone/index';

/**
 * Angel One's official `smartapi-javascript` SDK against our sim: if the SDK can log in, place an
 * order with a tag, read it back and decode SmartStream ticks, the sim speaks Angel's wire format
 * and not just our own adapter's idea of it.
 *
 * REST: the SDK takes a `root` option. WebSocket: WebSocketV2 has no URL option; it reads
 * `CONSTANTS.websocketURL` from config/constant.js when constructed, so the test points that
 * shared constant at the sim.
 */
interface SdkReply {
  status?: boolean;
  message?: string;
  errorcode?: string;
  data?: Record<string, unknown> | Array<Record<string, unknown>> | null;
}
interface SmartApiSdk {
  generateSession(clientCode: string, password: string, totp: string): Promise<SdkReply>;
  getProfile(): Promise<SdkReply>;
  placeOrder(params: Record<string, string>): Promise<SdkReply>;
  getOrderBook(): Promise<SdkReply>;
  indOrderDetails(uniqueOrderId: string): Promise<SdkReply>;
  cancelOrder(params: Record<string, string>): Promise<SdkReply>;
  getPosition(): Promise<SdkReply>;
}
interface WebSocketV2Sdk {
  connect(): Promise<unknown>;
  fetchData(req: { correlationID: string; action: number; mode: number; exchangeType: number; tokens: string[] }): void;
  on(event: 'tick', fn: (data: unknown) => void): void;
  close(): void;
}

const require = createRequire(import.meta.url);
// The SDK's winston logger writes request bodies (MPIN, TOTP) to `error.log` in the working
// directory. Send it to a throwaway directory instead, so no secret lands in the repo.
{
  const winston = require('smartapi-javascript/lib/winston_log') as { errorLogger: { clear(): void; add(t: unknown): void } };
  const { transports } = require('winston') as { transports: { File: new (o: { filename: string; level: string }) => unknown } };
  winston.errorLogger.clear();
  winston.errorLogger.add(new transports.File({ filename: join(mkdtempSync(join(tmpdir(), 'angel-sdk-')), 'error.log'), level: 'error' }));
}
// The SDK looks up the machine's public IP on construction; offline that rejects unhandled after ~6 s.
(require('public-ip') as { v4: () => Promise<string> }).v4 = async () => '203.0.113.7';
const sdk = require('smartapi-javascript') as {
  SmartAPI: new (p: { api_key: string; root: string; timeout?: number }) => SmartApiSdk;
  WebSocketV2: new (p: { clientcode: string; jwttoken: string; apikey: string; feedtype: string }) => WebSocketV2Sdk;
};
const sdkConstants = require('smartapi-javascript/config/constant') as { CONSTANTS: { websocketURL: string } };

const acct = ANGELONE_SIM_ACCOUNT;
const totpNow = (): string => new TOTP({ secret: Secret.fromBase32(acct.totpSecret), digits: 6, period: 30 }).generate();

describe('official smartapi-javascript SDK against the Angel One sim', () => {
  let sim: RunningSim;
  let control: SimControl;
  let api: SmartApiSdk;
  let session: { jwtToken: string; feedToken: string };

  beforeAll(async () => {
    sim = await startSim(createAngelOneSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    await control.walk(false);
    api = new sdk.SmartAPI({ api_key: acct.apiKey, root: sim.url, timeout: 3000 });
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('refuses a wrong TOTP with status false, and logs in with the right one', async () => {
    const bad = await api.generateSession(acct.clientCode, acct.mpin, '000000' === totpNow() ? '111111' : '000000');
    expect(bad).toMatchObject({ status: false, message: 'Invalid totp' });
    const r = await api.generateSession(acct.clientCode, acct.mpin, totpNow());
    expect(r.status).toBe(true);
    const d = r.data as Record<string, string>;
    expect(d.jwtToken).toMatch(/^ey/);
    expect(d.feedToken).toBeTruthy();
    expect(d.refreshToken).toBeTruthy();
    session = { jwtToken: d.jwtToken as string, feedToken: d.feedToken as string };
    expect((await api.getProfile()).data).toMatchObject({ clientcode: acct.clientCode });
  });

  it('places a tagged MARKET order and reads it back from the book and by uniqueorderid', async () => {
    await control.setPrice('INFY', 157315);
    const r = await api.placeOrder({
      variety: 'NORMAL', tradingsymbol: 'INFY-EQ', symboltoken: '1594', transactiontype: 'BUY', exchange: 'NSE',
      ordertype: 'MARKET', producttype: 'INTRADAY', duration: 'DAY', price: '0', squareoff: '0', stoploss: '0', quantity: '3', ordertag: 'sdkfidelity1',
    });
    expect(r).toMatchObject({ status: true, message: 'SUCCESS', errorcode: '' });
    const placed = r.data as Record<string, string>;
    expect(placed).toMatchObject({ script: 'INFY-EQ' });
    expect(placed.orderid).toMatch(/^\d{15}$/);

    const book = (await api.getOrderBook()).data as Array<Record<string, unknown>>;
    const row = book.find((o) => o.ordertag === 'sdkfidelity1');
    expect(row).toMatchObject({ orderid: placed.orderid, status: 'complete', orderstatus: 'complete', tradingsymbol: 'INFY-EQ', filledshares: '3', averageprice: 1573.15 });

    const details = await api.indOrderDetails(placed.uniqueorderid as string);
    expect(details.data).toMatchObject({ orderid: placed.orderid, ordertag: 'sdkfidelity1' });

    const pos = (await api.getPosition()).data as Array<Record<string, unknown>>;
    expect(pos.find((p) => p.tradingsymbol === 'INFY-EQ')).toMatchObject({ netqty: '3', buyavgprice: '1573.15' });
    expect(await control.orders({ tag: 'sdkfidelity1' })).toHaveLength(1);
  });

  it('receives and decodes SmartStream LTP and SnapQuote packets through WebSocketV2', async () => {
    sdkConstants.CONSTANTS.websocketURL = `${sim.url.replace(/^http/, 'ws')}/smart-stream`;
    const ws = new sdk.WebSocketV2({ clientcode: acct.clientCode, jwttoken: session.jwtToken, apikey: acct.apiKey, feedtype: session.feedToken });
    const ticks: Array<Record<string, string>> = [];
    ws.on('tick', (t) => {
      if (t && typeof t === 'object') ticks.push(t as Record<string, string>);
    });
    await ws.connect();
    try {
      ws.fetchData({ correlationID: 'abcde12345', action: 1, mode: 1, exchangeType: 1, tokens: ['1594'] });
      ws.fetchData({ correlationID: 'abcde12346', action: 1, mode: 3, exchangeType: 1, tokens: ['3045'] });
      await new Promise((r) => setTimeout(r, 150));
      await control.setPrice('INFY', 161005);
      await control.setPrice('SBIN', 80015);
      const deadline = Date.now() + 3000;
      const ltp = (): Record<string, string> | undefined => ticks.find((t) => t.subscription_mode === '1' && t.last_traded_price === '161005');
      const snap = (): Record<string, string> | undefined => ticks.find((t) => t.subscription_mode === '3' && t.last_traded_price === '80015');
      while ((!ltp() || !snap()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // The SDK's token formatter leaves JSON quotes around the NUL-trimmed token.
      expect(ltp()).toMatchObject({ exchange_type: '1', token: '"1594"' });
      expect(snap()).toMatchObject({ exchange_type: '1', token: '"3045"' });
      const s = snap() as unknown as { best_5_buy_data: Array<{ flag: string; price: string }>; best_5_sell_data: Array<{ flag: string; price: string }> };
      expect(s.best_5_buy_data).toHaveLength(5);
      expect(s.best_5_buy_data[0]).toMatchObject({ flag: '1', price: '80010' });
      expect(s.best_5_sell_data[0]).toMatchObject({ flag: '0', price: '80020' });
    } finally {
      ws.close();
    }
  });
});
