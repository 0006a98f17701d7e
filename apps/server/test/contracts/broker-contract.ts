import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningSim, SimControl } from '@ats/broker-sims';
import type { Broker, BrokerConnector, BrokerSession } from '../../src/ports/broker';
import type { Tick } from '../../src/ports/market-feed';
import type { OrderIntent } from '../../src/domain/order';
import { BrokerError } from '../../src/domain/errors';
import { HttpClient } from '../../src/brokers/transport/http-client';

/**
 * What each broker adapter supplies to run the ONE broker contract suite against its own sim.
 * The suite knows nothing about the broker's wire format: it speaks the Broker port and the sim's
 * `/_sim/` control API only.
 */
export interface BrokerContractHarness {
  name: string;
  /**
   * Start the broker's sim on a free port and build a connector pointed at it, sending its REST
   * through `http` when given (a small, pipelining pool), else through the file's shared client.
   */
  start(http?: HttpClient): Promise<{
    sim: RunningSim;
    control: SimControl;
    connector: BrokerConnector;
    /** credentials a user would give us for a sim account */
    credentials: Record<string, string>;
    /** the sim's account id for those credentials (filters `/_sim/orders`) */
    simAccount: string;
  }>;
  /**
   * Log in the way a user would: headless login, or the redirect flow with the browser step
   * simulated (follow the login URL, read the callback parameters, call completeLogin).
   */
  login(connector: BrokerConnector, credentials: Record<string, string>): Promise<BrokerSession>;
  /** the broker's documented order rate */
  ordersPerSecond: number;
  /** whether the adapter builds an order's request ahead of its send (Broker.prepareOrder) */
  buildsOrdersAhead: boolean;
}

let seq = 0;
function intent(side: 'BUY' | 'SELL', quantity = 5, symbol = 'INFY'): OrderIntent {
  seq += 1;
  const run = `c${Date.now().toString(36)}${seq}`;
  return {
    clientOrderId: `T${run}`.slice(0, 18),
    runId: run,
    leg: side === 'BUY' ? 'ENTRY' : 'EXIT',
    attempt: 1,
    side,
    instrument: `NSE:${symbol}`,
    quantity,
    reason: 'contract test',
  };
}

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 3000, everyMs = 20): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

type ContractEnv = Awaited<ReturnType<BrokerContractHarness['start']>>;

/** The sim started, a user logged in the way a user would, and their broker open. */
async function openBroker(h: BrokerContractHarness, pool?: HttpClient): Promise<{ env: ContractEnv; session: BrokerSession; broker: Broker }> {
  const env = await h.start(pool);
  const session = await h.login(env.connector, env.credentials);
  return { env, session, broker: env.connector.open(env.credentials, session) };
}

async function closeBroker(broker: Broker | undefined, env: ContractEnv | undefined): Promise<void> {
  await broker?.close();
  await env?.sim.close();
}

/** Each test starts from an empty order book, no faults, and prices that stand still. */
async function freshSim(env: ContractEnv): Promise<void> {
  await env.control.reset();
  await env.control.walk(false);
}

