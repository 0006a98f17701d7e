import type { InstrumentId } from '../domain/instrument';
import type { OrderIntent, OrderStatus } from '../domain/order';
import type { Paise } from '../domain/price';
import type { Run, RunEventRecord } from '../domain/run-state-machine';
import type { Strategy, StrategySpec, StrategyStatus } from '../domain/strategy';
import type { TradingDate } from '../domain/exchange-time';

/**
 * Durable strategies, their daily runs, the append-only event log and the order intents.
 * Every write that changes state is a compare-and-set on a `version`, so the API and any number of
 * engine processes can race on the same strategy or run and exactly one of them wins; the loser
 * gets `null`, re-reads and decides again. All times are epoch ms from the injected clock.
 */

export interface StrategyRecord extends Strategy {
  version: number;
}

export interface PageRequest {
  limit: number;
  /** opaque, from a previous page's `nextCursor`; a malformed one is a ValidationError on `cursor` */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A strategy-level entry of the event log (created, started, stopped, edited, deleted). */
export interface StrategyEventInput {
  ts: number;
  from: StrategyStatus | null;
  to: StrategyStatus;
  cause: string;
  details?: Record<string, unknown>;
}

/** One stored row of `strategy_events`; `scope: 'run'` rows are run phase transitions. */
export interface StrategyEventRecord {
  id: string;
  strategyId: string;
  userId: string;
  runId: string | null;
  tradingDate: TradingDate | null;
  scope: 'strategy' | 'run';
  ts: number;
  from: string | null;
  to: string;
  cause: string;
  details: Record<string, unknown>;
}

export type StrategyPatch = Partial<StrategySpec> & { status?: StrategyStatus; reason?: string | null };

/** A compare-and-set of one strategy row plus the events it appends. */
export interface StrategyWrite {
  id: string;
  expectedVersion: number;
  patch: StrategyPatch;
  events: StrategyEventInput[];
  /** soft delete: hidden from every read, kept for history */
  delete?: boolean;
}

export interface StrategyListQuery extends PageRequest {
  status?: StrategyStatus | undefined;
}

export interface StrategyWriteResult {
  strategy: StrategyRecord;
  events: StrategyEventRecord[];
}

export interface StrategyStore {
  /** Inserts a new strategy (version 1) and its first event. */
  insert(s: Omit<StrategyRecord, 'version' | 'deletedAt'>, event: StrategyEventInput): Promise<StrategyWriteResult>;
  /** Scoped to the owner: another user's, a deleted or a malformed id is null. */
  get(userId: string, id: string): Promise<StrategyRecord | null>;
  /** Any owner, deleted included: for the engine, which works across tenants. */
  byId(id: string): Promise<StrategyRecord | null>;
  /** The owner's live strategies, newest first. */
  list(userId: string, q: StrategyListQuery): Promise<Page<StrategyRecord>>;
  /** Compare-and-set; null when the version moved on (or the row is gone): re-read and retry. */
  write(userId: string, w: StrategyWrite, at: number): Promise<StrategyWriteResult | null>;
  /** The strategy's log, newest first. Run-scoped rows included. */
  events(userId: string, strategyId: string, page: PageRequest): Promise<Page<StrategyEventRecord>>;
}

/** A run with what the engine needs to act on it without reading the strategy. */
export interface RunRecord {
  run: Run;
  userId: string;
  brokerAccountId: string;
  instrument: InstrumentId;
  version: number;
  /** When the engine must next look at the run (see domain/run-schedule nextActionAt); null when done. */
  nextActionAt: number | null;
  /** Cause of the last transition, e.g. ARMED, BUY_FILLED. */
  lastAction: string | null;
  createdAt: number;
}

export interface RunArm {
  /** From domain armRun: a WAITING_BUY run. */
  run: Run;
  event: RunEventRecord;
  userId: string;
  brokerAccountId: string;
  instrument: InstrumentId;
  nextActionAt: number | null;
  /** The strategy change that arming belongs to (e.g. CREATED → RUNNING), in the same transaction. */
  strategy?: StrategyWrite;
}

export interface RunTransition {
  /** The run after the transition, as returned by domain `transition`. */
  run: Run;
  /** The version the caller read; the write happens only if the row still has it. */
  expectedVersion: number;
  nextActionAt: number | null;
  events: RunEventRecord[];
  /** A strategy change that must commit with the run (e.g. RUNNING → COMPLETED when the run ends). */
  strategy?: StrategyWrite;
}

export interface RunWriteResult {
  run: RunRecord;
  strategy: StrategyRecord | null;
  events: StrategyEventRecord[];
}

export interface RunStore {
  /**
   * Inserts the run and its ARMED event (and the strategy write, if any) in one transaction. Null
   * when the strategy's version moved on or the strategy already has a run on that trading date.
   */
  arm(a: RunArm, at: number): Promise<RunWriteResult | null>;
  get(runId: string): Promise<RunRecord | null>;
  /** The strategy's most recent run (latest trading date), open or not. */
  latest(strategyId: string): Promise<RunRecord | null>;
  /**
   * The ids of the runs not yet in a terminal phase, earliest `nextActionAt` first; `dueBy` keeps
   * those due by then. Recovery calls it without `dueBy` to rebuild everything in flight. A
   * periodic rescan already tracks nearly all of them: it reads whole rows (`byIds`) only for the
   * few it does not know.
   */
  openIds(q?: { dueBy?: number }): Promise<string[]>;
  /** The runs with these ids, in any order; an unknown id is left out. */
  byIds(ids: readonly string[]): Promise<RunRecord[]>;
  /**
   * The one way a run changes: update the row WHERE version = expectedVersion, append its events,
   * and apply the strategy write, all in ONE transaction. Null on any version conflict, with
   * nothing written.
   */
  applyTransition(t: RunTransition, at: number): Promise<RunWriteResult | null>;
  /**
   * Many runs' transitions without strategy writes, in one write: each one is its own
   * compare-and-set (null for a version conflict, with nothing written for that run), answered in
   * order. For the engine after a burst, when thousands of fills land within seconds.
   */
  applyTransitions(list: ReadonlyArray<Omit<RunTransition, 'strategy'>>): Promise<Array<RunWriteResult | null>>;
}

export interface OrderIntentRecord extends OrderIntent {
  id: string;
  userId: string;
  strategyId: string;
  tradingDate: TradingDate;
  status: OrderStatus;
  brokerOrderId: string | null;
  filledQuantity: number;
  averagePricePaise: Paise | null;
  message: string | null;
  createdAt: number;
  updatedAt: number;
  /** when it left for the broker; null for an intent written ahead of time and not (yet) sent */
  sentAt: number | null;
}

export type OrderOutcome = Partial<Pick<OrderIntentRecord, 'status' | 'brokerOrderId' | 'filledQuantity' | 'averagePricePaise' | 'message'>>;

/** An intent about to be written: the order, plus its row id and owners. */
export type NewOrderIntent = OrderIntent & { id: string; userId: string; strategyId: string };

export interface OrderIntentStore {
  /**
   * Written before the order is sent. When (run, leg, attempt) or the client order id already
   * exists, nothing is written and the existing intent comes back with `created: false`: the
   * earlier attempt may have reached the broker, so the caller must look it up by tag first.
   */
  insert(
    i: NewOrderIntent,
    at: number,
  ): Promise<{ created: boolean; intent: OrderIntentRecord }>;
  /**
   * `insert` for many intents in one write, for intents prepared ahead of time in bulk. Returns
   * the client order ids this call wrote; an intent left out already existed (see `insert`).
   */
  insertMany(list: readonly NewOrderIntent[], at: number): Promise<Set<string>>;
  recordOutcome(clientOrderId: string, outcome: OrderOutcome, at: number): Promise<OrderIntentRecord | null>;
  /**
   * `recordOutcome` for many orders in few writes (the fills that follow a burst of thousands of
   * orders), applied in list order: a later outcome for the same tag lands after an earlier one.
   * Returns, per item, whether its intent exists.
   */
  recordOutcomes(list: ReadonlyArray<{ clientOrderId: string; outcome: OrderOutcome; at: number }>): Promise<boolean[]>;
  /**
   * The order left for the broker at `at` (intents written ahead of time are not orders until
   * then). The earliest mark of a tag stands: a later one is a replay, or an order found at the
   * broker after a crash lost the mark of its send.
   */
  markSent(clientOrderId: string, at: number): Promise<void>;
  /** `markSent` for many orders in one write (the marks that follow a burst of thousands of orders). */
  markSentMany(marks: ReadonlyArray<{ clientOrderId: string; at: number }>): Promise<void>;
  forRun(runId: string): Promise<OrderIntentRecord[]>;
  /** The owner's orders for one strategy, newest first: only intents that were actually sent. */
  listForStrategy(userId: string, strategyId: string, page: PageRequest): Promise<Page<OrderIntentRecord>>;
}

/**
 * Field names of the live run hash in RuntimeState (`setRun(runId, …)`), written by the engine and
 * read by `GET /strategy/{id}/status` ahead of the database row. Values are strings: paise and
 * epoch ms as decimal integers, empty string for "none".
 */
export const RUN_LIVE_FIELDS = [
  'phase',
  'last_action',
  'last_price_paise',
  'entry_price_paise',
  'exit_price_paise',
  'pnl_paise',
  'next_action_at',
  'reason',
  'updated_at',
] as const;
export type RunLiveField = (typeof RUN_LIVE_FIELDS)[number];
