import { randomUUID } from 'node:crypto';
import type {
  CreateStrategyBody,
  Strategy as StrategyDto,
  StrategyEvent as StrategyEventDto,
  StrategyEventList,
  StrategyList,
  StrategyListQuery,
  StrategyOrder,
  StrategyOrderList,
  StrategyStatusResponse,
  UpdateStrategyBody,
  PageQuery,
} from '@ats/contracts';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { EXCHANGES, instrumentId, type Exchange } from '../domain/instrument';
import { paiseToRupees } from '../domain/price';
import { armRun, isTerminalPhase, RUN_PHASES, transition, type Run, type RunPhase } from '../domain/run-state-machine';
import { nextActionAt, planRun, runTimes } from '../domain/run-schedule';
import { STRATEGY_API_FIELDS, type StrategySpec } from '../domain/strategy';
import { assertEditable, changedFields } from '../domain/strategy-edit-policy';
import {
  toStrategyInput,
  validateStrategy,
  validateStrategyUpdate,
  type StrategyInput,
  type StrategyValidationContext,
} from '../domain/strategy-validation';
import type { TradingCalendar } from '../domain/trading-calendar';
import { BROKER_KINDS, type BrokerKind } from '../ports/broker';
import { ENGINE_TOPIC, priceTopic, userTopic, type Bus } from '../ports/bus';
import type { InstrumentCatalog } from '../ports/instrument-catalog';
import type { RuntimeState } from '../ports/runtime-state';
import type { BrokerAccountRecord, BrokerAccountStore } from '../ports/store';
import type {
  OrderIntentRecord,
  OrderIntentStore,
  RunRecord,
  RunStore,
  StrategyEventRecord,
  StrategyPatch,
  StrategyRecord,
  StrategyStore,
  StrategyWrite,
} from '../ports/strategy-store';

export interface StrategyServiceDeps {
  strategies: StrategyStore;
  runs: RunStore;
  orders: OrderIntentStore;
  brokerAccounts: BrokerAccountStore;
  catalog: InstrumentCatalog;
  runtime: RuntimeState;
  bus: Bus;
  calendar: TradingCalendar;
  maxQuantity: number;
  now: () => number;
  log: { warn(obj: object, msg: string): void };
}


export interface StrategyChangedMessage {
  type: 'strategy.changed';
  action: 'created' | 'updated' | 'deleted' | 'started' | 'stopped';
  strategyId: string;
  userId: string;
  runId?: string;
}

export interface StrategyEventMessage {
  type: 'strategy.event';
  strategyId: string;
  event: StrategyEventDto;
}

// A compare-and-set loses only to a concurrent writer (the engine, a second tab); a handful of
// re-reads settles any realistic race, and more would only hide a bug.
const MAX_WRITE_ATTEMPTS = 5;

const NOT_FOUND = () => new NotFoundError('STRATEGY_NOT_FOUND', 'Strategy not found');
const BUSY = () => new ConflictError('CONFLICT', 'The strategy changed while saving; please try again');

export class StrategyService {
  constructor(private readonly d: StrategyServiceDeps) {}

  async create(userId: string, body: CreateStrategyBody): Promise<StrategyDto> {
    const fields: Record<string, string> = {};
    const account = await this.d.brokerAccounts.get(userId, body.broker_id);
    if (!account) fields.broker_id = 'Choose one of your broker accounts';
    const spec = await this.validated(fields, account, body.exchange, body.symbol, (ctx) => validateStrategy(body, ctx));
    const now = this.d.now();
    const { strategy, events } = await this.d.strategies.insert(
      { ...spec, id: randomUUID(), userId, status: 'CREATED', reason: null, createdAt: now, updatedAt: now },
      { ts: now, from: null, to: 'CREATED', cause: 'CREATED' },
    );
    await this.publish(strategy, 'created', events);
    return toStrategyDto(strategy);
  }

  async list(userId: string, q: StrategyListQuery): Promise<StrategyList> {
    const page = await this.d.strategies.list(userId, { limit: q.limit, cursor: q.cursor, status: q.status });
    return { items: page.items.map(toStrategyDto), next_cursor: page.nextCursor };
  }

  async get(userId: string, id: string): Promise<StrategyDto> {
    return toStrategyDto(await this.mustGet(userId, id));
  }

