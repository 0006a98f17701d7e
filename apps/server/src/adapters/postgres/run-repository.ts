import { sql, type Insertable, type Selectable } from 'kysely';
import type { InstrumentId } from '../../domain/instrument';
import type { Paise } from '../../domain/price';
import { RUN_PHASES, TERMINAL_PHASES, type ExitCause, type Run, type RunEventRecord, type RunPhase } from '../../domain/run-state-machine';
import type { RunArm, RunRecord, RunStore, RunTransition, RunWriteResult, StrategyRecord } from '../../ports/strategy-store';
import { isUuid } from './broker-account-repository';
import type { Db } from './database';
import type { Database } from './schema';
import { distinctRounds } from './distinct-rounds';
import { unnestRows, type UnnestColumn } from './unnest-rows';
import { insertEvents, strategyEvent, toEventRecord, writeStrategy, type EventInsert, type EventRow } from './strategy-repository';

type RunRow = Selectable<Database['strategy_runs']>;

const OPEN_PHASES = RUN_PHASES.filter((p) => !TERMINAL_PHASES.has(p));

/** Thrown inside a transaction to roll it back; never escapes this file. */
class VersionConflict extends Error {}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505';
}

export class RunRepository implements RunStore {
  constructor(private readonly db: Db) {}

  async arm(a: RunArm, at: number): Promise<RunWriteResult | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        let strategy: StrategyRecord | null = null;
        if (a.strategy) {
          strategy = await writeStrategy(trx, a.userId, a.strategy, at);
          if (!strategy) throw new VersionConflict();
        }
        const row = await trx
          .insertInto('strategy_runs')
          .values({
            ...runColumns(a.run),
            id: a.run.id,
            strategy_id: a.run.strategyId,
            user_id: a.userId,
            broker_account_id: a.brokerAccountId,
            instrument: a.instrument,
            trading_date: a.run.tradingDate,
            last_action: a.event.cause,
            next_action_at: a.nextActionAt === null ? null : new Date(a.nextActionAt),
            version: 1,
            created_at: new Date(at),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const run = toRunRecord(row);
        const strategyEvents = a.strategy && strategy ? a.strategy.events.map((e) => strategyEvent(strategy, e)) : [];
        const events = await insertEvents(trx, [...strategyEvents, runEvent(run, a.event)]);
        return { run, strategy, events };
      });
    } catch (e) {
      if (e instanceof VersionConflict || isUniqueViolation(e)) return null;
      throw e;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    if (!isUuid(runId)) return null;
    const row = await this.db.selectFrom('strategy_runs').selectAll().where('id', '=', runId).executeTakeFirst();
    return row ? toRunRecord(row) : null;
  }

  async latest(strategyId: string): Promise<RunRecord | null> {
    if (!isUuid(strategyId)) return null;
    const row = await this.db
      .selectFrom('strategy_runs')
      .selectAll()
      .where('strategy_id', '=', strategyId)
      .orderBy('trading_date', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toRunRecord(row) : null;
  }

  async openIds(q: { dueBy?: number } = {}): Promise<string[]> {
    const query = this.db.selectFrom('strategy_runs').select('id').where('phase', 'in', OPEN_PHASES).orderBy('next_action_at', 'asc').orderBy('id', 'asc');
    return (await (q.dueBy === undefined ? query : query.where('next_action_at', '<=', new Date(q.dueBy))).execute()).map((r) => r.id);
  }

  async byIds(ids: readonly string[]): Promise<RunRecord[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    // One array parameter, however many ids: no statement grows with the list.
    const rows = await this.db.selectFrom('strategy_runs').selectAll().where(sql<boolean>`id = any(${valid}::uuid[])`).execute();
    return rows.map(toRunRecord);
  }

  async applyTransition(t: RunTransition, at: number): Promise<RunWriteResult | null> {
    if (!isUuid(t.run.id)) return null;
    if (!t.strategy && t.events.length > 0) return (await this.applyTransitions([t]))[0] ?? null;
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('strategy_runs')
          .set(transitionColumns(t))
          .where('id', '=', t.run.id)
          .where('version', '=', t.expectedVersion)
          .returningAll()
          .executeTakeFirst();
        if (!row) throw new VersionConflict();
        const run = toRunRecord(row);
        let strategy: StrategyRecord | null = null;
        if (t.strategy) {
          strategy = await writeStrategy(trx, run.userId, t.strategy, at);
          if (!strategy) throw new VersionConflict();
        }
        const strategyEvents = t.strategy && strategy ? t.strategy.events.map((e) => strategyEvent(strategy, e)) : [];
        const events = await insertEvents(trx, [...t.events.map((e) => runEvent(run, e)), ...strategyEvents]);
        return { run, strategy, events };
      });
    } catch (e) {
      if (e instanceof VersionConflict) return null;
      throw e;
    }
  }

  /**
   * Run-only transitions as ONE statement, however many: the compare-and-set updates and their
   * events in data-modifying CTEs, atomic without BEGIN/COMMIT. Ten thousand fills after a burst
   * cost a few dozen statements instead of forty thousand round trips.
   */
  async applyTransitions(list: ReadonlyArray<Omit<RunTransition, 'strategy'>>): Promise<Array<RunWriteResult | null>> {
    if (list.some((t) => t.events.length === 0)) throw new Error('a run transition records at least one event');
    const out: Array<RunWriteResult | null> = list.map(() => null);
    for (const round of distinctRounds(list, (t) => t.run.id)) {
      const valid = round.filter(({ item }) => isUuid(item.run.id));
      for (let from = 0; from < valid.length; from += TRANSITION_CHUNK) {
        const part = valid.slice(from, from + TRANSITION_CHUNK);
        const written = await this.writeTransitions(part.map((x) => x.item));
        part.forEach((x) => (out[x.index] = written.get(x.item.run.id) ?? null));
      }
    }
    return out;
  }

  private async writeTransitions(list: ReadonlyArray<Omit<RunTransition, 'strategy'>>): Promise<Map<string, RunWriteResult>> {
    // Every transition here has an event, so every column of RUN_SET_COLUMNS has its value.
    const runs = unnestRows('v', RUN_ROW_COLUMNS, list.map((t) => ({ id: t.run.id, expected: t.expectedVersion, ...(transitionColumns(t) as Record<RunSetColumn, unknown>) })));
    const events = unnestRows('e', EVENT_ROW_COLUMNS, list.flatMap((t) => t.events.map((e) => ({ run: t.run, e }))).map(({ run, e }, seq) => eventRow(run, e, seq)));
    const set = sql.join(RUN_SET_COLUMNS.map(([n]) => sql`${sql.ref(n)} = v.${sql.ref(n)}`));
    const { rows } = await sql<RunRow & { events_json: EventRow[] | null }>`
      with upd as (
        update strategy_runs r set ${set} from ${runs} where r.id = v.id and r.version = v.expected returning r.*
      ), ev as (
        insert into strategy_events (strategy_id, run_id, user_id, scope, trading_date, ts, from_state, to_state, cause, details)
        select e.strategy_id, e.run_id, upd.user_id, 'run', e.trading_date, e.ts, e.from_state, e.to_state, e.cause, e.details
        from ${events}
        join upd on upd.id = e.run_id
        order by e.seq
        returning *
      )
      select upd.*, e.events_json from upd
      -- grouped once, not a subquery per run: that scanned every event of the statement for each run
      left join (select ev.run_id, json_agg(ev.* order by ev.id) as events_json from ev group by ev.run_id) e on e.run_id = upd.id`.execute(this.db);
    const out = new Map<string, RunWriteResult>();
    for (const { events_json: evs, ...row } of rows) {
      out.set(row.id, { run: toRunRecord(row as RunRow), strategy: null, events: (evs ?? []).map(toEventRecord) });
    }
    return out;
  }
}

