import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createZerodhaSim, KITE_SIM_USER_ID, SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { startTestPlatform } from './support/test-platform';
import { connectKiteSim, ist, kiteSimEnv, phaseIs, signUp, startEnginePlatform, T0, until, type Api, type EnginePlatform } from './support/engine-harness';

/**
 * The engine against Zerodha's wire protocol (the Kite sim): rejections, expired tokens, partial
 * fills, a silent feed, broker errors on exit, and lost responses — measured at the sim, where the
 * orders actually arrive.
 */
describe('engine with Zerodha (Kite sim)', () => {
  let sim: RunningSim;
  let control: SimControl;
  let p: EnginePlatform;
  let alice: Api;
  let broker: string;
  let minute = 0;

  beforeAll(async () => {
    sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    p = await startEnginePlatform({ ...kiteSimEnv(sim.url), ATS_FEED_STALE_MS: '3000' });
    alice = await signUp(p, 'kite-trader@example.com');
  });
  afterAll(async () => {
    await p?.dispose();
    await sim?.close();
  });
  beforeEach(async () => {
    await control.reset();
    await control.walk(false);
    await control.setPrice('INFY', 160_000);
    // a fresh session per test: some tests expire it
    broker = await connectKiteSim(alice, sim.url);
  });

  async function strategy(o: { stop?: number; qty?: number } = {}): Promise<{ id: string; buyAt: number; sellAt: number }> {
    minute += 10;
    const buyAt = T0 + minute * 60_000;
    const sellAt = buyAt + 5 * 60_000;
    await p.clock.set(Math.max(p.clock.now(), buyAt - 60_000));
    const created = await alice.post('/strategy/create', { broker_id: broker, symbol: 'INFY', buy_time: ist(buyAt), sell_time: ist(sellAt), stop_loss: o.stop ?? 1500, quantity: o.qty ?? 10 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await alice.post(`/strategy/${created.body.id}/start`)).status).toBe(200);
    return { id: created.body.id, buyAt, sellAt };
  }

  /** A strategy bought at its buy time (the virtual clock moved there). */
  async function bought(o: { stop?: number; qty?: number } = {}): Promise<{ id: string; buyAt: number; sellAt: number }> {
    const s = await strategy(o);
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    return s;
  }

  const ours = async (s: { id: string }) => (await alice.get(`/strategy/${s.id}/orders`)).body.items as Array<{ side: string; client_order_id: string }>;
  /** What arrived at the sim for this strategy's tags: the ground truth for duplicates. */
  const simOrders = async (s: { id: string }) => {
    const tags = new Set((await ours(s)).map((o) => o.client_order_id));
    return (await control.orders({ account: KITE_SIM_USER_ID })).filter((o) => o.tag !== null && tags.has(o.tag));
  };
  /** Every order at the sim for the account, tagged or not: nothing may arrive that we did not intend. */
  const allSimOrders = () => control.orders({ account: KITE_SIM_USER_ID });
  /** A real failure from the real database: the runs table is gone while `during` runs. */
  async function withRunsTableGone(during: () => Promise<void>): Promise<void> {
    await sql`alter table strategy_runs rename to strategy_runs_away`.execute(p.db);
    try {
      await during();
    } finally {
      await sql`alter table strategy_runs_away rename to strategy_runs`.execute(p.db);
    }
  }
  /** Virtual time passes in steps, with real time for the engine to act on each. */
  async function passTime(steps: number, stepMs: number): Promise<void> {
    for (let i = 0; i < steps; i++) {
      await p.clock.advance(stepMs);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('buys at the buy time and sells at the sell time, one order each at the sim', async () => {
    const s = await bought();
    await p.clock.set(s.sellAt);
    const done = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { label: 'sell-time exit' });
    expect(done.pnl).toBe(0);
    const at = await simOrders(s);
    expect(at.map((o) => `${o.side}:${o.quantity}:${o.status}`)).toEqual(['BUY:10:COMPLETE', 'SELL:10:COMPLETE']);
    expect(await control.positions(KITE_SIM_USER_ID)).toEqual([expect.objectContaining({ key: 'NSE:INFY', net: 0 })]);
  });

  it('fails the run on a rejected entry, with the broker reason, and sends nothing more', async () => {
    await control.faults({ rejects: 1, rejectMessage: 'Insufficient funds. Required margin is 16000.00 but available margin is 100.00.' });
    const s = await strategy();
    await p.clock.set(s.buyAt);
    const failed = await until(p, () => phaseIs(alice, s.id, 'FAILED'), { label: 'FAILED' });
    expect(failed.reason).toMatch(/Insufficient funds/);
    expect(failed.status).toBe('FAILED');
    await p.clock.set(s.sellAt + 60_000);
    expect((await simOrders(s)).map((o) => o.side)).toEqual(['BUY']);
  });

  it('skips the run when the broker token has expired at buy time', async () => {
    const s = await strategy();
    await control.expireTokens();
    await p.clock.set(s.buyAt);
    const skipped = await until(p, () => phaseIs(alice, s.id, 'SKIPPED'), { label: 'SKIPPED' });
    expect(skipped.reason).toMatch(/session|token/i);
    expect(await allSimOrders()).toHaveLength(0);
  });

  it('skips the day with "missed entry window" after 3 transient entry failures, having bought nothing', async () => {
    await control.faults({ errors5xx: 10 });
    const s = await strategy();
    await p.clock.set(s.buyAt);
    const skipped = await until(p, () => phaseIs(alice, s.id, 'SKIPPED'), { stepMs: 50, label: 'SKIPPED after transient failures' });
    expect(skipped.reason).toMatch(/missed entry window/);
    expect(await allSimOrders()).toHaveLength(0);
    // Three attempts, each a different tag, each confirmed absent before the next.
    expect((await ours(s)).map((o) => o.client_order_id.slice(0, 3)).sort()).toEqual(['E01', 'E02', 'E03']);
  });

  it('sells exactly the filled quantity of a partially filled BUY and cancels the rest', async () => {
    await control.faults({ partialFills: 1, partialFillRatio: 0.4 });
    const s = await strategy({ qty: 10 });
    await p.clock.set(s.buyAt);
    const bought = await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { stepMs: 100, label: 'BOUGHT after partial fill' });
    expect(bought).toBeDefined();
    await p.clock.set(s.sellAt);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { label: 'sell-time exit' });
    const at = await simOrders(s);
    expect(at.map((o) => `${o.side}:${o.status}:${o.filled}`)).toEqual(['BUY:CANCELLED:4', 'SELL:COMPLETE:4']);
    expect(await control.positions(KITE_SIM_USER_ID)).toEqual([expect.objectContaining({ net: 0 })]);
  });

  it('falls back to REST polling when the feed goes silent, and the stop-loss still fires', async () => {
    const s = await bought({ stop: 1590 });
    await control.faults({ feedSilent: true });
    await control.setPrice('INFY', 158_000);
    const out = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_STOP_LOSS'), { stepMs: 50, label: 'stop-loss via polling' });
    expect(out.exit_price).toBe(1580);
    expect((await simOrders(s)).map((o) => o.side)).toEqual(['BUY', 'SELL']);
    const events = (await alice.get(`/strategy/${s.id}/events?limit=50`)).body.items as Array<{ to: string }>;
    expect(events.some((e) => e.to === 'EXITED_BY_STOP_LOSS')).toBe(true);
  });

  it('turns a lost response on the stop-loss SELL (sent before any write) into exactly one SELL', async () => {
    const s = await bought({ stop: 1590 });
    // Let the exit intent be prepared, then lose the SELL's response.
    await until(p, async () => (await alice.get(`/strategy/${s.id}/status`)).status === 200, { label: 'status' });
    await new Promise((r) => setTimeout(r, 100));
    await control.faults({ timeouts: 1, hangMs: 3_000 });
    await control.setPrice('INFY', 158_500);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_STOP_LOSS'), { stepMs: 5, label: 'stop-loss exit after a lost response' });
    const at = await simOrders(s);
    expect(at.map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
    await p.clock.set(s.sellAt + 60_000);
    expect((await simOrders(s)).filter((o) => o.side === 'SELL')).toHaveLength(1);
    expect(await control.positions(KITE_SIM_USER_ID)).toEqual([expect.objectContaining({ key: 'NSE:INFY', net: 0 })]);
  });

  // Prewarm first (session checked, entry intent written), then every broker answer takes 400 ms.
  // At 50 ms the stop lands while the BUY is in flight; at 600 ms, after its answer, while the
  // engine looks up the fill, before anything about the buy is written (BUY_DUE goes with the fill).
  it.each([
    ['while the BUY is on the wire', 50],
    ['while its fill is being looked up', 600],
  ])('sells back, exactly once, a BUY when the trader pressed stop %s', async (_when, stopAfterMs) => {
    const s = await strategy();
    await p.clock.set(s.buyAt - 1_000);
    await new Promise((r) => setTimeout(r, 300));
    await control.faults({ latencyMs: 400 });
    await p.clock.set(s.buyAt);
    await new Promise((r) => setTimeout(r, stopAfterMs));
    const stopped = await alice.post(`/strategy/${s.id}/stop`);
    expect(stopped.status).toBe(200);
    await until(
      p,
      async () => {
        const at = await simOrders(s);
        return at.some((o) => o.side === 'SELL' && o.status === 'COMPLETE') ? at : null;
      },
      { label: 'the raced BUY sold back', realTimeoutMs: 8_000 },
    );
    await control.faults({ latencyMs: 0 });
    await p.clock.set(s.sellAt + 60_000);
    await new Promise((r) => setTimeout(r, 200));
    expect((await simOrders(s)).map((o) => `${o.side}:${o.quantity}:${o.status}`)).toEqual(['BUY:10:COMPLETE', 'SELL:10:COMPLETE']);
    expect((await allSimOrders()).filter((o) => o.tag === null)).toEqual([]);
    expect(await control.positions(KITE_SIM_USER_ID)).toEqual([expect.objectContaining({ key: 'NSE:INFY', net: 0 })]);
    expect((await alice.get(`/strategy/${s.id}`)).body.status).toBe('STOPPED');
  });

  it('retries the exit through injected 5xx errors until it sells, exactly once', async () => {
    const s = await bought();
    await control.faults({ errors5xx: 3 });
    await p.clock.set(s.sellAt);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { stepMs: 100, label: 'exit after 5xx' });
    const sells = (await simOrders(s)).filter((o) => o.side === 'SELL');
    expect(sells).toHaveLength(1);
    expect(sells[0]?.status).toBe('COMPLETE');
    const attempts = (await ours(s)).filter((o) => o.side === 'SELL');
    expect(attempts.length).toBe(4);
  });

  it('a database outage at the sell time: the exit is tried again until it can be recorded, and sells once', async () => {
    const s = await bought();
    await new Promise((r) => setTimeout(r, 300)); // the entry's bookkeeping is written
    await withRunsTableGone(async () => {
      await p.clock.set(s.sellAt);
      await passTime(10, 100);
      // The SELL's intent cannot be written, so nothing is sent: intent first, always.
      expect((await allSimOrders()).map((o) => o.side)).toEqual(['BUY']);
    });
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { stepMs: 200, label: 'exit after the outage' });
    expect((await simOrders(s)).map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
    expect((await allSimOrders()).map((o) => o.side)).toEqual(['BUY', 'SELL']);
  });

  it('a database outage as the BUY leaves: the BUY is adopted by tag once the database is back, never sent again, and sold', async () => {
    const s = await strategy();
    await p.clock.set(s.buyAt - 4_000);
    await new Promise((r) => setTimeout(r, 500)); // prewarm: the intent is written and the request built
    // The BUY leaves with no write in front of it; every write after it fails for a while.
    await withRunsTableGone(async () => {
      await p.clock.set(s.buyAt);
      await passTime(10, 200);
      expect((await allSimOrders()).map((o) => o.side)).toEqual(['BUY']);
    });
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { stepMs: 200, label: 'BOUGHT after the outage' });
    await p.clock.set(s.sellAt);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { label: 'sold' });
    expect((await allSimOrders()).map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
  });

  it('a database outage as the stop-loss SELL leaves: the stop is recorded once the database is back, with that one SELL', async () => {
    const s = await bought({ stop: 1590 });
    await new Promise((r) => setTimeout(r, 300)); // the exit intent is written, ready for the fast path
    await withRunsTableGone(async () => {
      await control.setPrice('INFY', 158_000);
      await until(p, async () => (await allSimOrders()).some((o) => o.side === 'SELL'), { label: 'the SELL leaves before any write' });
      await passTime(10, 200);
    });
    // Well before the sell time: the stop-loss exit itself is recorded, not a sell-time exit later.
    const done = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_STOP_LOSS'), { stepMs: 100, label: 'stop-loss exit recorded' });
    expect(done.phase).toBe('EXITED_BY_STOP_LOSS');
    expect(p.clock.now()).toBeLessThan(s.sellAt);
    expect((await allSimOrders()).map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
  });

  it('a user stop the engine never heard of, met by its own sell-time exit: the exit loop runs, one SELL', async () => {
    // A second API process sharing the database, with its own in-process bus: its start and stop
    // messages never reach this engine, which learns of them from the database alone.
    const api = await startTestPlatform({ start: T0, env: { ...kiteSimEnv(sim.url), ATS_ROLES: 'api' }, overrides: { db: p.db, clock: p.clock } });
    try {
      const bob = await signUp(api, `bob-${minute}@example.com`);
      const bobBroker = await connectKiteSim(bob, sim.url);
      minute += 10;
      const buyAt = T0 + minute * 60_000;
      const sellAt = buyAt + 5 * 60_000;
      await p.clock.set(Math.max(p.clock.now(), buyAt - 60_000));
      const created = await bob.post('/strategy/create', { broker_id: bobBroker, symbol: 'INFY', buy_time: ist(buyAt), sell_time: ist(sellAt), stop_loss: 1500, quantity: 4 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      expect((await bob.post(`/strategy/${id}/start`)).status).toBe(200);
      // Inside the rescan's look-ahead: the engine finds the run there, not from a message.
      await p.clock.set(buyAt - 6_000);
      await new Promise((r) => setTimeout(r, 1_000));
      await p.clock.set(buyAt);
      await until(p, () => phaseIs(bob, id, 'BOUGHT'), { label: 'BOUGHT' });
      // The stop lands in the database; this engine's sell-time exit then loses its compare-and-set to it.
      expect((await bob.post(`/strategy/${id}/stop`)).status).toBe(200);
      await p.clock.set(sellAt);
      await until(p, () => phaseIs(bob, id, 'EXITED_BY_USER_STOP'), { stepMs: 50, realTimeoutMs: 4_000, label: 'the stop is carried out' });
      expect((await allSimOrders()).filter((o) => o.quantity === 4).map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
    } finally {
      await api.dispose();
    }
  });

  /** After a lost BUY response: exactly one BUY at the sim (the first attempt's tag), then the sell-time exit sells once. */
  async function oneBuyThenSellTimeExit(s: { id: string; sellAt: number }): Promise<void> {
    const buys = (await simOrders(s)).filter((o) => o.side === 'BUY');
    expect(buys).toHaveLength(1);
    expect(buys[0]?.tag).toMatch(/^E01/);
    await p.clock.set(s.sellAt);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { label: 'exit' });
    expect((await simOrders(s)).map((o) => o.side)).toEqual(['BUY', 'SELL']);
  }

  /** The BUY is placed but its answer is lost (plus `lookupErrors5xx` failing order-book reads): bought once, then sold once. */
  async function lostBuyResponse(lookupErrors5xx: number, wait: { stepMs: number; realTimeoutMs?: number }): Promise<void> {
    const s = await strategy();
    await control.faults({ timeouts: 1, hangMs: 3_000, lookupErrors5xx });
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { ...wait, label: 'BOUGHT after a lost response' });
    expect((await allSimOrders()).map((o) => o.side)).toEqual(['BUY']);
    await oneBuyThenSellTimeExit(s);
  }

  it('turns a lost order response into exactly one order, found by tag, and carries on', () => lostBuyResponse(0, { stepMs: 5 }));

  // The order book answers 5xx for a while too: the engine cannot tell whether the broker has the
  // order, so it must neither resend nor give up.
  it('a lost BUY response whose lookups fail too: "unknown" is not "absent", so never a second BUY', () => lostBuyResponse(12, { stepMs: 50, realTimeoutMs: 30_000 }));

  it('a lost SELL response whose lookups fail too: never a second SELL, and the exit completes', async () => {
    const s = await bought();
    await control.faults({ timeouts: 1, hangMs: 3_000, lookupErrors5xx: 12 });
    await p.clock.set(s.sellAt);
    await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { stepMs: 50, realTimeoutMs: 30_000, label: 'sold once the broker answers' });
    expect((await allSimOrders()).map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
  });

  it('a BUY built at prewarm whose response is lost: exactly one order, found by tag, and no second send', async () => {
    const s = await strategy();
    // Past the prewarm window (5-10 s before the buy): the entry intent is written and its request built.
    await p.clock.set(s.buyAt - 4_000);
    // Real time only (the virtual clock stays put): the intent write and the request build.
    await new Promise((r) => setTimeout(r, 500));
    expect(await simOrders(s)).toHaveLength(0);
    await control.faults({ timeouts: 1, hangMs: 3_000 });
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { stepMs: 5, label: 'BOUGHT after a lost response' });
    await p.clock.set(s.buyAt + 30_000);
    await oneBuyThenSellTimeExit(s);
  });

  it('a re-login between prewarm and buy: the BUY goes out on the new session, not on the request built with the old one', async () => {
    const s = await strategy();
    await p.clock.set(s.buyAt - 4_000);
    // Real time only: the prewarm checks the session, writes the intent and builds the request.
    await new Promise((r) => setTimeout(r, 500));
    // The session the BUY was built with dies at Kite, and the trader logs in again (redirect login).
    await control.expireTokens();
    const { url } = (await alice.get(`/broker/${broker}/login-url`)).body as { url: string };
    const back = new URL((await fetch(url, { redirect: 'manual' })).headers.get('location') as string);
    const cb = await p.app.inject({ method: 'GET', url: `/broker/callback/zerodha${back.search}` });
    expect(cb.statusCode, cb.body).toBe(200);
    await p.clock.set(s.buyAt);
    // Sent with the old token, the BUY would be refused (TokenException) and the run would not buy.
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT on the new session' });
    await p.clock.set(s.buyAt + 30_000);
    await oneBuyThenSellTimeExit(s);
  });

  // Last in this file: it moves the virtual clock past the day's cutoff.
  it('an exit whose order book never answers: no second SELL, and past the cutoff the run asks for attention', async () => {
    const s = await bought();
    await control.faults({ timeouts: 1, hangMs: 3_000, lookupErrors5xx: 1_000_000 });
    await p.clock.set(s.sellAt);
    await passTime(20, 500);
    const run = await p.db.selectFrom('strategy_runs').select('square_off_at').where('strategy_id', '=', s.id).executeTakeFirstOrThrow();
    await p.clock.set(new Date(run.square_off_at).getTime() + 61_000);
    const done = await until(p, () => phaseIs(alice, s.id, 'FAILED'), { stepMs: 1_000, realTimeoutMs: 30_000, label: 'FAILED, needs attention' });
    expect(done.reason).toMatch(/NEEDS_ATTENTION|sell it at your broker/);
    // The one SELL that left (its answer lost) is the only one: unknown was never taken for absent.
    expect((await allSimOrders()).map((o) => o.side)).toEqual(['BUY', 'SELL']);
  });
});
