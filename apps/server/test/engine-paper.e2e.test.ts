import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ist, phaseIs, signUp, startEnginePlatform, T0, until, type Api, type EnginePlatform } from './support/engine-harness';

/**
 * The engine end to end with the Paper broker: the real server (API + engine in one process),
 * the real database, the virtual clock, and a scripted simulated market.
 */
describe('engine with the Paper broker', () => {
  let p: EnginePlatform;
  let alice: Api;
  let broker: string;
  let minute = 0;

  beforeAll(async () => {
    p = await startEnginePlatform();
    alice = await signUp(p, 'alice@example.com');
    broker = (await alice.post('/broker/connect', { broker: 'paper' })).body.id;
  });
  afterAll(async () => p.dispose());

  /** A strategy buying one minute after the previous one, selling four minutes later. */
  async function strategy(api: Api, brokerId: string, o: { stop: number; qty?: number; symbol?: string } = { stop: 1550 }): Promise<{ id: string; buyAt: number; sellAt: number }> {
    minute += 6;
    const buyAt = T0 + minute * 60_000;
    const sellAt = buyAt + 4 * 60_000;
    if (p.clock.now() > buyAt - 30_000) await p.clock.set(buyAt - 60_000);
    const created = await api.post('/strategy/create', {
      broker_id: brokerId,
      symbol: o.symbol ?? 'INFY',
      buy_time: ist(buyAt),
      sell_time: ist(sellAt),
      stop_loss: o.stop,
      quantity: o.qty ?? 10,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const started = await api.post(`/strategy/${created.body.id}/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return { id: created.body.id, buyAt, sellAt };
  }

  const orders = async (api: Api, id: string) => (await api.get(`/strategy/${id}/orders`)).body.items as Array<{ side: string; status: string; quantity: number; filled_quantity: number }>;

  it('buys at the buy time and sells at the sell time', async () => {
    p.paperMarket.setPrice('NSE:INFY', 160_000);
    const s = await strategy(alice, broker);
    expect((await phaseIs(alice, s.id, 'WAITING_BUY')).next_action_at).toBe(new Date(s.buyAt).toISOString());
    await p.clock.set(s.buyAt - 1);
    expect((await orders(alice, s.id)).length).toBe(0);
    const bought = await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    expect(bought.entry_price).toBe(1600);
    let o = await orders(alice, s.id);
    expect(o).toHaveLength(1);
    expect(o[0]).toMatchObject({ side: 'BUY', status: 'FILLED', quantity: 10, filled_quantity: 10 });

    p.paperMarket.setPrice('NSE:INFY', 161_000);
    await p.clock.set(s.sellAt - 1000);
    expect((await phaseIs(alice, s.id, 'BOUGHT'))).toBeDefined();
    const done = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_SELL_TIME'), { label: 'sell-time exit' });
    expect(done).toMatchObject({ status: 'COMPLETED', exit_price: 1610, pnl: 100 });
    o = await orders(alice, s.id);
    expect(o.map((x) => x.side).sort()).toEqual(['BUY', 'SELL']);
  });

  it('exits the moment a tick crosses the stop-loss, and sends no sell-time order afterwards', async () => {
    p.paperMarket.setPrice('NSE:INFY', 160_000);
    const s = await strategy(alice, broker, { stop: 1590 });
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    p.paperMarket.setPrice('NSE:INFY', 159_100);
    await new Promise((r) => setTimeout(r, 50));
    expect(await phaseIs(alice, s.id, 'BOUGHT')).toBeDefined(); // above the stop: nothing happens
    p.paperMarket.setPrice('NSE:INFY', 158_500);
    const out = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_STOP_LOSS'), { stepMs: 1, label: 'stop-loss exit' });
    expect(out.exit_price).toBe(1585);
    await p.clock.set(s.sellAt + 60_000);
    await new Promise((r) => setTimeout(r, 100));
    const o = await orders(alice, s.id);
    expect(o.filter((x) => x.side === 'SELL')).toHaveLength(1);
    expect(o).toHaveLength(2);
  });

  it('applies a stop-loss raised while in position from the next price on', async () => {
    p.paperMarket.setPrice('NSE:INFY', 160_000);
    const s = await strategy(alice, broker, { stop: 1550 });
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    /** Resolves once the engine has seen `paise` on a tick (it checks the stops before it records the price). */
    const engineSaw = (paise: number, label: string) => until(p, async () => (await p.runtime.getLastPrice('NSE:INFY'))?.paise === paise, { label });

    // Under the old stop (1550), 1570 is safe, and so is 1590.
    p.paperMarket.setPrice('NSE:INFY', 157_000);
    await engineSaw(157_000, 'tick at 1570');
    expect(await phaseIs(alice, s.id, 'BOUGHT')).toBeDefined();
    p.paperMarket.setPrice('NSE:INFY', 159_000);
    await engineSaw(159_000, 'tick at 1590');
    expect(await phaseIs(alice, s.id, 'BOUGHT')).toBeDefined();

    // The trader raises the stop to 1580 while the price is above it: nothing sells yet.
    const edited = await alice.put(`/strategy/${s.id}`, { stop_loss: 1580 });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const editedAt = p.clock.now();
    await p.clock.advance(300);
    p.paperMarket.setPrice('NSE:INFY', 159_500);
    await engineSaw(159_500, 'tick at 1595 after the edit');
    expect(await phaseIs(alice, s.id, 'BOUGHT')).toBeDefined();

    // 1575 is above the old stop but below the new one: the new stop sells.
    p.paperMarket.setPrice('NSE:INFY', 157_500);
    const out = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_STOP_LOSS'), { stepMs: 1, label: 'stop-loss exit at the new stop' });
    expect(out.exit_price).toBe(1575);
    const events = (await alice.get(`/strategy/${s.id}/events?limit=50`)).body.items as Array<{ cause: string; ts: string; details: Record<string, unknown> }>;
    const hit = events.find((e) => e.cause === 'STOP_LOSS_HIT');
    expect(hit?.details).toMatchObject({ exit_cause: 'STOP_LOSS', stop_loss_paise: 158_000, last_price_paise: 157_500 });
    expect(Date.parse(hit?.ts ?? '')).toBeGreaterThanOrEqual(editedAt);
    const o = await orders(alice, s.id);
    expect(o.map((x) => x.side).sort()).toEqual(['BUY', 'SELL']);
  });

  it('skips the day when the price is already at or below the stop at buy time', async () => {
    p.paperMarket.setPrice('NSE:INFY', 154_000);
    const s = await strategy(alice, broker, { stop: 1550 });
    await p.clock.set(s.buyAt);
    const skipped = await until(p, () => phaseIs(alice, s.id, 'SKIPPED'), { label: 'SKIPPED' });
    expect(skipped.reason).toMatch(/at or below the stop-loss/);
    expect(await orders(alice, s.id)).toHaveLength(0);
  });

  it('sells the open position when the user stops the strategy', async () => {
    p.paperMarket.setPrice('NSE:INFY', 160_000);
    const s = await strategy(alice, broker, { stop: 1500 });
    await p.clock.set(s.buyAt);
    await until(p, () => phaseIs(alice, s.id, 'BOUGHT'), { label: 'BOUGHT' });
    expect((await alice.post(`/strategy/${s.id}/stop`)).status).toBe(200);
    const out = await until(p, () => phaseIs(alice, s.id, 'EXITED_BY_USER_STOP'), { label: 'user-stop exit' });
    expect(out.status).toBe('STOPPED');
    expect((await orders(alice, s.id)).map((x) => x.side).sort()).toEqual(['BUY', 'SELL']);
    // stopping again is harmless and sends nothing
    expect((await alice.post(`/strategy/${s.id}/stop`)).status).toBe(200);
    await p.clock.set(s.sellAt + 1000);
    expect(await orders(alice, s.id)).toHaveLength(2);
  });

  it('keeps two users on the same symbol and times apart, on the API and on /ws', async () => {
    const bob = await signUp(p, 'bob@example.com');
    const bobBroker = (await bob.post('/broker/connect', { broker: 'paper' })).body.id as string;
    // Carol is connected too, but runs nothing: she must hear nothing of SBIN.
    const carol = await signUp(p, 'carol@example.com');
    await carol.post('/broker/connect', { broker: 'paper' });
    await p.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = p.app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const streams: Record<string, Array<{ type: string; strategy_id?: string; strategyId?: string; to?: string }>> = { alice: [], bob: [], carol: [] };
    const sockets = await Promise.all(
      ([['alice', alice], ['bob', bob], ['carol', carol]] as const).map(
        ([name, api]) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?access_token=${api.token}`);
            ws.on('message', (m) => {
              const msg = JSON.parse(String(m));
              if (msg.type === 'hello') resolve(ws);
              streams[name]?.push(msg);
            });
            ws.on('error', reject);
          }),
      ),
    );
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?access_token=not-a-token`);
      ws.on('close', (code) => resolve(code));
    });
    expect(refused).toBe(4401);

    p.paperMarket.setPrice('NSE:SBIN', 80_000);
    const a = await strategy(alice, broker, { stop: 790, qty: 3, symbol: 'SBIN' });
    const createdB = await bob.post('/strategy/create', { broker_id: bobBroker, symbol: 'SBIN', buy_time: ist(a.buyAt), sell_time: ist(a.sellAt), stop_loss: 790, quantity: 7 });
    expect((await bob.post(`/strategy/${createdB.body.id}/start`)).status).toBe(200);
    await p.clock.set(a.buyAt);
    await until(p, async () => (await phaseIs(alice, a.id, 'BOUGHT')) && (await phaseIs(bob, createdB.body.id, 'BOUGHT')), { label: 'both BOUGHT' });
    const ao = await orders(alice, a.id);
    const bo = await orders(bob, createdB.body.id);
    expect(ao.map((x) => x.quantity)).toEqual([3]);
    expect(bo.map((x) => x.quantity)).toEqual([7]);
    expect((await bob.get(`/strategy/${a.id}/status`)).status).toBe(404);
    expect((await bob.get(`/strategy/${a.id}/orders`)).status).toBe(404);

    await until(p, async () => streams.alice!.some((m) => m.type === 'run.phase' && m.to === 'BOUGHT') && streams.bob!.some((m) => m.type === 'run.phase' && m.to === 'BOUGHT'), { label: 'live events' });
    // The trader sees the order go out (BUYING) before its fill (BOUGHT), also when the entry took the fast path.
    for (const msgs of [streams.alice!, streams.bob!]) {
      const phases = msgs.filter((m) => m.type === 'run.phase').map((m) => m.to);
      expect(phases.indexOf('BUYING')).toBeGreaterThanOrEqual(0);
      expect(phases.indexOf('BUYING')).toBeLessThan(phases.indexOf('BOUGHT'));
    }
    const idsIn = (msgs: typeof streams.alice) => new Set(msgs!.map((m) => m.strategy_id ?? m.strategyId).filter(Boolean));
    expect([...idsIn(streams.alice)]).not.toContain(createdB.body.id);
    expect([...idsIn(streams.bob)]).toEqual([createdB.body.id]);
    // Prices of running symbols stream too (throttled), to the users who hold them.
    await p.clock.advance(300);
    p.paperMarket.setPrice('NSE:SBIN', 80_100);
    await until(p, async () => streams.bob!.some((m) => m.type === 'price'), { label: 'price push' });
    await until(p, async () => streams.alice!.some((m) => m.type === 'price'), { label: 'price push to alice' });
    expect(streams.carol!.filter((m) => m.type !== 'hello')).toEqual([]);

    // The day ends: each user is told their own strategy completed, and nothing of the other's.
    await p.clock.set(a.sellAt);
    const completed = (name: 'alice' | 'bob', id: string) =>
      streams[name]!.some((m) => m.type === 'strategy.status' && (m as { status?: string }).status === 'COMPLETED' && m.strategy_id === id);
    await until(p, async () => completed('alice', a.id) && completed('bob', createdB.body.id), { label: 'strategy.status on /ws' });
    expect(streams.alice!.filter((m) => m.type === 'strategy.status').map((m) => m.strategy_id)).toEqual([a.id]);
    expect(streams.bob!.filter((m) => m.type === 'strategy.status').map((m) => m.strategy_id)).toEqual([createdB.body.id]);
    // Both runs are over: their symbols stream no more.
    await until(p, async () => (await alice.get(`/strategy/${a.id}`)).body.status === 'COMPLETED', { label: 'completed' });
    await new Promise((r) => setTimeout(r, 100));
    const pricesBefore = streams.alice!.filter((m) => m.type === 'price').length;
    await p.clock.advance(1_000);
    p.paperMarket.setPrice('NSE:SBIN', 80_300);
    await new Promise((r) => setTimeout(r, 200));
    expect(streams.alice!.filter((m) => m.type === 'price').length).toBe(pricesBefore);
    expect(streams.carol!.filter((m) => m.type !== 'hello')).toEqual([]);
    for (const ws of sockets) ws.close();
  });
});

/**
 * The same path in production shape: runtime state and the engine's bus on Redis, so a strategy
 * started through the API reaches the engine over Redis pub/sub, not only through the rescan.
 */
describe.skipIf(!process.env.ATS_TEST_REDIS_URL)('engine with the Paper broker, on Redis', () => {
  it('buys and sells, with the start delivered over Redis at once', async () => {
    const p = await startEnginePlatform({}, { redis: true });
    try {
      const u = await signUp(p, 'redis@example.com');
      const brokerId = (await u.post('/broker/connect', { broker: 'paper' })).body.id as string;
      p.paperMarket.setPrice('NSE:TCS', 410_000);
      const buyAt = T0 + 2 * 60_000;
      const c = await u.post('/strategy/create', { broker_id: brokerId, symbol: 'TCS', buy_time: ist(buyAt), sell_time: ist(buyAt + 60_000), stop_loss: 4000, quantity: 2 });
      expect(c.status).toBe(201);
      expect((await u.post(`/strategy/${c.body.id}/start`)).status).toBe(200);
      // The engine learns of the start from the bus, long before any rescan would find a run 2 minutes out.
      await until(p, async () => (p.engine?.tracked() ?? 0) > 0, { stepMs: 0, realTimeoutMs: 5_000, label: 'engine notified over Redis' });
      await p.clock.set(buyAt);
      await until(p, () => phaseIs(u, c.body.id, 'BOUGHT'), { label: 'BOUGHT' });
      await p.clock.set(buyAt + 60_000);
      const done = await until(p, () => phaseIs(u, c.body.id, 'EXITED_BY_SELL_TIME'), { label: 'exit' });
      expect(done.status).toBe('COMPLETED');
    } finally {
      await p.dispose();
    }
  });
});
