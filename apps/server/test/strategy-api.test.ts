import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerAccountRepository } from '../src/adapters/postgres/broker-account-repository';
import { OrderIntentRepository } from '../src/adapters/postgres/order-intent-repository';
import { RunRepository } from '../src/adapters/postgres/run-repository';
import { paise } from '../src/domain/price';
import { transition, type RunEvent } from '../src/domain/run-state-machine';
import { nextActionAt } from '../src/domain/run-schedule';
import type { BrokerAccountStatus } from '../src/ports/store';
import { startTestPlatform, type TestPlatform } from './support/test-platform';
import { TEST_DATABASE_URL } from './support/test-env';

type P = TestPlatform & { dispose(): Promise<void> };

const storages = ['pglite' as const, ...(TEST_DATABASE_URL ? ['postgres' as const] : [])];

// The engine role schedules its own timers; these tests drive runs by hand through the RunStore.
const API_ONLY = { ATS_ROLES: 'api' };

interface Trader {
  userId: string;
  email: string;
  token: string;
  brokerId: string;
}

function client(p: P) {
  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, who: Trader | null, payload?: unknown) =>
    p.app.inject({
      method,
      url,
      ...(payload !== undefined && { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
      headers: { ...(payload !== undefined && { 'content-type': 'application/json' }), ...(who && { authorization: `Bearer ${who.token}` }) },
    });

  async function addBroker(userId: string, status: BrokerAccountStatus = 'CONNECTED', tokenExpiresAt: Date | null = null): Promise<string> {
    const a = await new BrokerAccountRepository(p.db).insert({
      id: randomUUID(),
      userId,
      broker: 'paper',
      label: 'Paper',
      status,
      statusMessage: null,
      sealedSecret: '{}',
      keyVersion: 1,
      tokenExpiresAt,
      lastCheckedAt: null,
      accountRef: null,
    });
    return a.id;
  }

  async function trader(): Promise<Trader> {
    const email = `${randomUUID()}@example.com`;
    const r = await call('POST', '/auth/register', null, { email, password: 'correct-horse-42', name: 'Asha Trader' });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    return { userId: body.user.id, email, token: body.access_token, brokerId: await addBroker(body.user.id) };
  }

  /** Access tokens last 15 minutes; tests that jump days sign in again. */
  async function relogin(t: Trader): Promise<void> {
    const r = await call('POST', '/auth/login', null, { email: t.email, password: 'correct-horse-42' });
    t.token = r.json().access_token;
  }

  const valid = (t: Trader, over: Record<string, unknown> = {}) => ({
    broker_id: t.brokerId,
    symbol: 'infy',
    buy_time: '10:00:00',
    sell_time: '15:00:00',
    stop_loss: 1500,
    quantity: 10,
    ...over,
  });

  async function create(t: Trader, over: Record<string, unknown> = {}) {
    const r = await call('POST', '/strategy/create', t, valid(t, over));
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; [k: string]: unknown };
  }

  return { call, addBroker, trader, relogin, valid, create };
}