/** Statements of applyTransitions carry at most this many runs, to bound one statement's work and size. */
const TRANSITION_CHUNK = 500;

/** The columns a transition sets, with the SQL types their arrays are sent as (a parameter carries no type of its own). */
const RUN_SET_COLUMNS = [
  ['phase', 'text'],
  ['quantity', 'int'],
  ['stop_loss_paise', 'bigint'],
  ['buy_at', 'timestamptz'],
  ['sell_at', 'timestamptz'],
  ['square_off_at', 'timestamptz'],
  ['position_quantity', 'int'],
  ['entry_price_paise', 'bigint'],
  ['entry_broker_order_id', 'text'],
  ['exit_cause', 'text'],
  ['exit_decided_at', 'timestamptz'],
  ['exit_attempt', 'int'],
  ['exit_broker_order_id', 'text'],
  ['sold_quantity', 'int'],
  ['sold_value_paise', 'bigint'],
  ['exit_price_paise', 'bigint'],
  ['pnl_paise', 'bigint'],
  ['last_price_paise', 'bigint'],
  ['reason_code', 'text'],
  ['reason', 'text'],
  ['updated_at', 'timestamptz'],
  ['last_action', 'text'],
  ['next_action_at', 'timestamptz'],
  ['version', 'int'],
] as const;

type RunSetColumn = (typeof RUN_SET_COLUMNS)[number][0];
const RUN_ROW_COLUMNS: ReadonlyArray<UnnestColumn<RunSetColumn | 'id' | 'expected'>> = [['id', 'uuid'], ['expected', 'int'], ...RUN_SET_COLUMNS];

