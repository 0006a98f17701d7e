import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZerodhaSim, KITE_SIM_USER_ID, SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { connectKiteSim, ist, kiteSimEnv, phaseIs, signUp, T0, until } from './support/engine-harness';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { TEST_REDIS_URL, uniqueName } from './support/test-env';

type P = TestPlatform & { dispose(): Promise<void> };

/**
 * Scale-out: two engine processes (here two platforms in one test process) share the database and
 * Redis. Each run is acted on by the engine holding its lease only, so there is one BUY; when that
 * engine goes away, the other takes the run over and sells it.
 */
describe.skipIf(!TEST_REDIS_URL)('two engines sharing the runs', () => {
  let sim: RunningSim;
  let control: SimControl;
  let a: P;
  let b: P;

  beforeAll(async () => {
    sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 50 });
    control = new SimControl(sim.url);
    await control.walk(false);
    await control.setPrice('INFY', 160_000);
    const env = { ...kiteSimEnv(sim.url), ATS_BROKER_ORDER_TIMEOUT_MS: '700' };
    const redisPrefix = `${uniqueName('two')}:`;
    const engineOptions = { rescanEveryMs: 100, leaseMs: 400 };
    a = await startTestPlatform({ start: T0, redis: true, env, overrides: { redisPrefix, engineOptions } });
    b = await startTestPlatform({ start: T0, redis: true, env, overrides: { redisPrefix, engineOptions, db: a.db, clock: a.clock } });
  });
  afterAll(async () => {
    await b?.dispose();
    await a?.dispose();
    await sim?.close();
  });

  it('sends one BUY between them, and the survivor sells after the owner stops', async () => {
    const u = await signUp(a, 'scale@example.com');
    const broker = await connectKiteSim(u, sim.url);
    const buyAt = T0 + 2 * 60_000;
    const sellAt = buyAt + 3 * 60_000;
    const s = (await u.post('/strategy/create', { broker_id: broker, symbol: 'INFY', buy_time: ist(buyAt), sell_time: ist(sellAt), stop_loss: 1500, quantity: 3 })).body;
    expect((await u.post(`/strategy/${s.id}/start`)).status).toBe(200);

    // Both engines hear of the start; exactly one holds the run.
    await until(a, async () => (a.engine?.tracked() ?? 0) + (b.engine?.tracked() ?? 0) === 1, { stepMs: 0, realTimeoutMs: 5_000, label: 'one engine holds the run' });
    await new Promise((r) => setTimeout(r, 500)); // several rescans: still only one
    expect((a.engine?.tracked() ?? 0) + (b.engine?.tracked() ?? 0)).toBe(1);

    await a.clock.set(buyAt);
    await until(a, () => phaseIs(u, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    expect((await control.orders({ account: KITE_SIM_USER_ID })).map((o) => o.side)).toEqual(['BUY']);

    const [owner, survivor] = (a.engine?.tracked() ?? 0) === 1 ? [a, b] : [b, a];
    await owner.engine?.stop();
    await until(a, async () => (survivor.engine?.tracked() ?? 0) === 1, { stepMs: 0, realTimeoutMs: 5_000, label: 'takeover' });

    await a.clock.set(sellAt);
    const done = await until(a, () => phaseIs(u, s.id, 'EXITED_BY_SELL_TIME'), { label: 'sold by the survivor' });
    expect(done.status).toBe('COMPLETED');
    const orders = await control.orders({ account: KITE_SIM_USER_ID });
    expect(orders.map((o) => `${o.side}:${o.status}`)).toEqual(['BUY:COMPLETE', 'SELL:COMPLETE']);
  });
});