  /**
   * Absent fields keep their value and the result is validated as a whole. While RUNNING the edit
   * policy decides what may change; a plan change before entry moves today's run too, and a
   * stop-loss change in position is written to the run for the engine to apply on the next tick.
   */
  async update(userId: string, id: string, body: UpdateStrategyBody): Promise<StrategyDto> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const s = await this.mustGet(userId, id);
      const patch = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Partial<StrategyInput>;
      const fields: Record<string, string> = {};
      const newBroker = patch.broker_id !== undefined && patch.broker_id !== s.brokerId;
      const account = await this.d.brokerAccounts.get(userId, newBroker ? patch.broker_id! : s.brokerId);
      if (newBroker && !account) fields.broker_id = 'Choose one of your broker accounts';
      const next = await this.validated(fields, account, patch.exchange ?? s.exchange, patch.symbol ?? s.symbol, (ctx) =>
        validateStrategyUpdate(s, patch, ctx),
      );
      const changed = changedFields(s, next);
      if (changed.length === 0) return toStrategyDto(s);

      const current = s.status === 'RUNNING' ? await this.d.runs.latest(s.id) : null;
      assertEditable(s.status, current?.run.phase ?? null, changed);

      const now = this.d.now();
      const input = toStrategyInput(next) as unknown as Record<string, unknown>;
      const write: StrategyWrite = {
        id: s.id,
        expectedVersion: s.version,
        patch: Object.fromEntries(changed.map((f) => [f, next[f]])) as StrategyPatch,
        events: [
          {
            ts: now,
            from: s.status,
            to: s.status,
            cause: 'EDITED',
            details: { changes: Object.fromEntries(changed.map((f) => [STRATEGY_API_FIELDS[f], input[STRATEGY_API_FIELDS[f]]])) },
          },
        ],
      };
      const runChanges = current && !isTerminalPhase(current.run.phase) ? this.runPlanChanges(current.run, next, now) : null;
      const result = runChanges
        ? await this.transitionRun(current!, transition(current!.run, { type: 'PLAN_CHANGED', changes: runChanges }, now), write, now)
        : await this.d.strategies.write(userId, write, now);
      if (!result) continue;
      await this.publish(result.strategy!, 'updated', result.events, runChanges ? current!.run.id : undefined);
      return toStrategyDto(result.strategy!);
    }
    throw BUSY();
  }

  async delete(userId: string, id: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const s = await this.mustGet(userId, id);
      if (s.status === 'RUNNING') throw new ConflictError('STRATEGY_RUNNING', 'Stop the strategy before deleting it');
      const last = await this.d.runs.latest(s.id);
      if (last && !isTerminalPhase(last.run.phase)) {
        throw new ConflictError('STRATEGY_RUNNING', 'The position is still being closed; delete the strategy once it has exited');
      }
      const now = this.d.now();
      const result = await this.d.strategies.write(
        userId,
        { id: s.id, expectedVersion: s.version, patch: {}, delete: true, events: [{ ts: now, from: s.status, to: s.status, cause: 'DELETED' }] },
        now,
      );
      if (!result) continue;
      await this.publish(result.strategy, 'deleted', result.events);
      return;
    }
    throw BUSY();
  }

  /** Arms a run for the next trading day whose buy time is ahead. Starting a RUNNING strategy is a no-op. */
  async start(userId: string, id: string): Promise<StrategyStatusResponse> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const s = await this.mustGet(userId, id);
      if (s.status === 'RUNNING') return this.statusOf(s, await this.d.runs.latest(s.id));
      const now = this.d.now();
      const account = await this.d.brokerAccounts.get(userId, s.brokerId);
      if (!account || account.status !== 'CONNECTED' || (account.tokenExpiresAt !== null && account.tokenExpiresAt.getTime() <= now)) {
        throw new ConflictError('BROKER_NOT_CONNECTED', 'Your broker account is not connected or its session has expired. Log in to your broker again, then start the strategy.');
      }
      // Config may have changed since the strategy was saved (calendar mode, cutoff, maximum quantity).
      await this.validated({}, account, s.exchange, s.symbol, (ctx) => validateStrategy(toStrategyInput(s), ctx));
      const last = await this.d.runs.latest(s.id);
      if (last && !isTerminalPhase(last.run.phase)) {
        throw new ConflictError('STRATEGY_RUNNING', 'The last position is still being closed; start the strategy again once it has exited');
      }
      const armed = armRun({ id: randomUUID(), strategyId: s.id, ...planRun(this.d.calendar, s, now, last?.run.tradingDate ?? null) }, now);
      const result = await this.d.runs.arm(
        {
          run: armed.run,
          event: armed.event,
          userId,
          brokerAccountId: s.brokerId,
          instrument: instrumentId(s.exchange, s.symbol),
          nextActionAt: nextActionAt(armed.run),
          strategy: {
            id: s.id,
            expectedVersion: s.version,
            patch: { status: 'RUNNING', reason: null },
            events: [{ ts: now, from: s.status, to: 'RUNNING', cause: 'STARTED', details: { trading_date: armed.run.tradingDate } }],
          },
        },
        now,
      );
      if (!result) continue;
      await this.publish(result.strategy!, 'started', result.events, result.run.run.id);
      return this.statusOf(result.strategy!, result.run);
    }
    throw BUSY();
  }

  /**
   * Before entry the day's run ends; in position it moves to SELLING with cause USER_STOP, which
   * the engine executes. Either way the strategy is STOPPED in the same transaction. Stopping a
   * strategy that is not RUNNING is a no-op.
   */
  async stop(userId: string, id: string): Promise<StrategyStatusResponse> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const s = await this.mustGet(userId, id);
      const last = await this.d.runs.latest(s.id);
      if (s.status !== 'RUNNING') return this.statusOf(s, last);
      const now = this.d.now();
      const write: StrategyWrite = {
        id: s.id,
        expectedVersion: s.version,
        patch: { status: 'STOPPED', reason: null },
        events: [{ ts: now, from: 'RUNNING', to: 'STOPPED', cause: 'STOPPED' }],
      };
      const open = last && !isTerminalPhase(last.run.phase) ? last : null;
      const result = open
        ? await this.transitionRun(open, transition(open.run, { type: 'USER_STOP' }, now), write, now)
        : await this.d.strategies.write(userId, write, now).then((r) => r && { ...r, run: last });
      if (!result) continue;
      await this.publish(result.strategy!, 'stopped', result.events, open?.run.id);
      return this.statusOf(result.strategy!, result.run);
    }
    throw BUSY();
  }

  async status(userId: string, id: string): Promise<StrategyStatusResponse> {
    const s = await this.mustGet(userId, id);
    return this.statusOf(s, await this.d.runs.latest(s.id));
  }

  /** The price topics of the caller's running strategies: what their live stream carries prices for. */
  async livePriceTopics(userId: string): Promise<string[]> {
    const kindOf = new Map((await this.d.brokerAccounts.list(userId)).map((a) => [a.id, a.broker]));
    const topics = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.d.strategies.list(userId, { status: 'RUNNING', limit: 100, cursor });
      for (const s of page.items) {
        const kind = kindOf.get(s.brokerId);
        if (kind) topics.add(priceTopic(kind, instrumentId(s.exchange, s.symbol)));
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return [...topics];
  }

  async events(userId: string, id: string, q: PageQuery): Promise<StrategyEventList> {
    const s = await this.mustGet(userId, id);
    const page = await this.d.strategies.events(userId, s.id, { limit: q.limit, cursor: q.cursor });
    return { items: page.items.map(toEventDto), next_cursor: page.nextCursor };
  }

  async orders(userId: string, id: string, q: PageQuery): Promise<StrategyOrderList> {
    const s = await this.mustGet(userId, id);
    const page = await this.d.orders.listForStrategy(userId, s.id, { limit: q.limit, cursor: q.cursor });
    return { items: page.items.map(toOrderDto), next_cursor: page.nextCursor };
  }

  // --- internals ------------------------------------------------------------------------------

  private async mustGet(userId: string, id: string): Promise<StrategyRecord> {
    const s = await this.d.strategies.get(userId, id);
    if (!s) throw NOT_FOUND();
    return s;
  }

  /**
   * Runs the domain validator with a context built from config and the instrument master of the
   * account's broker, merging `fields` already found (the broker account) into one 400.
   */
  private async validated(
    fields: Record<string, string>,
    account: BrokerAccountRecord | null,
    exchange: unknown,
    symbol: unknown,
    validate: (ctx: StrategyValidationContext) => StrategySpec,
  ): Promise<StrategySpec> {
    // An unknown account still gets its symbol checked, against the bundled list, so the trader
    // sees every problem at once.
    const broker: BrokerKind = account && (BROKER_KINDS as readonly string[]).includes(account.broker) ? (account.broker as BrokerKind) : 'paper';
    const symbolText = typeof symbol === 'string' ? symbol.trim().toUpperCase() : '';
    const instrument =
      EXCHANGES.includes(exchange as Exchange) && symbolText !== ''
        ? await this.d.catalog.find(broker, instrumentId(exchange as Exchange, symbolText))
        : null;
    const c = this.d.calendar;
    const ctx: StrategyValidationContext = {
      instrument,
      maxQuantity: this.d.maxQuantity,
      calendarMode: c.mode,
      session: c.session,
      cutoff: c.squareOffCutoff,
    };
    try {
      const spec = validate(ctx);
      if (Object.keys(fields).length > 0) throw new ValidationError(fields);
      return spec;
    } catch (e) {
      if (e instanceof ValidationError && e.fields !== fields) throw new ValidationError({ ...fields, ...e.fields });
      throw e;
    }
  }

  /** What a plan edit changes on an open run, or null when it does not touch the run. */
  private runPlanChanges(run: Run, next: StrategySpec, now: number): Partial<Pick<Run, 'quantity' | 'stopLossPaise' | 'buyAt' | 'sellAt'>> | null {
    const changes: Partial<Pick<Run, 'quantity' | 'stopLossPaise' | 'buyAt' | 'sellAt'>> = {};
    if (next.stopLossPaise !== run.stopLossPaise) changes.stopLossPaise = next.stopLossPaise;
    if (run.phase === 'WAITING_BUY') {
      const t = runTimes(this.d.calendar, run.tradingDate, next.buyTime, next.sellTime);
      if (next.quantity !== run.quantity) changes.quantity = next.quantity;
      if (t.buyAt !== run.buyAt) {
        // Moving the buy into the past would make the engine fire late or skip the day.
        if (t.buyAt <= now) {
          throw new ValidationError({ buy_time: `The buy time for the run on ${run.tradingDate} has already passed; choose a later time` });
        }
        changes.buyAt = t.buyAt;
      }
      if (t.sellAt !== run.sellAt) changes.sellAt = t.sellAt;
    }
    return Object.keys(changes).length > 0 ? changes : null;
  }

  private transitionRun(current: RunRecord, tr: ReturnType<typeof transition>, strategy: StrategyWrite, now: number) {
    return this.d.runs.applyTransition(
      { run: tr.run, expectedVersion: current.version, nextActionAt: nextActionAt(tr.run), events: [tr.event], strategy },
      now,
    );
  }

  /**
   * The live run hash (kept fresh by the engine) wins over the row for the fast-moving price, and
   * for everything else only when it is at least as new as the row: the API's own transitions
   * (stop, plan edits) land in the row first.
   */
  private async statusOf(s: StrategyRecord, rec: RunRecord | null): Promise<StrategyStatusResponse> {
    if (!rec) {
      return {
        status: s.status,
        phase: null,
        last_action: null,
        last_price: null,
        entry_price: null,
        exit_price: null,
        pnl: null,
        next_action_at: null,
        reason: s.reason,
        updated_at: iso(s.updatedAt),
      };
    }
    const r = rec.run;
    const live = (await this.d.runtime.getRun(r.id)) ?? {};
    const liveAt = liveNumber(live, 'updated_at');
    const fresh = liveAt === undefined || (liveAt !== null && liveAt >= r.updatedAt);
    const pick = <T>(key: string, fallback: T, parse: (v: Record<string, string>, k: string) => T | undefined): T => {
      if (!fresh) return fallback;
      const v = parse(live, key);
      return v === undefined ? fallback : v;
    };
    const open = !isTerminalPhase(r.phase);
    let lastPrice = liveNumber(live, 'last_price_paise');
    if (lastPrice === undefined || lastPrice === null) {
      lastPrice = (open ? (await this.d.runtime.getLastPrice(rec.instrument))?.paise : undefined) ?? r.lastPricePaise;
    }
    const phase = pick<RunPhase>('phase', r.phase, (v, k) => (RUN_PHASES.includes(v[k] as RunPhase) ? (v[k] as RunPhase) : undefined));
    const nextAt = pick('next_action_at', rec.nextActionAt, liveNumber);
    const updatedAt = Math.max(s.updatedAt, r.updatedAt, fresh && liveAt ? liveAt : 0);
    return {
      status: s.status,
      phase,
      last_action: pick('last_action', rec.lastAction, liveText),
      last_price: rupees(lastPrice),
      entry_price: rupees(pick('entry_price_paise', r.entryPricePaise, liveNumber)),
      exit_price: rupees(pick('exit_price_paise', r.exitPricePaise, liveNumber)),
      pnl: rupees(pick('pnl_paise', r.pnlPaise, liveNumber)),
      next_action_at: nextAt === null ? null : iso(nextAt),
      reason: pick('reason', r.reason, liveText) ?? s.reason,
      updated_at: iso(updatedAt),
    };
  }

  /** Live updates are best effort: the change is committed, and a lost message is caught up by the next read. */
  private async publish(s: StrategyRecord, action: StrategyChangedMessage['action'], events: StrategyEventRecord[], runId?: string): Promise<void> {
    const changed: StrategyChangedMessage = { type: 'strategy.changed', action, strategyId: s.id, userId: s.userId, ...(runId && { runId }) };
    try {
      await this.d.bus.publish(ENGINE_TOPIC, changed);
      for (const e of events) {
        const msg: StrategyEventMessage = { type: 'strategy.event', strategyId: s.id, event: toEventDto(e) };
        await this.d.bus.publish(userTopic(s.userId), msg);
      }
    } catch (err) {
      this.d.log.warn({ err, strategyId: s.id, action }, 'could not publish a strategy change');
    }
  }
}