describe.each(storages)('strategy API (%s)', (storage) => {
  let p: P;
  let c: ReturnType<typeof client>;
  const engineMessages: unknown[] = [];
  const userMessages = new Map<string, unknown[]>();

  beforeAll(async () => {
    p = await startTestPlatform({ storage, env: API_ONLY });
    c = client(p);
    await p.bus.subscribe('engine', (m) => engineMessages.push(m));
  });
  afterAll(async () => p.dispose());

  async function listen(t: Trader): Promise<unknown[]> {
    const got: unknown[] = [];
    userMessages.set(t.userId, got);
    await p.bus.subscribe(`user:${t.userId}`, (m) => got.push(m));
    return got;
  }

  const runs = () => new RunRepository(p.db);

  /** Drives the current run through the RunStore, exactly as the engine will. */
  async function drive(strategyId: string, ...events: RunEvent[]) {
    for (const e of events) {
      const rec = (await runs().latest(strategyId))!;
      const t = transition(rec.run, e, p.clock.now());
      const res = await runs().applyTransition({ run: t.run, expectedVersion: rec.version, nextActionAt: nextActionAt(t.run), events: [t.event] }, p.clock.now());
      expect(res).not.toBeNull();
    }
    return (await runs().latest(strategyId))!;
  }

  it('creates, reads, lists, edits, starts, stops and deletes a strategy', async () => {
    const a = await c.trader();
    const live = await listen(a);
    const created = await c.create(a, { name: ' Morning INFY ' });
    expect(created).toMatchObject({
      name: 'Morning INFY',
      broker_id: a.brokerId,
      exchange: 'NSE',
      symbol: 'INFY',
      buy_time: '10:00:00',
      sell_time: '15:00:00',
      stop_loss: 1500,
      quantity: 10,
      repeat: 'once',
      status: 'CREATED',
      reason: null,
      created_at: new Date(p.clock.now()).toISOString(),
    });
    const id = created.id;
    expect((await c.call('GET', `/strategy/${id}`, a)).json()).toEqual(created);
    expect((await c.call('GET', '/strategy/list', a)).json()).toEqual({ items: [created], next_cursor: null });

    const edited = await c.call('PUT', `/strategy/${id}`, a, { quantity: 20, stop_loss: 1499.95, repeat: 'daily' });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ quantity: 20, stop_loss: 1499.95, repeat: 'daily', name: 'Morning INFY' });
    // Re-sending the same values is not a change.
    expect((await c.call('PUT', `/strategy/${id}`, a, { quantity: 20 })).json()).toEqual(edited.json());

    const started = await c.call('POST', `/strategy/${id}/start`, a);
    expect(started.statusCode).toBe(200);
    // always-open test calendar, clock at 09:30 IST: today's 10:00:00 is still ahead.
    expect(started.json()).toMatchObject({ status: 'RUNNING', phase: 'WAITING_BUY', last_action: 'ARMED', next_action_at: '2026-11-25T04:30:00.000Z', entry_price: null, pnl: null });
    const eventsAfterStart = (await c.call('GET', `/strategy/${id}/events`, a)).json().items.length;
    const again = await c.call('POST', `/strategy/${id}/start`, a);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(started.json());
    expect((await c.call('GET', `/strategy/${id}/events`, a)).json().items).toHaveLength(eventsAfterStart);
    expect((await c.call('GET', `/strategy/${id}/status`, a)).json()).toEqual(started.json());

    await p.clock.advance(1000);
    const stopped = await c.call('POST', `/strategy/${id}/stop`, a);
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toMatchObject({ status: 'STOPPED', phase: 'SKIPPED', last_action: 'USER_STOP', next_action_at: null, reason: 'Stopped by you before buying; nothing was traded' });
    const stoppedAgain = await c.call('POST', `/strategy/${id}/stop`, a);
    expect(stoppedAgain.json()).toEqual(stopped.json());

    const events = (await c.call('GET', `/strategy/${id}/events`, a)).json();
    expect(events.items.map((e: { cause: string; from: string | null; to: string }) => `${e.cause}:${e.from}->${e.to}`)).toEqual([
      'STOPPED:RUNNING->STOPPED',
      'USER_STOP:WAITING_BUY->SKIPPED',
      'ARMED:null->WAITING_BUY',
      'STARTED:CREATED->RUNNING',
      'EDITED:CREATED->CREATED',
      'CREATED:null->CREATED',
    ]);
    expect(events.items[4].details).toEqual({ changes: { stop_loss: 1499.95, quantity: 20, repeat: 'daily' } });
    expect((await c.call('GET', `/strategy/${id}/orders`, a)).json()).toEqual({ items: [], next_cursor: null });

    const del = await c.call('DELETE', `/strategy/${id}`, a);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await c.call('GET', `/strategy/${id}`, a)).statusCode).toBe(404);
    expect((await c.call('DELETE', `/strategy/${id}`, a)).statusCode).toBe(404);
    expect((await c.call('GET', '/strategy/list', a)).json().items).toEqual([]);

    // Live updates: every appended event went to the trader's topic, every change to the engine.
    const causes = live.map((m) => (m as { event: { cause: string } }).event.cause);
    expect(causes).toEqual(['CREATED', 'EDITED', 'STARTED', 'ARMED', 'USER_STOP', 'STOPPED', 'DELETED']);
    const mine = engineMessages.filter((m) => (m as { strategyId: string }).strategyId === id) as Array<{ type: string; action: string; userId: string; runId?: string }>;
    expect(mine.map((m) => m.action)).toEqual(['created', 'updated', 'started', 'stopped', 'deleted']);
    expect(mine.every((m) => m.type === 'strategy.changed' && m.userId === a.userId)).toBe(true);
    expect(mine[2]!.runId).toEqual(expect.any(String));
  });

  it('refuses to delete a broker account while a running strategy uses it, and deletes it once stopped', async () => {
    const a = await c.trader();
    const connected = await c.call('POST', '/broker/connect', a, { broker: 'paper', label: 'Paper for deletion' });
    expect(connected.statusCode, connected.body).toBe(201);
    const brokerId = connected.json().id as string;
    const s = await c.create(a, { broker_id: brokerId });
    expect((await c.call('POST', `/strategy/${s.id}/start`, a)).json()).toMatchObject({ status: 'RUNNING' });

    const refused = await c.call('DELETE', `/broker/${brokerId}`, a);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ error: { code: 'BROKER_IN_USE', message: 'A running strategy uses this broker account; stop it first' } });
    const accounts = new BrokerAccountRepository(p.db);
    expect(await accounts.get(a.userId, brokerId)).toMatchObject({ id: brokerId, status: 'CONNECTED' });

    expect((await c.call('POST', `/strategy/${s.id}/stop`, a)).json()).toMatchObject({ status: 'STOPPED', phase: 'SKIPPED' });
    const deleted = await c.call('DELETE', `/broker/${brokerId}`, a);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toEqual({ ok: true });
    expect(await accounts.get(a.userId, brokerId)).toBeNull();
    expect((await c.call('DELETE', `/broker/${brokerId}`, a)).json().error.code).toBe('BROKER_NOT_FOUND');
  });

  it('refuses to start without a live broker session, and restarts a stopped strategy on a later day', async () => {
    const a = await c.trader();
    const expired = await c.addBroker(a.userId, 'TOKEN_EXPIRED');
    const lapsed = await c.addBroker(a.userId, 'CONNECTED', new Date(p.clock.now() - 1));
    for (const broker of [expired, lapsed]) {
      const s = await c.create(a, { broker_id: broker });
      const r = await c.call('POST', `/strategy/${s.id}/start`, a);
      expect(r.statusCode).toBe(409);
      expect(r.json().error).toMatchObject({ code: 'BROKER_NOT_CONNECTED', message: expect.stringMatching(/Log in to your broker again/) });
      expect((await c.call('GET', `/strategy/${s.id}`, a)).json().status).toBe('CREATED');
    }

    const s = await c.create(a);
    await c.call('POST', `/strategy/${s.id}/start`, a);
    await c.call('POST', `/strategy/${s.id}/stop`, a);
    const restarted = await c.call('POST', `/strategy/${s.id}/start`, a);
    // Today already had its (stopped) run: one run per trading day, so the next day is armed.
    expect(restarted.json()).toMatchObject({ status: 'RUNNING', phase: 'WAITING_BUY', next_action_at: '2026-11-26T04:30:00.000Z' });
  });

  it('allows plan edits before entry, only the stop-loss in position, nothing while an order is out', async () => {
    const a = await c.trader();
    const s = await c.create(a);
    await c.call('POST', `/strategy/${s.id}/start`, a);

    const before = await c.call('PUT', `/strategy/${s.id}`, a, { buy_time: '10:30:00', sell_time: '14:00:00', quantity: 15, stop_loss: 1490 });
    expect(before.statusCode, before.body).toBe(200);
    let run = (await runs().latest(s.id))!;
    expect(run.run).toMatchObject({ phase: 'WAITING_BUY', quantity: 15, stopLossPaise: 149_000, buyAt: Date.parse('2026-11-25T05:00:00Z'), sellAt: Date.parse('2026-11-25T08:30:00Z') });
    expect(run.nextActionAt).toBe(Date.parse('2026-11-25T05:00:00Z'));
    expect((await c.call('GET', `/strategy/${s.id}/status`, a)).json()).toMatchObject({ last_action: 'PLAN_CHANGED', next_action_at: '2026-11-25T05:00:00.000Z' });

    const past = await c.call('PUT', `/strategy/${s.id}`, a, { buy_time: '09:20:00' });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.fields.buy_time).toMatch(/already passed/);

    const symbol = await c.call('PUT', `/strategy/${s.id}`, a, { symbol: 'TCS' });
    expect(symbol.statusCode).toBe(409);
    expect(symbol.json().error).toEqual({ code: 'STRATEGY_RUNNING', message: 'Stop the strategy to change anything other than the times, stop-loss and quantity' });

    await p.clock.advance(60 * 60_000); // 10:30 IST: buy time
    await c.relogin(a);
    await drive(s.id, { type: 'BUY_DUE', lastPricePaise: paise(160_000) });
    const inFlight = await c.call('PUT', `/strategy/${s.id}`, a, { stop_loss: 1480 });
    expect(inFlight.statusCode).toBe(409);
    expect(inFlight.json().error.message).toMatch(/order is being placed/);

    run = await drive(s.id, { type: 'BUY_FILLED', filledQuantity: 15, averagePricePaise: paise(160_050) });
    expect(run.run.phase).toBe('BOUGHT');
    const qty = await c.call('PUT', `/strategy/${s.id}`, a, { quantity: 5 });
    expect(qty.statusCode).toBe(409);
    expect(qty.json().error).toEqual({ code: 'STRATEGY_RUNNING', message: 'While holding a position only the stop-loss can be changed' });

    const seen = engineMessages.length;
    const trail = await c.call('PUT', `/strategy/${s.id}`, a, { stop_loss: 1550 });
    expect(trail.statusCode).toBe(200);
    expect(trail.json().stop_loss).toBe(1550);
    const after = (await runs().latest(s.id))!;
    expect(after.run).toMatchObject({ phase: 'BOUGHT', stopLossPaise: 155_000 });
    expect(after.version).toBe(run.version + 1);
    expect(engineMessages.slice(seen)).toEqual([{ type: 'strategy.changed', action: 'updated', strategyId: s.id, userId: a.userId, runId: run.run.id }]);

    const status = (await c.call('GET', `/strategy/${s.id}/status`, a)).json();
    expect(status).toMatchObject({ status: 'RUNNING', phase: 'BOUGHT', entry_price: 1600.5, last_price: 1600.5, next_action_at: '2026-11-25T08:30:00.000Z' });

    // The engine's live hash is read first...
    await p.runtime.setRun(run.run.id, { last_price_paise: '161025', pnl_paise: '15375', updated_at: String(p.clock.now()) });
    expect((await c.call('GET', `/strategy/${s.id}/status`, a)).json()).toMatchObject({ last_price: 1610.25, pnl: 153.75 });

    const delRunning = await c.call('DELETE', `/strategy/${s.id}`, a);
    expect(delRunning.statusCode).toBe(409);
    expect(delRunning.json().error.code).toBe('STRATEGY_RUNNING');

    // ...but a stop by the trader is newer than the hash and shows at once.
    await p.clock.advance(1000);
    const stop = await c.call('POST', `/strategy/${s.id}/stop`, a);
    expect(stop.json()).toMatchObject({ status: 'STOPPED', phase: 'SELLING', last_action: 'USER_STOP', last_price: 1610.25, next_action_at: new Date(p.clock.now()).toISOString() });
    expect((await runs().latest(s.id))!.run).toMatchObject({ phase: 'SELLING', exitCause: 'USER_STOP', exitAttempt: 1 });
    const del = await c.call('DELETE', `/strategy/${s.id}`, a);
    expect(del.statusCode).toBe(409);
    expect(del.json().error.message).toMatch(/still being closed/);
    expect((await c.call('POST', `/strategy/${s.id}/start`, a)).statusCode).toBe(409);

    // Orders the engine wrote are visible, read-only.
    const orders = new OrderIntentRepository(p.db);
    const tag = `e${randomUUID().slice(0, 8)}`;
    await orders.insert({ id: randomUUID(), userId: a.userId, strategyId: s.id, runId: run.run.id, leg: 'ENTRY', attempt: 1, clientOrderId: tag, side: 'BUY', instrument: 'NSE:INFY', quantity: 15, reason: 'buy time' }, p.clock.now());
    expect((await c.call('GET', `/strategy/${s.id}/orders`, a)).json().items).toHaveLength(0);
    await orders.markSent(tag, p.clock.now());
    const list = (await c.call('GET', `/strategy/${s.id}/orders`, a)).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ run_id: run.run.id, trading_date: '2026-11-25', leg: 'ENTRY', side: 'BUY', quantity: 15, filled_quantity: 0, average_price: null, status: 'PENDING' });
  });

  it('answers another tenant, a missing id and a malformed id with the same 404 on every route', async () => {
    const a = await c.trader();
    const b = await c.trader();
    const s = await c.create(a);
    await c.call('POST', `/strategy/${s.id}/start`, a);
    const routes: Array<['GET' | 'POST' | 'PUT' | 'DELETE', string, unknown?]> = [
      ['GET', ''],
      ['PUT', '', { quantity: 1 }],
      ['DELETE', ''],
      ['POST', '/start'],
      ['POST', '/stop'],
      ['GET', '/status'],
      ['GET', '/events'],
      ['GET', '/orders'],
    ];
    const expected = { error: { code: 'STRATEGY_NOT_FOUND', message: 'Strategy not found' } };
    for (const [method, suffix, body] of routes) {
      for (const id of [s.id, randomUUID(), 'not-a-uuid', '1%27%20or%201=1']) {
        const r = await c.call(method, `/strategy/${id}${suffix}`, b, body);
        expect(r.statusCode, `${method} ${suffix} ${id}`).toBe(404);
        expect(r.json()).toEqual(expected);
      }
    }
    // Nothing changed for the owner.
    expect((await c.call('GET', `/strategy/${s.id}/status`, a)).json()).toMatchObject({ status: 'RUNNING', phase: 'WAITING_BUY' });
    expect((await c.call('GET', `/strategy/${s.id}`, a)).json().quantity).toBe(10);

    // Another tenant's broker account is not a choice either.
    const steal = await c.call('POST', '/strategy/create', b, c.valid(b, { broker_id: a.brokerId }));
    expect(steal.statusCode).toBe(400);
    expect(steal.json().error.fields).toEqual({ broker_id: 'Choose one of your broker accounts' });
    expect((await c.call('GET', '/strategy/list', b)).json().items).toEqual([]);
    expect((await c.call('GET', `/strategy/${s.id}`, null)).statusCode).toBe(401);
  });

  it('pages the list newest first and filters it by status', async () => {
    const a = await c.trader();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await c.create(a, { name: `S${i}` })).id);
      if (i % 2 === 0) await p.clock.advance(10); // some share a creation time, some do not
    }
    for (const id of ids.slice(0, 2)) await c.call('POST', `/strategy/${id}/start`, a);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await c.call('GET', `/strategy/list?limit=2${cursor ? `&cursor=${cursor}` : ''}`, a);
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((x: { id: string }) => x.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Newest first; strategies created in the same millisecond are ordered by id, so pages never overlap.
    const all = (await c.call('GET', '/strategy/list?limit=100', a)).json().items as Array<{ id: string; created_at: string }>;
    const ordered = [...all].sort((x, y) => y.created_at.localeCompare(x.created_at) || (x.id < y.id ? 1 : -1));
    expect(all.map((x) => x.id)).toEqual(ordered.map((x) => x.id));
    expect(seen).toEqual(ordered.map((x) => x.id));
    expect(all.at(-1)!.id).toBe(ids[0]);

    const running = (await c.call('GET', '/strategy/list?status=RUNNING', a)).json();
    expect(running.items.map((x: { id: string }) => x.id).sort()).toEqual(ids.slice(0, 2).sort());
    expect((await c.call('GET', '/strategy/list?status=COMPLETED', a)).json().items).toEqual([]);

    const bad = await c.call('GET', '/strategy/list?status=DONE&limit=0', a);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields).toMatchObject({ status: 'Status must be one of CREATED, RUNNING, STOPPED, COMPLETED, FAILED', limit: 'Limit must be at least 1' });
    const badCursor = await c.call('GET', '/strategy/list?cursor=bm9wZQ', a);
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.fields.cursor).toMatch(/start from the first page/);

    const ev = await c.call('GET', `/strategy/${ids[0]}/events?limit=1`, a);
    expect(ev.json().items).toHaveLength(1);
    const ev2 = await c.call('GET', `/strategy/${ids[0]}/events?limit=10&cursor=${ev.json().next_cursor}`, a);
    expect(ev2.json().items.map((e: { cause: string }) => e.cause)).toEqual(['STARTED', 'CREATED']);
  });

  it('rejects bad input with field messages a trader can read', async () => {
    const a = await c.trader();
    const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
      [{ stop_loss: undefined }, { stop_loss: 'Stop-loss is mandatory' }],
      [{ stop_loss: 0 }, { stop_loss: 'Stop-loss must be greater than 0' }],
      [{ stop_loss: 1500.03 }, { stop_loss: 'Stop-loss must be a multiple of the tick size ₹0.05' }],
      [{ buy_time: '15:00:00', sell_time: '10:00:00' }, { sell_time: 'Sell time must be after buy time' }],
      [{ buy_time: '9:20' }, { buy_time: 'Buy time must be in HH:MM:SS format, e.g. 09:20:00' }],
      [{ symbol: 'NOSUCHCO' }, { symbol: 'Unknown symbol NOSUCHCO on NSE' }],
      [{ quantity: 10_001 }, { quantity: 'Quantity can be at most 10,000' }],
      [{ quantity: 2.5 }, { quantity: 'Quantity must be a whole number of at least 1' }],
      [{ broker_id: randomUUID() }, { broker_id: 'Choose one of your broker accounts' }],
      [{ broker_id: randomUUID(), symbol: 'NOSUCHCO' }, { broker_id: 'Choose one of your broker accounts', symbol: 'Unknown symbol NOSUCHCO on NSE' }],
      [{ repeat: 'weekly', exchange: 'MCX' }, { repeat: 'Repeat must be "once" or "daily"', exchange: 'Exchange must be NSE or BSE' }],
    ];
    for (const [over, fields] of cases) {
      const r = await c.call('POST', '/strategy/create', a, c.valid(a, over));
      expect(r.statusCode, JSON.stringify(over)).toBe(400);
      expect(r.json().error).toEqual({ code: 'VALIDATION_FAILED', message: 'Some fields are invalid', fields });
    }
    // A body that is not an object at all is answered in the same trader's words, never zod's.
    for (const body of ['[]', '[{"symbol":"INFY"}]', '"INFY"', '42', 'null', 'true']) {
      const r = await c.call('POST', '/strategy/create', a, body);
      expect(r.statusCode, body).toBe(400);
      expect(r.json().error, body).toEqual({ code: 'VALIDATION_FAILED', message: 'Some fields are invalid', fields: { body: 'The request body must be a JSON object' } });
    }
    const s = await c.create(a);
    const notObject = await c.call('PUT', `/strategy/${s.id}`, a, '[]');
    expect(notObject.statusCode).toBe(400);
    expect(notObject.json().error.fields).toEqual({ body: 'The request body must be a JSON object' });
    const upd = await c.call('PUT', `/strategy/${s.id}`, a, { sell_time: '09:59:59' });
    expect(upd.json().error.fields).toEqual({ sell_time: 'Sell time must be after buy time' });
    expect((await c.call('GET', '/strategy/list', a)).json().items).toHaveLength(1);
  });

  it('never answers a random create or update payload with a 500', async () => {
    const a = await c.trader();
    const idle = await c.create(a);
    const running = await c.create(a, { buy_time: '12:00:00' });
    await c.call('POST', `/strategy/${running.id}/start`, a);
    const field = fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.constantFrom('09:20:00', '11:00:00', '15:00:00', '23:59:59', '24:00:00', '', 'INFY', 'tcs', 'NSE', 'BSE', 'daily', a.brokerId, randomUUID()),
      fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER, 1500.05, 1500.01, 0.01, 10_000, 10_001),
      fc.array(fc.anything(), { maxLength: 2 }),
      fc.object({ maxDepth: 1 }),
    );
    const keys = ['name', 'broker_id', 'exchange', 'symbol', 'buy_time', 'sell_time', 'stop_loss', 'quantity', 'repeat'] as const;
    const nearlyValid = fc
      .dictionary(fc.constantFrom(...keys), field, { minKeys: 1, maxKeys: 3 })
      .map((changes) => ({ ...c.valid(a), ...changes }));
    const payload = fc.oneof(
      { weight: 4, arbitrary: nearlyValid },
      { weight: 2, arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, field])), { requiredKeys: [] }) },
      { weight: 1, arbitrary: fc.anything() },
      { weight: 1, arbitrary: fc.string().map((t) => `{"symbol":${t}`) },
    );
    const target = fc.constantFrom('create', idle.id, running.id);
    await fc.assert(
      fc.asyncProperty(payload, target, async (body, to) => {
        const raw = body === undefined ? 'null' : body;
        const r = to === 'create' ? await c.call('POST', '/strategy/create', a, raw) : await c.call('PUT', `/strategy/${to}`, a, raw);
        expect(r.statusCode, `${r.body} for ${JSON.stringify(body)}`).toBeLessThan(500);
        if (r.statusCode >= 400) expect(r.json().error.code).toEqual(expect.any(String));
      }),
      { numRuns: 300 },
    );
  });

  it('lists every strategy route in the OpenAPI document', async () => {
    const doc = (await p.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/strategy/create', '/strategy/list', '/strategy/{id}', '/strategy/{id}/start', '/strategy/{id}/stop', '/strategy/{id}/status', '/strategy/{id}/events', '/strategy/{id}/orders']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths['/strategy/{id}'])).toEqual(expect.arrayContaining(['get', 'put', 'delete']));
    expect(doc.paths['/strategy/create'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('stop_loss');
  });
});

describe('strategy calendar with ATS_CALENDAR=nse', () => {
  const IST = (date: string, time: string) => Date.parse(`${date}T${time}+05:30`);
  let p: P;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    // Monday 2026-11-23, 18:00 IST: Tuesday 24th is an NSE holiday (Guru Nanak Jayanti).
    p = await startTestPlatform({ start: IST('2026-11-23', '18:00:00'), env: { ...API_ONLY, ATS_CALENDAR: 'nse' } });
    c = client(p);
  });
  afterAll(async () => p.dispose());

  async function startNew(t: Trader) {
    const s = await c.create(t, { buy_time: '09:20:00', sell_time: '15:00:00' });
    const r = await c.call('POST', `/strategy/${s.id}/start`, t);
    expect(r.statusCode, r.body).toBe(200);
    const armed = (await c.call('GET', `/strategy/${s.id}/events?limit=1`, t)).json().items[0];
    return { status: r.json(), armed };
  }

  it('arms for the next trading day after a holiday, a weekend, and a holiday joined to a weekend', async () => {
    const t = await c.trader();
    const beforeHoliday = await startNew(t);
    expect(beforeHoliday.status).toMatchObject({ status: 'RUNNING', phase: 'WAITING_BUY', next_action_at: new Date(IST('2026-11-25', '09:20:00')).toISOString() });
    expect(beforeHoliday.armed).toMatchObject({ cause: 'ARMED', trading_date: '2026-11-25', details: { trading_date: '2026-11-25', buy_at: IST('2026-11-25', '09:20:00'), sell_at: IST('2026-11-25', '15:00:00') } });

    await p.clock.set(IST('2026-11-27', '18:00:00')); // Friday evening
    await c.relogin(t);
    const friday = await startNew(t);
    expect(friday.status.next_action_at).toBe('2026-11-30T03:50:00.000Z'); // Monday 09:20 IST
    expect(friday.armed.trading_date).toBe('2026-11-30');

    await p.clock.set(IST('2026-12-24', '16:00:00')); // Thursday; Friday 25th is Christmas
    await c.relogin(t);
    const christmas = await startNew(t);
    expect(christmas.status.next_action_at).toBe(new Date(IST('2026-12-28', '09:20:00')).toISOString());
  });

  it('arms the same day when the buy time is still ahead, and applies exchange hours to the times', async () => {
    await p.clock.set(IST('2026-12-28', '08:00:00'));
    const t = await c.trader();
    expect((await startNew(t)).status.next_action_at).toBe(new Date(IST('2026-12-28', '09:20:00')).toISOString());
    const early = await c.call('POST', '/strategy/create', t, c.valid(t, { buy_time: '09:00:00' }));
    expect(early.json().error.fields).toEqual({ buy_time: 'Buy time must be within market hours, 09:15:00 to 15:30:00' });
    const late = await c.call('POST', '/strategy/create', t, c.valid(t, { sell_time: '15:20:00' }));
    expect(late.json().error.fields).toEqual({ sell_time: 'Sell time must be no later than the square-off cutoff 15:15:00' });
  });
});
