import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZerodhaSim, KITE_SIM_USER_ID, SimControl, startSim, type RunningSim } from '@ats/broker-sims';
import { connectKiteSim, ist, kiteSimEnv, phaseIs, signUp, startEnginePlatform, T0, until, type Api, type EnginePlatform } from './support/engine-harness';

/**
 * After a burst, bought entries confirm their fills a bounded number at a time. A position whose
 * price falls through its stop while it still waits its turn must not wait behind all the others:
 * it is confirmed, and sold, first.
 */
describe('stop-loss of an entry still waiting behind a backlog of fills', () => {
  // Large enough that the late position's own confirm-and-sell (several broker round trips at 120 ms, plus
  // writes) overlapping a few of the crowd's confirmations stays far from half the crowd, also on a loaded CI machine.
  const CROWD = 40;
  let sim: RunningSim;
  let control: SimControl;
  let p: EnginePlatform;
  let alice: Api;
  let broker: string;

  beforeAll(async () => {
    sim = await startSim(createZerodhaSim(), 0, { tickIntervalMs: 25 });
    control = new SimControl(sim.url);
    // One bookkeeping slot: the crowd's fills are confirmed strictly one after another.
    p = await startEnginePlatform({ ...kiteSimEnv(sim.url), ATS_BROKER_ORDER_TIMEOUT_MS: '5000' }, { engineOptions: { entryBookkeepingSlots: 1 } });
    alice = await signUp(p, 'backlog-trader@example.com');
    broker = await connectKiteSim(alice, sim.url);
  });
  afterAll(async () => {
    await p?.dispose();
    await sim?.close();
  });

  async function strategy(symbol: string, buyAt: number, stop: number): Promise<string> {
    const created = await alice.post('/strategy/create', { broker_id: broker, symbol, buy_time: ist(buyAt), sell_time: ist(buyAt + 5 * 60_000), stop_loss: stop, quantity: 1 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await alice.post(`/strategy/${created.body.id}/start`)).status).toBe(200);
    return created.body.id as string;
  }

  it('confirms and sells the endangered position first, while most of the crowd still waits', async () => {
    await control.walk(false);
    await control.setPrice('INFY', 160_000);
    await control.setPrice('SBIN', 80_000);
    const buyAt = T0 + 10 * 60_000;
    await p.clock.set(buyAt - 60_000);
    const crowd: string[] = [];
    for (let i = 0; i < CROWD; i++) crowd.push(await strategy('INFY', buyAt, 1500));
    // Bought a second after the crowd: its fill joins the back of the queue.
    const late = await strategy('SBIN', buyAt + 1_000, 790);
    await until(p, async () => (await Promise.all([...crowd, late].map((id) => phaseIs(alice, id, 'WAITING_BUY')))).every(Boolean), { label: 'all armed' });
    // Every answer from the broker takes 120 ms: each confirmation holds the one slot that long.
    await control.faults({ latencyMs: 120 });
    await p.clock.set(buyAt);
    await until(p, async () => (await control.orders({ account: KITE_SIM_USER_ID })).filter((o) => o.side === 'BUY').length === CROWD, { stepMs: 0, label: 'the crowd’s BUYs at the sim' });
    await p.clock.set(buyAt + 1_000);
    await until(p, async () => (await control.orders({ account: KITE_SIM_USER_ID })).some((o) => o.side === 'BUY' && o.key === 'NSE:SBIN'), { stepMs: 0, label: 'the late BUY at the sim' });
    await control.setPrice('SBIN', 78_000);
    await until(p, () => phaseIs(alice, late, 'EXITED_BY_STOP_LOSS'), { stepMs: 0, realTimeoutMs: 20_000, label: 'the endangered position sold' });
    const bought = (await Promise.all(crowd.map((id) => phaseIs(alice, id, 'BOUGHT')))).filter(Boolean).length;
    // Behind the whole crowd it would have waited for all of them; promoted, it went next.
    expect(bought).toBeLessThanOrEqual(CROWD / 2);
    const sells = (await control.orders({ account: KITE_SIM_USER_ID })).filter((o) => o.side === 'SELL');
    expect(sells.map((o) => `${o.key}:${o.quantity}`)).toEqual(['NSE:SBIN:1']);
    // The planner and the ticks all saw the crossing: one stop-loss decision was recorded.
    const events = (await alice.get(`/strategy/${late}/events?limit=50`)).body.items as Array<{ cause: string }>;
    expect(events.filter((e) => e.cause === 'STOP_LOSS_HIT')).toHaveLength(1);
    await control.faults({ latencyMs: 0 });
    await until(p, async () => (await Promise.all(crowd.map((id) => phaseIs(alice, id, 'BOUGHT')))).every(Boolean), { stepMs: 0, realTimeoutMs: 20_000, label: 'the crowd bought' });
  });
});