/** Hash values: absent → undefined (use the row), empty → null, otherwise a finite integer. */
function liveNumber(v: Record<string, string>, k: string): number | null | undefined {
  const raw = v[k];
  if (raw === undefined) return undefined;
  if (raw === '') return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

function liveText(v: Record<string, string>, k: string): string | null | undefined {
  const raw = v[k];
  if (raw === undefined) return undefined;
  return raw === '' ? null : raw;
}

const iso = (ms: number) => new Date(ms).toISOString();
const rupees = (p: number | null | undefined) => (p === null || p === undefined ? null : paiseToRupees(p));

export function toStrategyDto(s: StrategyRecord): StrategyDto {
  return {
    id: s.id,
    name: s.name,
    broker_id: s.brokerId,
    exchange: s.exchange,
    symbol: s.symbol,
    buy_time: s.buyTime,
    sell_time: s.sellTime,
    stop_loss: paiseToRupees(s.stopLossPaise),
    quantity: s.quantity,
    repeat: s.repeat,
    status: s.status,
    reason: s.reason,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

export function toEventDto(e: StrategyEventRecord): StrategyEventDto {
  return {
    id: e.id,
    strategy_id: e.strategyId,
    run_id: e.runId,
    trading_date: e.tradingDate,
    scope: e.scope,
    ts: iso(e.ts),
    from: e.from as StrategyEventDto['from'],
    to: e.to as StrategyEventDto['to'],
    cause: e.cause,
    details: e.details,
  };
}

function toOrderDto(o: OrderIntentRecord): StrategyOrder {
  return {
    id: o.id,
    run_id: o.runId,
    trading_date: o.tradingDate,
    leg: o.leg,
    side: o.side,
    attempt: o.attempt,
    client_order_id: o.clientOrderId,
    broker_order_id: o.brokerOrderId,
    quantity: o.quantity,
    filled_quantity: o.filledQuantity,
    average_price: rupees(o.averagePricePaise),
    status: o.status,
    reason: o.reason,
    message: o.message,
    // For the trader an order exists from the moment it went to the broker, not when it was prepared.
    created_at: iso(o.sentAt ?? o.createdAt),
    updated_at: iso(o.updatedAt),
  };
}

