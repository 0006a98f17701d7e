import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, type Db } from '../../src/adapters/postgres/database';
import { UserRepository } from '../../src/adapters/postgres/user-repository';
import { BrokerAccountRepository } from '../../src/adapters/postgres/broker-account-repository';
import { StrategyRepository } from '../../src/adapters/postgres/strategy-repository';
import { RunRepository } from '../../src/adapters/postgres/run-repository';
import { OrderIntentRepository } from '../../src/adapters/postgres/order-intent-repository';
import { ValidationError } from '../../src/domain/errors';
import { istToEpochMs } from '../../src/domain/exchange-time';
import type { InstrumentId } from '../../src/domain/instrument';
import { paise } from '../../src/domain/price';
import { armRun, isTerminalPhase, transition } from '../../src/domain/run-state-machine';
import { nextActionAt } from '../../src/domain/run-schedule';
import type { NewOrderIntent, RunRecord, StrategyRecord } from '../../src/ports/strategy-store';
import { storageEngines } from '../support/storage-engines';

/** ONE contract for StrategyStore, RunStore and OrderIntentStore, run on PGlite and (when configured) PostgreSQL. */
const engines = storageEngines('strat');

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0); // 07:30 IST, Wednesday 2026-11-25

describe.each(engines)('strategy storage contract: $name', ({ open }) => {
  let db: Db;
  let dispose: () => Promise<void>;
  let strategies: StrategyRepository;
  let runs: RunRepository;
  let intents: OrderIntentRepository;
  let users: UserRepository;
  let accounts: BrokerAccountRepository;

  beforeAll(async () => {
    ({ db, dispose } = await open());
    await migrateToLatest(db);
    strategies = new StrategyRepository(db);
    runs = new RunRepository(db);
    intents = new OrderIntentRepository(db);
    users = new UserRepository(db);
    accounts = new BrokerAccountRepository(db);
  });
  afterAll(async () => dispose());

  async function owner(): Promise<{ userId: string; accountId: string }> {
    const u = await users.create({ id: randomUUID(), email: `${randomUUID()}@example.com`, name: 'T', passwordHash: 'h' });
    const a = await accounts.insert({
      id: randomUUID(),
      userId: u.id,
      broker: 'paper',
      label: 'Paper',
      status: 'CONNECTED',
      statusMessage: null,
      sealedSecret: '{}',
      keyVersion: 1,
      tokenExpiresAt: null,
      lastCheckedAt: null,
      accountRef: null,
    });
    return { userId: u.id, accountId: a.id };
  }

  async function newStrategy(o: { userId: string; accountId: string }, at = T0): Promise<StrategyRecord> {
    const { strategy } = await strategies.insert(
      {
        id: randomUUID(),
        userId: o.userId,
        brokerId: o.accountId,
        name: null,
        exchange: 'NSE',
        symbol: 'INFY',
        buyTime: '09:20:00',
        sellTime: '15:00:00',
        stopLossPaise: paise(150_000),
        quantity: 10,
        repeat: 'once',
        status: 'CREATED',
        reason: null,
        createdAt: at,
        updatedAt: at,
      },
      { ts: at, from: null, to: 'CREATED', cause: 'CREATED' },
    );
    return strategy;
  }

  async function armed(s: StrategyRecord, date = '2026-11-25'): Promise<RunRecord> {
    const a = armRun(
      {
        id: randomUUID(),
        strategyId: s.id,
        tradingDate: date,
        quantity: s.quantity,
        stopLossPaise: s.stopLossPaise,
        buyAt: istToEpochMs(date, s.buyTime),
        sellAt: istToEpochMs(date, s.sellTime),
        squareOffAt: istToEpochMs(date, '15:15:00'),
      },
      T0,
    );
    const res = await runs.arm(
      {
        run: a.run,
        event: a.event,
        userId: s.userId,
        brokerAccountId: s.brokerId,
        instrument: 'NSE:INFY',
        nextActionAt: nextActionAt(a.run),
        strategy: { id: s.id, expectedVersion: s.version, patch: { status: 'RUNNING' }, events: [{ ts: T0, from: s.status, to: 'RUNNING', cause: 'STARTED' }] },
      },
      T0,
    );
    expect(res).not.toBeNull();
    return res!.run;
  }

  it('round-trips a strategy exactly and scopes it to its owner', async () => {
    const o = await owner();
    const other = await owner();
    const s = await newStrategy(o);
    expect(s).toMatchObject({ version: 1, status: 'CREATED', stopLossPaise: 150_000, createdAt: T0, deletedAt: null, brokerId: o.accountId });
    expect(await strategies.get(o.userId, s.id)).toEqual(s);
    expect(await strategies.get(other.userId, s.id)).toBeNull();
    expect(await strategies.get(o.userId, 'not-a-uuid')).toBeNull();
    expect(await strategies.get(o.userId, randomUUID())).toBeNull();
    expect((await strategies.byId(s.id))?.id).toBe(s.id);
  });

  it('writes by compare-and-set: a stale version changes nothing', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const w = await strategies.write(o.userId, { id: s.id, expectedVersion: 1, patch: { quantity: 20, name: 'Morning' }, events: [{ ts: T0 + 1, from: 'CREATED', to: 'CREATED', cause: 'EDITED' }] }, T0 + 1);
    expect(w?.strategy).toMatchObject({ version: 2, quantity: 20, name: 'Morning', updatedAt: T0 + 1 });
    expect(w?.events.map((e) => e.cause)).toEqual(['EDITED']);
    expect(await strategies.write(o.userId, { id: s.id, expectedVersion: 1, patch: { quantity: 30 }, events: [] }, T0 + 2)).toBeNull();
    expect(await strategies.write((await owner()).userId, { id: s.id, expectedVersion: 2, patch: { quantity: 30 }, events: [] }, T0 + 2)).toBeNull();
    expect((await strategies.get(o.userId, s.id))?.quantity).toBe(20);
  });

  it('soft-deletes: hidden from reads and lists, kept by id for history', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const d = await strategies.write(o.userId, { id: s.id, expectedVersion: 1, patch: {}, delete: true, events: [{ ts: T0, from: 'CREATED', to: 'CREATED', cause: 'DELETED' }] }, T0 + 5);
    expect(d?.strategy.deletedAt).toBe(T0 + 5);
    expect(await strategies.get(o.userId, s.id)).toBeNull();
    expect((await strategies.list(o.userId, { limit: 10 })).items).toEqual([]);
    expect((await strategies.byId(s.id))?.deletedAt).toBe(T0 + 5);
    expect(await strategies.write(o.userId, { id: s.id, expectedVersion: 2, patch: { quantity: 1 }, events: [] }, T0 + 6)).toBeNull();
  });

  it('lists newest first with a stable cursor, even when many share a timestamp, and filters by status', async () => {
    const o = await owner();
    const made: StrategyRecord[] = [];
    for (let i = 0; i < 7; i++) made.push(await newStrategy(o, T0 + (i < 4 ? 0 : i)));
    await strategies.write(o.userId, { id: made[0]!.id, expectedVersion: 1, patch: { status: 'STOPPED' }, events: [] }, T0);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await strategies.list(o.userId, { limit: 3, cursor });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    const expected = [...made].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((s) => s.id);
    expect(seen).toEqual(expected);
    expect((await strategies.list(o.userId, { limit: 10, status: 'STOPPED' })).items.map((s) => s.id)).toEqual([made[0]!.id]);
    expect((await strategies.list((await owner()).userId, { limit: 10 })).items).toEqual([]);
    await expect(strategies.list(o.userId, { limit: 3, cursor: 'garbage!' })).rejects.toBeInstanceOf(ValidationError);
    await expect(strategies.list(o.userId, { limit: 3, cursor: Buffer.from('1.x').toString('base64url') })).rejects.toBeInstanceOf(ValidationError);
  });

  it('arms a run with its strategy change in one transaction, once per trading day', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const r = await armed(s);
    expect(r).toMatchObject({ version: 1, userId: o.userId, instrument: 'NSE:INFY', lastAction: 'ARMED', nextActionAt: istToEpochMs('2026-11-25', '09:20:00') });
    expect(r.run).toMatchObject({ phase: 'WAITING_BUY', tradingDate: '2026-11-25', quantity: 10, stopLossPaise: 150_000, entryPricePaise: null });
    expect(await runs.get(r.run.id)).toEqual(r);
    expect(await runs.latest(s.id)).toEqual(r);
    expect((await strategies.get(o.userId, s.id))?.status).toBe('RUNNING');

    // Same trading day again: the unique (strategy, date) wins, and nothing else is written.
    const again = armRun({ ...r.run, id: randomUUID() }, T0);
    const fresh = (await strategies.get(o.userId, s.id))!;
    const dup = await runs.arm(
      { run: again.run, event: again.event, userId: o.userId, brokerAccountId: o.accountId, instrument: 'NSE:INFY', nextActionAt: null, strategy: { id: s.id, expectedVersion: fresh.version, patch: { reason: 'x' }, events: [] } },
      T0,
    );
    expect(dup).toBeNull();
    expect((await strategies.get(o.userId, s.id))?.reason).toBeNull();

    // A stale strategy version refuses the arm.
    const stale = armRun({ ...r.run, id: randomUUID(), tradingDate: '2026-11-26' }, T0);
    expect(
      await runs.arm({ run: stale.run, event: stale.event, userId: o.userId, brokerAccountId: o.accountId, instrument: 'NSE:INFY', nextActionAt: null, strategy: { id: s.id, expectedVersion: 1, patch: {}, events: [] } }, T0),
    ).toBeNull();
    expect(await runs.get(stale.run.id)).toBeNull();
  });

  it('applies transitions by compare-and-set and appends their events in order', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const r0 = await armed(s);
    const buyAt = r0.run.buyAt;
    const t1 = transition(r0.run, { type: 'BUY_DUE', lastPricePaise: paise(160_000) }, buyAt);
    const r1 = await runs.applyTransition({ run: t1.run, expectedVersion: 1, nextActionAt: nextActionAt(t1.run), events: [t1.event] }, buyAt);
    expect(r1?.run).toMatchObject({ version: 2, lastAction: 'BUY_DUE', nextActionAt: buyAt });
    const t2 = transition(r1!.run.run, { type: 'BUY_FILLED', filledQuantity: 10, averagePricePaise: paise(160_050) }, buyAt + 200);
    const r2 = await runs.applyTransition({ run: t2.run, expectedVersion: 2, nextActionAt: nextActionAt(t2.run), events: [t2.event] }, buyAt + 200);
    expect(r2?.run.run).toMatchObject({ phase: 'BOUGHT', positionQuantity: 10, entryPricePaise: 160_050 });
    expect(r2?.run.nextActionAt).toBe(r0.run.sellAt);
    expect(r2?.strategy).toBeNull();
    expect(r2?.events).toEqual([
      { id: expect.any(String), strategyId: s.id, userId: o.userId, runId: r0.run.id, tradingDate: r0.run.tradingDate, scope: 'run', ts: buyAt + 200, from: 'BUYING', to: 'BOUGHT', cause: 'BUY_FILLED', details: t2.event.details },
    ]);

    // A writer still holding version 2 loses and writes nothing.
    const late = transition(r1!.run.run, { type: 'ENTRY_FAILED', reason: 'x' }, buyAt + 300);
    expect(await runs.applyTransition({ run: late.run, expectedVersion: 2, nextActionAt: null, events: [late.event] }, buyAt + 300)).toBeNull();
    expect((await runs.get(r0.run.id))?.run.phase).toBe('BOUGHT');

    const log = await strategies.events(o.userId, s.id, { limit: 50 });
    expect(log.items.map((e) => `${e.scope}:${e.cause}:${e.from}->${e.to}`)).toEqual([
      'run:BUY_FILLED:BUYING->BOUGHT',
      'run:BUY_DUE:WAITING_BUY->BUYING',
      'run:ARMED:null->WAITING_BUY',
      'strategy:STARTED:CREATED->RUNNING',
      'strategy:CREATED:null->CREATED',
    ]);
    expect(log.items[0]).toMatchObject({ runId: r0.run.id, tradingDate: '2026-11-25', details: { filled_quantity: 10, average_price_paise: 160_050 } });
    expect((await strategies.events((await owner()).userId, s.id, { limit: 50 })).items).toEqual([]);
    const first = await strategies.events(o.userId, s.id, { limit: 2 });
    const rest = await strategies.events(o.userId, s.id, { limit: 10, cursor: first.nextCursor! });
    expect([...first.items, ...rest.items].map((e) => e.id)).toEqual(log.items.map((e) => e.id));
  });

  it('two concurrent transitions from the same version: exactly one wins', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const r0 = await armed(s);
    const stop = transition(r0.run, { type: 'USER_STOP' }, T0 + 10);
    const buy = transition(r0.run, { type: 'BUY_DUE', lastPricePaise: null }, T0 + 10);
    const results = await Promise.all([
      runs.applyTransition({ run: stop.run, expectedVersion: 1, nextActionAt: null, events: [stop.event] }, T0 + 10),
      runs.applyTransition({ run: buy.run, expectedVersion: 1, nextActionAt: T0 + 10, events: [buy.event] }, T0 + 10),
    ]);
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    const stored = (await runs.get(r0.run.id))!;
    expect(stored.version).toBe(2);
    expect(stored.run.phase).toBe(winners[0]!.run.run.phase);
    const runEvents = (await strategies.events(o.userId, s.id, { limit: 50 })).items.filter((e) => e.scope === 'run');
    expect(runEvents.map((e) => e.cause)).toEqual([winners[0]!.events[0]!.cause, 'ARMED']);
  });

  it('rolls the run back when the strategy part of the transition loses its compare-and-set', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const r0 = await armed(s);
    const t = transition(r0.run, { type: 'USER_STOP' }, T0 + 10);
    const res = await runs.applyTransition(
      { run: t.run, expectedVersion: 1, nextActionAt: null, events: [t.event], strategy: { id: s.id, expectedVersion: 1, patch: { status: 'STOPPED' }, events: [] } },
      T0 + 10,
    );
    expect(res).toBeNull();
    expect(await runs.get(r0.run.id)).toEqual(r0);
    const ok = await runs.applyTransition(
      { run: t.run, expectedVersion: 1, nextActionAt: null, events: [t.event], strategy: { id: s.id, expectedVersion: 2, patch: { status: 'STOPPED' }, events: [{ ts: T0 + 10, from: 'RUNNING', to: 'STOPPED', cause: 'STOPPED' }] } },
      T0 + 10,
    );
    expect(ok?.strategy?.status).toBe('STOPPED');
    expect(ok?.run.run.phase).toBe('SKIPPED');
    expect(ok?.events.map((e) => e.cause)).toEqual(['USER_STOP', 'STOPPED']);
  });

  it('lists open runs by when they are due, leaving finished ones out', async () => {
    const o = await owner();
    const before = new Set(await runs.openIds());
    const a = await armed(await newStrategy(o), '2026-11-26');
    const b = await armed(await newStrategy(o), '2026-11-25');
    const c = await armed(await newStrategy(o), '2026-11-27');
    const done = transition(c.run, { type: 'USER_STOP' }, T0);
    await runs.applyTransition({ run: done.run, expectedVersion: 1, nextActionAt: null, events: [done.event] }, T0);
    const mine = (await runs.openIds()).filter((id) => !before.has(id));
    expect(mine).toEqual([b.run.id, a.run.id]);
    const due = await runs.openIds({ dueBy: istToEpochMs('2026-11-25', '09:20:00') });
    expect(due).toContain(b.run.id);
    expect(due).not.toContain(a.run.id);
    // Whole rows for the open ids, all of them open; the due ones are the head of the same order.
    const all = await runs.openIds();
    const rows = await runs.byIds(all);
    expect(rows.map((r) => r.run.id).sort()).toEqual([...all].sort());
    expect(rows.some((r) => isTerminalPhase(r.run.phase))).toBe(false);
    expect(all.slice(0, due.length)).toEqual(due);
    const picked = await runs.byIds([a.run.id, c.run.id, randomUUID(), 'not-a-uuid']);
    expect(picked.map((r) => r.run.id).sort()).toEqual([a.run.id, c.run.id].sort());
    expect(picked.find((r) => r.run.id === a.run.id)).toEqual(await runs.get(a.run.id));
    expect(await runs.byIds([])).toEqual([]);
  });

  it('writes one order intent per (run, leg, attempt) and client order id; later writers get the first back', async () => {
    const o = await owner();
    const s = await newStrategy(o);
    const r = await armed(s);
    const intent = { id: randomUUID(), userId: o.userId, strategyId: s.id, runId: r.run.id, leg: 'ENTRY' as const, attempt: 1, clientOrderId: `c${randomUUID().slice(0, 12)}`, side: 'BUY' as const, instrument: 'NSE:INFY' as const, quantity: 10, reason: 'buy time' };
    const [x, y] = await Promise.all([intents.insert(intent, T0), intents.insert({ ...intent, id: randomUUID() }, T0)]);
    expect([x.created, y.created].filter(Boolean)).toHaveLength(1);
    expect(x.intent.id).toBe(y.intent.id);
    expect(x.intent).toMatchObject({ status: 'PENDING', filledQuantity: 0, tradingDate: '2026-11-25', averagePricePaise: null });
    const sameTag = await intents.insert({ ...intent, id: randomUUID(), attempt: 2 }, T0);
    expect(sameTag.created).toBe(false);

    const filled = await intents.recordOutcome(intent.clientOrderId, { status: 'FILLED', brokerOrderId: 'B1', filledQuantity: 10, averagePricePaise: paise(160_050) }, T0 + 5);
    expect(filled).toMatchObject({ status: 'FILLED', brokerOrderId: 'B1', averagePricePaise: 160_050, updatedAt: T0 + 5 });
    expect(await intents.recordOutcome('nope', { status: 'FILLED' }, T0)).toBeNull();
    await intents.insert({ ...intent, id: randomUUID(), leg: 'EXIT', side: 'SELL', clientOrderId: `${intent.clientOrderId}x` }, T0 + 10);
    expect((await intents.forRun(r.run.id)).map((i) => i.leg)).toEqual(['ENTRY', 'EXIT']);
    // Written ahead of time is not an order: only sent intents are listed.
    expect((await intents.listForStrategy(o.userId, s.id, { limit: 5 })).items).toEqual([]);
    await intents.markSent(intent.clientOrderId, T0 + 1);
    await intents.markSent(`${intent.clientOrderId}x`, T0 + 11);
    await intents.markSent(`${intent.clientOrderId}x`, T0 + 99); // a replay: the earliest mark stands
    const page = await intents.listForStrategy(o.userId, s.id, { limit: 1 });
    expect(page.items.map((i) => i.leg)).toEqual(['EXIT']);
    expect((await intents.listForStrategy(o.userId, s.id, { limit: 5, cursor: page.nextCursor! })).items.map((i) => i.leg)).toEqual(['ENTRY']);
    expect((await intents.listForStrategy((await owner()).userId, s.id, { limit: 5 })).items).toEqual([]);
  });

  it('writes many intents in one call and says which it wrote; existing ones are left as they were', async () => {
    const o = await owner();
    const made = await Promise.all([1, 2, 3].map(async () => armed(await newStrategy(o))));
    const list = made.map((r) => ({ id: randomUUID(), userId: o.userId, strategyId: r.run.strategyId, runId: r.run.id, leg: 'ENTRY' as const, attempt: 1, clientOrderId: `m${randomUUID().slice(0, 12)}`, side: 'BUY' as const, instrument: 'NSE:INFY' as const, quantity: 10, reason: 'prepared' }));
    const first = list[0] as (typeof list)[number];
    // The first run already has its attempt 1 under another tag: that one must not be written again.
    await intents.insert({ ...first, id: randomUUID(), clientOrderId: `${first.clientOrderId}z` }, T0);
    const written = await intents.insertMany(list, T0 + 1);
    expect([...written].sort()).toEqual([list[1]?.clientOrderId, list[2]?.clientOrderId].sort());
    expect(await intents.insertMany(list, T0 + 2)).toEqual(new Set());
    expect(await intents.insertMany([], T0)).toEqual(new Set());
    const rows = await intents.forRun(list[1]?.runId as string);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ clientOrderId: list[1]?.clientOrderId, status: 'PENDING', createdAt: T0 + 1, sentAt: null });
    expect((await intents.forRun(first.runId)).map((i) => i.clientOrderId)).toEqual([`${first.clientOrderId}z`]);
    await intents.markSentMany([]);
    await intents.markSentMany([
      { clientOrderId: list[1]?.clientOrderId as string, at: T0 + 5 },
      { clientOrderId: list[2]?.clientOrderId as string, at: T0 + 6 },
      { clientOrderId: 'not-a-tag', at: T0 + 6 },
    ]);
    await intents.markSentMany([{ clientOrderId: list[1]?.clientOrderId as string, at: T0 + 50 }]); // a replay: the earliest mark stands
    // An earlier mark landing later (the send's own mark after a lookup already marked it) wins,
    // and two marks of one tag in one call give the earlier.
    await intents.markSentMany([
      { clientOrderId: list[2]?.clientOrderId as string, at: T0 + 9 },
      { clientOrderId: list[2]?.clientOrderId as string, at: T0 + 3 },
      { clientOrderId: list[2]?.clientOrderId as string, at: T0 + 7 },
    ]);
    expect((await intents.forRun(list[1]?.runId as string))[0]?.sentAt).toBe(T0 + 5);
    expect((await intents.forRun(list[2]?.runId as string))[0]?.sentAt).toBe(T0 + 3);
  });

  it('records many outcomes in one call, in list order, leaving fields not given as they were', async () => {
    const o = await owner();
    const made = await Promise.all([1, 2].map(async () => armed(await newStrategy(o))));
    const list: NewOrderIntent[] = made.map((r) => ({ id: randomUUID(), userId: o.userId, strategyId: r.run.strategyId, runId: r.run.id, leg: 'ENTRY', attempt: 1, clientOrderId: `g${randomUUID().slice(0, 12)}`, side: 'BUY', instrument: 'NSE:INFY' as InstrumentId, quantity: 10, reason: 'prepared' }));
    const [a, b] = [list[0]!, list[1]!];
    await intents.insertMany([a, b], T0);
    const kept = 'kept "as" it was, {NULL} \\ ₹';
    await intents.recordOutcome(b.clientOrderId, { message: 'before', averagePricePaise: paise(1) }, T0 + 1);
    expect(await intents.recordOutcomes([])).toEqual([]);
    const found = await intents.recordOutcomes([
      { clientOrderId: a.clientOrderId, outcome: { status: 'PENDING', brokerOrderId: 'BA', message: 'NULL' }, at: T0 + 2 },
      { clientOrderId: 'not-a-tag', outcome: { status: 'FILLED' }, at: T0 + 2 },
      { clientOrderId: b.clientOrderId, outcome: { status: 'FILLED', filledQuantity: 10, message: kept }, at: T0 + 3 },
      // the same tag again: applied after its first outcome, not instead of it
      { clientOrderId: a.clientOrderId, outcome: { status: 'FILLED', filledQuantity: 10, averagePricePaise: paise(160_050), message: null }, at: T0 + 4 },
      { clientOrderId: b.clientOrderId, outcome: { averagePricePaise: null }, at: T0 + 5 },
    ]);
    expect(found).toEqual([true, false, true, true, true]);
    expect((await intents.forRun(a.runId))[0]).toMatchObject({ status: 'FILLED', brokerOrderId: 'BA', filledQuantity: 10, averagePricePaise: 160_050, message: null, updatedAt: T0 + 4 });
    expect((await intents.forRun(b.runId))[0]).toMatchObject({ status: 'FILLED', brokerOrderId: null, filledQuantity: 10, averagePricePaise: null, message: kept, updatedAt: T0 + 5 });
  });

  it('applies many run transitions in one call, each its own compare-and-set, in order', async () => {
    const o = await owner();
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => armed(await newStrategy(o))));
    const buyAt = a!.run.buyAt;
    const due = (r: RunRecord) => transition(r.run, { type: 'BUY_DUE', lastPricePaise: paise(160_000) }, buyAt);
    const da = due(a!);
    const fa = transition(da.run, { type: 'BUY_FILLED', filledQuantity: 10, averagePricePaise: paise(160_050) }, buyAt + 100);
    const db = due(b!);
    const dc = due(c!);
    const results = await runs.applyTransitions([
      { run: da.run, expectedVersion: 1, nextActionAt: nextActionAt(da.run), events: [da.event] },
      { run: db.run, expectedVersion: 1, nextActionAt: nextActionAt(db.run), events: [db.event] },
      { run: dc.run, expectedVersion: 7, nextActionAt: nextActionAt(dc.run), events: [dc.event] }, // stale: a conflict
      { run: fa.run, expectedVersion: 2, nextActionAt: nextActionAt(fa.run), events: [fa.event] }, // the same run again, after its first
    ]);
    expect(results.map((r) => r?.run.run.phase ?? null)).toEqual(['BUYING', 'BUYING', null, 'BOUGHT']);
    expect(results[3]?.run.version).toBe(3);
    expect(results[0]?.events.map((e) => `${e.cause}:${e.userId === o.userId}:${e.runId === a!.run.id}`)).toEqual(['BUY_DUE:true:true']);
    expect((await runs.get(c!.run.id))).toEqual(c);
    expect((await runs.get(a!.run.id))?.run).toMatchObject({ phase: 'BOUGHT', entryPricePaise: 160_050 });
    const log = await strategies.events(o.userId, a!.run.strategyId, { limit: 10 });
    expect(log.items.filter((e) => e.scope === 'run').map((e) => e.cause)).toEqual(['BUY_FILLED', 'BUY_DUE', 'ARMED']);
    expect(await runs.applyTransitions([])).toEqual([]);
    // A broker's free text survives the trip whole: quotes, backslashes, commas and braces included.
    const text = 'RMS: "margin" short \\ {NSE,BSE} ₹1,60,050; o\'k';
    const rejected = transition((await runs.get(b!.run.id))!.run, { type: 'ENTRY_FAILED', reason: text }, buyAt + 200);
    const [r] = await runs.applyTransitions([{ run: rejected.run, expectedVersion: 2, nextActionAt: null, events: [rejected.event] }]);
    expect(r?.events[0]?.details).toEqual({ reason: text });
    expect(r?.run.run.reason).toBe(rejected.run.reason);
    expect((await runs.get(b!.run.id))?.run.reason).toBe(rejected.run.reason);
  });
});
