import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrderIntent } from '../../domain/order';
import type { BrokerSession } from '../../ports/broker';
import type { HttpClient, HttpRequest, HttpResponse } from '../transport/http-client';
import { createFyersConnector } from './fyers-connector';
import { FYERS_ORDERS_PER_SECOND } from './fyers-orders';

/** A Fyers access token is a JWT whose payload names the Fyers client id (`fy_id`). */
function fyersToken(fyId: string, n: number): string {
  const payload = Buffer.from(JSON.stringify({ fy_id: fyId, exp: 4_102_444_800, hsm_key: `h${n}` })).toString('base64url');
  return `eyJhbGciOiJIUzI1NiJ9.${payload}.sig${n}`;
}

function session(fyId: string, n: number): BrokerSession {
  return { accessToken: fyersToken(fyId, n), expiresAt: null, extra: {}, accountRef: fyId };
}

let seq = 0;
function intent(): OrderIntent {
  seq += 1;
  return { clientOrderId: `T${seq}`, runId: `r${seq}`, leg: 'ENTRY', attempt: 1, side: 'BUY', instrument: 'NSE:INFY', quantity: 1, reason: 'limiter test' };
}

/** Answers every placement at once and records which token sent it, and when (fake time). */
function recordingHttp(): { http: HttpClient; sent: Array<{ auth: string; at: number }> } {
  const sent: Array<{ auth: string; at: number }> = [];
  const fake = {
    async send(req: HttpRequest): Promise<HttpResponse> {
      if (req.method === 'POST' && String(req.url).endsWith('/api/v3/orders/sync')) {
        sent.push({ auth: req.headers?.authorization ?? '', at: Date.now() });
        return { status: 200, headers: {}, text: JSON.stringify({ s: 'ok', code: 1101, message: 'Order submitted', id: `O${sent.length}` }) };
      }
      return { status: 404, headers: {}, text: '{}' };
    },
    async warm(): Promise<void> {},
    // Orders are built ahead (prepareOrder) and sent later: the built request is the request itself here.
    prepare: (req: HttpRequest): HttpRequest => req,
    sendPrepared: (req: HttpRequest): Promise<HttpResponse> => fake.send(req),
  };
  return { http: fake as unknown as HttpClient, sent };
}

describe('Fyers connector order limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_750_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const open = (http: HttpClient, appId: string, s: BrokerSession) => {
    const connector = createFyersConnector({ apiUrl: 'http://fyers.test', wsUrl: 'ws://fyers.test/hsm', http });
    return { connector, broker: connector.open({ app_id: appId, secret_key: 'k', access_token: s.accessToken }, s) };
  };

  it('shares one window per app and account across re-logins, so a fresh Broker cannot exceed the rate', async () => {
    const { http, sent } = recordingHttp();
    const { connector, broker: first } = open(http, 'APP1-100', session('XA0001', 1));
    const full = await Promise.all(Array.from({ length: FYERS_ORDERS_PER_SECOND }, () => first.placeOrder(intent())));
    expect(full.every((r) => r.kind === 'ACCEPTED')).toBe(true);
    expect(sent).toHaveLength(FYERS_ORDERS_PER_SECOND);

    // The user logs in again: a new token, a new Broker, the same Fyers app and account.
    const relogin = session('XA0001', 2);
    const second = connector.open({ app_id: 'APP1-100', secret_key: 'k', access_token: relogin.accessToken }, relogin);
    // Another account of the same app has its own window and is not held back.
    const other = session('XB0002', 3);
    const otherBroker = connector.open({ app_id: 'APP1-100', secret_key: 'k', access_token: other.accessToken }, other);
    const otherPlaced = otherBroker.placeOrder(intent());
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(FYERS_ORDERS_PER_SECOND + 1);
    await expect(otherPlaced).resolves.toMatchObject({ kind: 'ACCEPTED' });

    const eleventh = second.placeOrder(intent());
    await vi.advanceTimersByTimeAsync(900);
    expect(sent).toHaveLength(FYERS_ORDERS_PER_SECOND + 1); // still waiting for the window
    await vi.advanceTimersByTimeAsync(200);
    await expect(eleventh).resolves.toMatchObject({ kind: 'ACCEPTED' });
    const last = sent.at(-1);
    expect(last?.auth).toBe(`APP1-100:${relogin.accessToken}`);
    expect((last?.at ?? 0) - (sent[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });
});