export function describeBrokerContract(h: BrokerContractHarness): void {
  describe(`Broker contract: ${h.name}`, () => {
    let env: ContractEnv;
    let session: BrokerSession;
    let broker: Broker;

    beforeAll(async () => {
      ({ env, session, broker } = await openBroker(h));
    });
    afterAll(() => closeBroker(broker, env));
    beforeEach(() => freshSim(env));

    it('logs in and validates the session with a real call', async () => {
      expect(session.accessToken.length).toBeGreaterThan(0);
      const s = await broker.validateSession();
      expect(s.state).toBe('CONNECTED');
    });

    it('rejects bad credentials with BROKER_AUTH_FAILED', async () => {
      const bad = Object.fromEntries(Object.entries(env.credentials).map(([k, v]) => [k, /secret|token|pin|password|mpin|totp/i.test(k) ? `${v}x` : v]));
      await expect(h.login(env.connector, bad)).rejects.toMatchObject({ code: 'BROKER_AUTH_FAILED' });
    });

    it('maps the instrument master to our instruments', async () => {
      const list = await broker.instruments();
      const infy = list.find((i) => i.id === 'NSE:INFY');
      expect(infy).toMatchObject({ exchange: 'NSE', symbol: 'INFY', tickSizePaise: 5, lotSize: 1 });
    });

    it('places a MARKET BUY and SELL with our tag and reads them back', async () => {
      await env.control.setPrice('INFY', 157315);
      const buy = intent('BUY', 7);
      const r = await broker.placeOrder(buy);
      expect(r.kind).toBe('ACCEPTED');
      const found = await waitFor(async () => {
        const o = await broker.findOrder({ tag: buy.clientOrderId });
        return o?.status === 'FILLED' ? o : undefined;
      });
      expect(found).toMatchObject({ tag: buy.clientOrderId, instrument: 'NSE:INFY', side: 'BUY', quantity: 7, filledQuantity: 7, averagePricePaise: 157315 });
      if (r.kind === 'ACCEPTED') {
        const byId = await broker.findOrder({ brokerOrderId: r.brokerOrderId });
        expect(byId?.tag).toBe(buy.clientOrderId);
      }
      const atSim = await env.control.orders({ tag: buy.clientOrderId });
      expect(atSim).toHaveLength(1);
      // Every sim normalises its dialect's order type (Kite/Dhan/Angel "MARKET", Fyers type 2) to "MARKET".
      expect(atSim[0]).toMatchObject({ side: 'BUY', quantity: 7, key: 'NSE:INFY', orderType: 'MARKET' });

      let pos = await broker.positions();
      expect(pos.find((p) => p.instrument === 'NSE:INFY')?.netQuantity).toBe(7);

      const sell = intent('SELL', 7);
      expect((await broker.placeOrder(sell)).kind).toBe('ACCEPTED');
      await waitFor(async () => ((await broker.findOrder({ tag: sell.clientOrderId }))?.status === 'FILLED' ? true : undefined));
      expect(await env.control.orders({ tag: sell.clientOrderId })).toMatchObject([{ side: 'SELL', quantity: 7, orderType: 'MARKET' }]);
      pos = await broker.positions();
      expect(pos.find((p) => p.instrument === 'NSE:INFY')?.netQuantity ?? 0).toBe(0);
      const book = await broker.orders();
      expect(book.map((o) => o.tag)).toEqual(expect.arrayContaining([buy.clientOrderId, sell.clientOrderId]));
    });

    it(`${h.buildsOrdersAhead ? 'builds an order ahead: nothing reaches the broker until it is sent, then it is placed once' : 'builds no order ahead: the engine places its orders with placeOrder'}`, async () => {
      expect(typeof broker.prepareOrder === 'function').toBe(h.buildsOrdersAhead);
      if (!broker.prepareOrder) return;
      await env.control.setPrice('INFY', 157315);
      const buy = intent('BUY', 6);
      const built = broker.prepareOrder(buy);
      expect(built.intent).toBe(buy);
      await new Promise((r) => setTimeout(r, 100));
      expect(await env.control.orders({ tag: buy.clientOrderId })).toHaveLength(0);
      const r = await built.send();
      expect(r.kind).toBe('ACCEPTED');
      expect(await env.control.orders({ tag: buy.clientOrderId })).toMatchObject([{ side: 'BUY', quantity: 6, key: 'NSE:INFY' }]);
      if (r.kind === 'ACCEPTED') expect((await broker.findOrder({ tag: buy.clientOrderId }))?.brokerOrderId).toBe(r.brokerOrderId);
    });

    it('reports a lost response as AMBIGUOUS, and the order is then found by tag exactly once', async () => {
      await env.control.faults({ timeouts: 1, hangMs: 5_000 });
      const buy = intent('BUY', 3);
      const r = await broker.placeOrder(buy);
      expect(r.kind).toBe('AMBIGUOUS');
      const found = await broker.findOrder({ tag: buy.clientOrderId });
      expect(found).not.toBeNull();
      expect(found?.quantity).toBe(3);
      expect(await env.control.orders({ tag: buy.clientOrderId })).toHaveLength(1);
    });

    it('reports a 5xx on placement as AMBIGUOUS; the lookup by tag then proves nothing was placed', async () => {
      await env.control.faults({ errors5xx: 1 });
      const buy = intent('BUY', 2);
      const r = await broker.placeOrder(buy);
      expect(r.kind).toBe('AMBIGUOUS');
      expect(await broker.findOrder({ tag: buy.clientOrderId })).toBeNull();
      expect(await env.control.orders({ tag: buy.clientOrderId })).toHaveLength(0);
    });

    it("maps a rejection to a typed error carrying the broker's message", async () => {
      const message = 'Insufficient funds. Required margin is 95417.84 but available margin is 74251.80.';
      await env.control.faults({ rejects: 1, rejectMessage: message });
      const buy = intent('BUY', 1);
      const r = await broker.placeOrder(buy);
      // Some brokers reject synchronously; others accept and then show REJECTED in the book.
      if (r.kind === 'REJECTED') {
        expect(r.code).toBe('BROKER_REJECTED');
        expect(r.message).toContain('Insufficient funds');
      } else {
        expect(r.kind).toBe('ACCEPTED');
        const o = await waitFor(async () => {
          const x = await broker.findOrder({ tag: buy.clientOrderId });
          return x?.status === 'REJECTED' ? x : undefined;
        });
        expect(o.message).toContain('Insufficient funds');
      }
    });

    it('maps an expired token to BROKER_TOKEN_EXPIRED everywhere', async () => {
      const fresh = env.connector.open(env.credentials, await h.login(env.connector, env.credentials));
      try {
        await env.control.expireTokens();
        const s = await fresh.validateSession();
        expect(s.state).toBe('TOKEN_EXPIRED');
        const r = await fresh.placeOrder(intent('BUY', 1));
        expect(r).toMatchObject({ kind: 'REJECTED', code: 'BROKER_TOKEN_EXPIRED' });
        const err = await fresh.orders().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(BrokerError);
        expect((err as BrokerError).code).toBe('BROKER_TOKEN_EXPIRED');
      } finally {
        await fresh.close();
      }
      // the suite's own session was expired too: log in again for the remaining tests
      await broker.close();
      session = await h.login(env.connector, env.credentials);
      broker = env.connector.open(env.credentials, session);
    });

    it("retries a 429 no faster than the broker's rate allows", async () => {
      await env.control.faults({ rateLimited: 1 });
      const buy = intent('BUY', 1);
      const t0 = Date.now();
      const r = await broker.placeOrder(buy);
      expect(r.kind).toBe('ACCEPTED');
      const [o] = await env.control.orders({ tag: buy.clientOrderId });
      expect(o).toBeDefined();
      expect((o?.createdAt ?? 0) - t0).toBeGreaterThanOrEqual(Math.floor(1000 / h.ordersPerSecond) - 5);
    });

    it('keeps a burst of orders under the broker rate, so none is refused', async () => {
      const n = h.ordersPerSecond + 4;
      const intents = Array.from({ length: n }, () => intent('BUY', 1, 'SBIN'));
      const results = await Promise.all(intents.map((i) => broker.placeOrder(i)));
      expect(results.every((r) => r.kind === 'ACCEPTED')).toBe(true);
      const at = (await env.control.orders()).filter((o) => intents.some((i) => i.clientOrderId === o.tag)).map((o) => o.createdAt).sort((a, b) => a - b);
      expect(at).toHaveLength(n);
      // No one-second window holds more than the documented rate.
      for (let i = h.ordersPerSecond; i < at.length; i++) {
        expect((at[i] as number) - (at[i - h.ordersPerSecond] as number)).toBeGreaterThanOrEqual(990);
      }
    });

    it('cancels an open order and reports a partial fill', async () => {
      await env.control.faults({ fillDelayMs: 60_000 });
      const pending = intent('BUY', 4);
      const r = await broker.placeOrder(pending);
      expect(r.kind).toBe('ACCEPTED');
      const open = await broker.findOrder({ tag: pending.clientOrderId });
      expect(open?.status).toBe('PENDING');
      await broker.cancelOrder(open?.brokerOrderId as string);
      expect((await broker.findOrder({ tag: pending.clientOrderId }))?.status).toBe('CANCELLED');

      await env.control.clearFaults();
      await env.control.faults({ partialFills: 1, partialFillRatio: 0.5 });
      const part = intent('BUY', 10);
      expect((await broker.placeOrder(part)).kind).toBe('ACCEPTED');
      const p = await broker.findOrder({ tag: part.clientOrderId });
      expect(p).toMatchObject({ status: 'PENDING', quantity: 10, filledQuantity: 5 });
    });

    it('reads LTP over REST in paise', async () => {
      await env.control.setPrice('INFY', 160020);
      await env.control.setPrice('SBIN', 80015);
      const m = await broker.ltp(['NSE:INFY', 'NSE:SBIN']);
      expect(m.get('NSE:INFY')).toBe(160020);
      expect(m.get('NSE:SBIN')).toBe(80015);
    });

    it('streams ticks through the real binary protocol, and resumes after a dropped socket', async () => {
      const feed = broker.createFeed();
      const ticks: Tick[] = [];
      feed.onTick((t) => ticks.push(t));
      await feed.connect();
      try {
        feed.subscribe(['NSE:INFY']);
        await new Promise((r) => setTimeout(r, 150));
        await env.control.setPrice('INFY', 161005);
        const t = await waitFor(() => ticks.find((x) => x.ltpPaise === 161005));
        expect(t.instrument).toBe('NSE:INFY');
        expect(t.receivedTs).toBeGreaterThan(0);

        await env.control.dropFeeds();
        await waitFor(() => (feed.state() === 'CONNECTED' ? true : undefined), 5000);
        await new Promise((r) => setTimeout(r, 150));
        await env.control.setPrice('INFY', 161500);
        await waitFor(() => ticks.find((x) => x.ltpPaise === 161500), 5000);

        feed.unsubscribe(['NSE:INFY']);
        await new Promise((r) => setTimeout(r, 150));
        const before = ticks.length;
        await env.control.setPrice('INFY', 162000);
        await new Promise((r) => setTimeout(r, 300));
        expect(ticks.slice(before).some((x) => x.ltpPaise === 162000)).toBe(false);
      } finally {
        await feed.close();
      }
    });

    // Orders due at one instant can outnumber the pool's connections: they are then pipelined.
    // One connection here, so every order after the first is written behind another.
    describe('over a pipelining pool (one connection, orders behind each other)', () => {
      let penv: ContractEnv;
      let pbroker: Broker;
      let pool: HttpClient;
      // A burst the broker's order rate lets through at once.
      const burst = Math.min(6, h.ordersPerSecond);

      beforeAll(async () => {
        pool = new HttpClient({ connections: 1, pipelineDepth: 8 });
        ({ env: penv, broker: pbroker } = await openBroker(h, pool));
      });
      afterAll(async () => {
        await closeBroker(pbroker, penv);
        await pool?.close();
      });
      beforeEach(() => freshSim(penv));

      it('places each order of a burst once, each answered with its own order id', async () => {
        const buys = Array.from({ length: burst }, () => intent('BUY', 2));
        const results = await Promise.all(buys.map((b) => pbroker.placeOrder(b)));
        expect(results.map((r) => r.kind)).toEqual(buys.map(() => 'ACCEPTED'));
        const ids = results.map((r) => (r.kind === 'ACCEPTED' ? r.brokerOrderId : ''));
        expect(new Set(ids).size).toBe(burst);
        for (const [i, b] of buys.entries()) {
          const atSim = await penv.control.orders({ tag: b.clientOrderId });
          expect(atSim).toHaveLength(1);
          expect(atSim[0]?.id).toBe(ids[i]);
        }
      });

      it('a lost response with orders pipelined behind it: all are AMBIGUOUS, and each is found by tag exactly once', async () => {
        // The first placement's answer never comes; those written behind it on the same connection
        // reach the broker, but their answers queue behind the lost one until the connection ends.
        await penv.control.faults({ timeouts: 1, hangMs: 5_000 });
        const buys = Array.from({ length: burst }, () => intent('BUY', 1));
        const results = await Promise.all(buys.map((b) => pbroker.placeOrder(b)));
        expect(results.map((r) => r.kind)).toEqual(buys.map(() => 'AMBIGUOUS'));
        for (const b of buys) {
          expect((await pbroker.findOrder({ tag: b.clientOrderId }))?.quantity).toBe(1);
          expect(await penv.control.orders({ tag: b.clientOrderId })).toHaveLength(1);
        }
      });
    });
  });
}