/** What a transition writes to its run's row: every mutable column, the last cause, the next due time, the version. */
function transitionColumns(t: Omit<RunTransition, 'strategy'>) {
  const last = t.events[t.events.length - 1];
  return {
    ...runColumns(t.run),
    ...(last && { last_action: last.cause }),
    next_action_at: t.nextActionAt === null ? null : new Date(t.nextActionAt),
    version: t.expectedVersion + 1,
  };
}

/**
 * A run's event row for writeTransitions, less the owner (taken from the updated row), with a
 * sequence number that keeps the events' ids in the order given. The run's identity comes from
 * the caller's run: an update never changes it.
 */
function eventRow(run: Run, e: RunEventRecord, seq: number) {
  return { strategy_id: run.strategyId, run_id: run.id, trading_date: run.tradingDate, ts: new Date(e.ts), from_state: e.from, to_state: e.to, cause: e.cause, details: JSON.stringify(e.details), seq };
}

const EVENT_ROW_COLUMNS = [
  ['strategy_id', 'uuid'],
  ['run_id', 'uuid'],
  ['trading_date', 'text'],
  ['ts', 'timestamptz'],
  ['from_state', 'text'],
  ['to_state', 'text'],
  ['cause', 'text'],
  ['details', 'jsonb'],
  ['seq', 'int'],
] as const;

function runEvent(r: RunRecord, e: RunEventRecord): EventInsert {
  return {
    strategyId: r.run.strategyId,
    userId: r.userId,
    runId: r.run.id,
    tradingDate: r.run.tradingDate,
    scope: 'run',
    ts: e.ts,
    from: e.from,
    to: e.to,
    cause: e.cause,
    details: e.details,
  };
}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));
const ms = (d: Date | string | null) => (d === null ? null : new Date(d).getTime());
const num = <T extends number>(v: number | string | null) => (v === null ? null : (Number(v) as T));

/** The mutable Run fields as columns; identity columns (id, strategy, date, owner) are set once at arming. */
function runColumns(r: Run): Omit<Insertable<Database['strategy_runs']>, 'id' | 'strategy_id' | 'user_id' | 'broker_account_id' | 'instrument' | 'trading_date' | 'created_at' | 'version'> {
  return {
    phase: r.phase,
    quantity: r.quantity,
    stop_loss_paise: r.stopLossPaise,
    buy_at: new Date(r.buyAt),
    sell_at: new Date(r.sellAt),
    square_off_at: new Date(r.squareOffAt),
    position_quantity: r.positionQuantity,
    entry_price_paise: r.entryPricePaise,
    entry_broker_order_id: r.entryBrokerOrderId,
    exit_cause: r.exitCause,
    exit_decided_at: date(r.exitDecidedAt),
    exit_attempt: r.exitAttempt,
    exit_broker_order_id: r.exitBrokerOrderId,
    sold_quantity: r.soldQuantity,
    sold_value_paise: r.soldValuePaise,
    exit_price_paise: r.exitPricePaise,
    pnl_paise: r.pnlPaise,
    last_price_paise: r.lastPricePaise,
    reason_code: r.reasonCode,
    reason: r.reason,
    updated_at: new Date(r.updatedAt),
  };
}

function toRunRecord(r: RunRow): RunRecord {
  return {
    run: {
      id: r.id,
      strategyId: r.strategy_id,
      tradingDate: r.trading_date,
      phase: r.phase as RunPhase,
      quantity: r.quantity,
      stopLossPaise: Number(r.stop_loss_paise) as Paise,
      buyAt: new Date(r.buy_at).getTime(),
      sellAt: new Date(r.sell_at).getTime(),
      squareOffAt: new Date(r.square_off_at).getTime(),
      positionQuantity: r.position_quantity,
      entryPricePaise: num<Paise>(r.entry_price_paise),
      entryBrokerOrderId: r.entry_broker_order_id,
      exitCause: r.exit_cause as ExitCause | null,
      exitDecidedAt: ms(r.exit_decided_at),
      exitAttempt: r.exit_attempt,
      exitBrokerOrderId: r.exit_broker_order_id,
      soldQuantity: r.sold_quantity,
      soldValuePaise: Number(r.sold_value_paise),
      exitPricePaise: num<Paise>(r.exit_price_paise),
      pnlPaise: num(r.pnl_paise),
      lastPricePaise: num<Paise>(r.last_price_paise),
      reasonCode: r.reason_code,
      reason: r.reason,
      updatedAt: new Date(r.updated_at).getTime(),
    },
    userId: r.user_id,
    brokerAccountId: r.broker_account_id,
    instrument: r.instrument as InstrumentId,
    version: r.version,
    nextActionAt: ms(r.next_action_at),
    lastAction: r.last_action,
    createdAt: new Date(r.created_at).getTime(),
  };
}
