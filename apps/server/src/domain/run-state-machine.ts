import { DomainError } from './errors';
import { formatRupees, type Paise } from './price';
import type { TradingDate } from './exchange-time';

/**
 * One trading day of a running strategy. The engine feeds it events; this module alone decides the
 * next phase. Acting on a transition is the engine's job, keyed on the target phase: entering
 * BUYING means "send the BUY", entering SELLING means "send the SELL", and a self-transition in
 * those phases never sends anything by itself except after SELL_REJECTED (a fresh exit attempt).
 */

export type RunPhase =
  | 'WAITING_BUY'
  | 'BUYING'
  | 'BOUGHT'
  | 'SELLING'
  | 'EXITED_BY_SELL_TIME'
  | 'EXITED_BY_STOP_LOSS'
  | 'EXITED_BY_USER_STOP'
  | 'EXITED_BY_SQUARE_OFF'
  | 'SKIPPED'
  | 'FAILED';

export const RUN_PHASES: readonly RunPhase[] = [
  'WAITING_BUY',
  'BUYING',
  'BOUGHT',
  'SELLING',
  'EXITED_BY_SELL_TIME',
  'EXITED_BY_STOP_LOSS',
  'EXITED_BY_USER_STOP',
  'EXITED_BY_SQUARE_OFF',
  'SKIPPED',
  'FAILED',
];

export const TERMINAL_PHASES: ReadonlySet<RunPhase> = new Set<RunPhase>([
  'EXITED_BY_SELL_TIME',
  'EXITED_BY_STOP_LOSS',
  'EXITED_BY_USER_STOP',
  'EXITED_BY_SQUARE_OFF',
  'SKIPPED',
  'FAILED',
]);

export function isTerminalPhase(phase: RunPhase): boolean {
  return TERMINAL_PHASES.has(phase);
}

/** Why a position is (to be) exited, in priority order when two are due together. */
export type ExitCause = 'STOP_LOSS' | 'USER_STOP' | 'SQUARE_OFF' | 'SELL_TIME';

// Stop-loss beats everything because it is what protects the trader's money; the forced cutoff
// beats the trader's own sell time because the broker will close the position regardless.
const EXIT_PRIORITY: Record<ExitCause, number> = { STOP_LOSS: 3, USER_STOP: 2, SQUARE_OFF: 1, SELL_TIME: 0 };

export const EXIT_PHASE: Record<ExitCause, RunPhase> = {
  STOP_LOSS: 'EXITED_BY_STOP_LOSS',
  USER_STOP: 'EXITED_BY_USER_STOP',
  SQUARE_OFF: 'EXITED_BY_SQUARE_OFF',
  SELL_TIME: 'EXITED_BY_SELL_TIME',
};

export type SkipReason =
  | 'PRICE_AT_OR_BELOW_STOP'
  | 'BROKER_TOKEN_EXPIRED'
  | 'MISSED_WINDOW'
  | 'MARKET_CLOSED'
  | 'USER_STOPPED';

const SKIP_MESSAGES: Record<SkipReason, string> = {
  PRICE_AT_OR_BELOW_STOP: 'Not bought: the price was at or below the stop-loss at buy time',
  BROKER_TOKEN_EXPIRED: 'Not bought: your broker session had expired. Log in to your broker again.',
  MISSED_WINDOW: 'Not bought: the buy window passed before the order could be sent',
  MARKET_CLOSED: 'Not bought: the market was closed',
  USER_STOPPED: 'Stopped by you before buying; nothing was traded',
};

export interface Run {
  id: string;
  strategyId: string;
  tradingDate: TradingDate;
  phase: RunPhase;
  /** The plan, copied from the strategy when armed; PLAN_CHANGED edits it. */
  quantity: number;
  stopLossPaise: Paise;
  buyAt: number;
  sellAt: number;
  squareOffAt: number;
  /** Shares held once bought (a partial fill may leave fewer than `quantity`). */
  positionQuantity: number;
  entryPricePaise: Paise | null;
  entryBrokerOrderId: string | null;
  /** Decided exit, or while BUYING the exit to perform as soon as the BUY fills. */
  exitCause: ExitCause | null;
  exitDecidedAt: number | null;
  exitAttempt: number;
  exitBrokerOrderId: string | null;
  /** Shares sold and their value by exit attempts that ended before SELL_FILLED. */
  soldQuantity: number;
  soldValuePaise: number;
  exitPricePaise: Paise | null;
  pnlPaise: number | null;
  lastPricePaise: Paise | null;
  /** Machine code and trader-readable text for SKIPPED and FAILED. */
  reasonCode: string | null;
  reason: string | null;
  updatedAt: number;
}

export type RunEvent =
  /** Buy time reached. `lastPricePaise` is the latest price if known. */
  | { type: 'BUY_DUE'; lastPricePaise: Paise | null }
  | { type: 'BUY_SENT'; brokerOrderId: string }
  /** The entry order is complete; `filledQuantity` may be below the plan when the rest was cancelled. */
  | { type: 'BUY_FILLED'; filledQuantity: number; averagePricePaise: Paise }
  /** The broker refused or cancelled the entry; any part that filled before is still a position. */
  | { type: 'BUY_REJECTED'; code: string; message: string; filledQuantity?: number; averagePricePaise?: Paise }
  | { type: 'ENTRY_SKIPPED'; reason: Exclude<SkipReason, 'USER_STOPPED'>; message?: string }
  /** The entry could not be completed nor its outcome learned (e.g. ambiguous order never resolved). */
  | { type: 'ENTRY_FAILED'; reason: string }
  | {
      type: 'PLAN_CHANGED';
      changes: Partial<Pick<Run, 'quantity' | 'stopLossPaise' | 'buyAt' | 'sellAt'>>;
    }
  | { type: 'STOP_LOSS_HIT'; lastPricePaise: Paise }
  | { type: 'SELL_TIME_DUE'; lastPricePaise?: Paise | null }
  | { type: 'SQUARE_OFF_DUE'; lastPricePaise?: Paise | null }
  | { type: 'USER_STOP' }
  | { type: 'SELL_SENT'; brokerOrderId: string }
  /** The exit order that completes the exit: together with earlier attempts it sold the whole position. */
  | { type: 'SELL_FILLED'; filledQuantity: number; averagePricePaise: Paise }
  /** One exit attempt ended without selling everything; the engine retries with the next attempt. */
  | { type: 'SELL_REJECTED'; code: string; message: string; filledQuantity?: number; averagePricePaise?: Paise }
  /** The engine gave up exiting: the position may still be open and needs the trader. */
  | { type: 'EXIT_FAILED'; reason: string };

export type RunEventType = RunEvent['type'];

export const RUN_EVENT_TYPES: readonly RunEventType[] = [
  'BUY_DUE',
  'BUY_SENT',
  'BUY_FILLED',
  'BUY_REJECTED',
  'ENTRY_SKIPPED',
  'ENTRY_FAILED',
  'PLAN_CHANGED',
  'STOP_LOSS_HIT',
  'SELL_TIME_DUE',
  'SQUARE_OFF_DUE',
  'USER_STOP',
  'SELL_SENT',
  'SELL_FILLED',
  'SELL_REJECTED',
  'EXIT_FAILED',
];

/** The appended `strategy_events` row for a run transition. */
export interface RunEventRecord {
  ts: number;
  from: RunPhase | null;
  to: RunPhase;
  cause: RunEventType | 'ARMED';
  details: Record<string, unknown>;
}

export interface TransitionResult {
  run: Run;
  event: RunEventRecord;
}

export class IllegalTransitionError extends DomainError {
  constructor(
    readonly phase: RunPhase,
    readonly eventType: RunEventType,
    reason: string,
  ) {
    super('conflict', 'ILLEGAL_TRANSITION', `Cannot apply ${eventType} in ${phase}: ${reason}`, undefined, {
      phase,
      event: eventType,
      reason,
    });
  }
}

interface Outcome {
  to: RunPhase;
  patch?: Partial<Run>;
  details?: Record<string, unknown>;
}

type Handler<E extends RunEvent> = (run: Run, event: E, ts: number) => Outcome;

/**
 * A legal cell: the phases it may lead to (guards pick one) and how. A cell that is `null` is an
 * illegal pair and is rejected with IllegalTransitionError.
 */
export interface TransitionRule<E extends RunEvent = RunEvent> {
  targets: readonly RunPhase[];
  apply: Handler<E>;
}

type Row = { readonly [T in RunEventType]: TransitionRule<Extract<RunEvent, { type: T }>> | null };

function guardFailed(run: Run, event: RunEvent, reason: string): never {
  throw new IllegalTransitionError(run.phase, event.type, reason);
}

function checkFill(run: Run, event: RunEvent, qty: number, price: Paise, limit: number): void {
  if (!Number.isSafeInteger(qty) || qty < 1 || qty > limit) {
    guardFailed(run, event, `filled quantity ${qty} must be between 1 and ${limit}`);
  }
  if (!Number.isSafeInteger(price) || price <= 0) guardFailed(run, event, `fill price ${price} is not a positive paise amount`);
}

function skip(reasonCode: SkipReason, reason: string, details: Record<string, unknown> = {}): Outcome {
  return { to: 'SKIPPED', patch: { reasonCode, reason }, details: { reason_code: reasonCode, ...details } };
}

/** Higher-priority cause wins; an equal one keeps the first. */
function strongerCause(current: ExitCause | null, next: ExitCause): ExitCause {
  return current !== null && EXIT_PRIORITY[current] >= EXIT_PRIORITY[next] ? current : next;
}

function atOrBelowStop(run: Run, price: Paise | null | undefined): boolean {
  return price !== null && price !== undefined && price <= run.stopLossPaise;
}

/** The exit a time-based or user trigger asks for, unless the price already says stop-loss. */
function exitFor(run: Run, cause: ExitCause, price: Paise | null | undefined): ExitCause {
  return atOrBelowStop(run, price) ? 'STOP_LOSS' : cause;
}

function priceOf(price: Paise | null | undefined, run: Run): Paise | null {
  return price ?? run.lastPricePaise;
}

// --- cells, grouped by phase -------------------------------------------------------------------

const waitingBuy: Row = {
  BUY_DUE: {
    targets: ['BUYING', 'SKIPPED'],
    apply: (run, e) => {
      if (atOrBelowStop(run, e.lastPricePaise)) {
        return skip(
          'PRICE_AT_OR_BELOW_STOP',
          `Not bought: price ₹${formatRupees(e.lastPricePaise!)} was at or below the stop-loss ₹${formatRupees(run.stopLossPaise)} at buy time`,
          { last_price_paise: e.lastPricePaise },
        );
      }
      return { to: 'BUYING', patch: { lastPricePaise: priceOf(e.lastPricePaise, run) }, details: { last_price_paise: e.lastPricePaise } };
    },
  },
  BUY_SENT: null,
  BUY_FILLED: null,
  BUY_REJECTED: null,
  ENTRY_SKIPPED: {
    targets: ['SKIPPED'],
    apply: (_run, e) => skip(e.reason, e.message ?? SKIP_MESSAGES[e.reason]),
  },
  ENTRY_FAILED: {
    targets: ['FAILED'],
    apply: (_run, e) => ({ to: 'FAILED', patch: { reasonCode: 'ENTRY_FAILED', reason: e.reason }, details: { reason: e.reason } }),
  },
  PLAN_CHANGED: {
    targets: ['WAITING_BUY'],
    apply: (run, e) => {
      const next = { ...run, ...e.changes };
      if (next.buyAt >= next.sellAt) guardFailed(run, e, 'buy time must stay before sell time');
      if (next.sellAt > next.squareOffAt) guardFailed(run, e, 'sell time must not pass the square-off cutoff');
      if (!Number.isSafeInteger(next.quantity) || next.quantity < 1) guardFailed(run, e, 'quantity must be at least 1');
      if (!Number.isSafeInteger(next.stopLossPaise) || next.stopLossPaise <= 0) guardFailed(run, e, 'stop-loss must be positive');
      return { to: 'WAITING_BUY', patch: { ...e.changes }, details: { changes: e.changes } };
    },
  },
  STOP_LOSS_HIT: null,
  SELL_TIME_DUE: {
    targets: ['SKIPPED'],
    apply: () => skip('MISSED_WINDOW', SKIP_MESSAGES.MISSED_WINDOW, { due: 'SELL_TIME' }),
  },
  SQUARE_OFF_DUE: {
    targets: ['SKIPPED'],
    apply: () => skip('MISSED_WINDOW', SKIP_MESSAGES.MISSED_WINDOW, { due: 'SQUARE_OFF' }),
  },
  USER_STOP: {
    targets: ['SKIPPED'],
    apply: () => skip('USER_STOPPED', SKIP_MESSAGES.USER_STOPPED),
  },
  SELL_SENT: null,
  SELL_FILLED: null,
  SELL_REJECTED: null,
  EXIT_FAILED: null,
};

/** Entry done: hold the position, or go straight to the exit already due (or already below stop). */
function entered(run: Run, qty: number, price: Paise, ts: number, extra: Record<string, unknown>): Outcome {
  const base = { positionQuantity: qty, entryPricePaise: price, lastPricePaise: price };
  const pending = run.exitCause;
  const cause = atOrBelowStop(run, price) ? strongerCause(pending, 'STOP_LOSS') : pending;
  const details = { filled_quantity: qty, average_price_paise: price, ...extra };
  if (cause === null) return { to: 'BOUGHT', patch: base, details };
  return {
    to: 'SELLING',
    patch: { ...base, exitCause: cause, exitDecidedAt: ts, exitAttempt: 1 },
    details: { ...details, exit_cause: cause },
  };
}

/** While the BUY is out, exits cannot be sent yet; remember the strongest one for the fill. */
function pendExit(cause: ExitCause): TransitionRule<Extract<RunEvent, { type: 'SELL_TIME_DUE' | 'SQUARE_OFF_DUE' | 'USER_STOP' }>> {
  return {
    targets: ['BUYING'],
    apply: (run, e) => {
      const price = 'lastPricePaise' in e ? e.lastPricePaise : undefined;
      const pending = strongerCause(run.exitCause, exitFor(run, cause, price));
      return { to: 'BUYING', patch: { exitCause: pending }, details: { pending_exit: pending } };
    },
  };
}

const buying: Row = {
  BUY_DUE: null,
  BUY_SENT: {
    targets: ['BUYING'],
    apply: (_run, e) => ({ to: 'BUYING', patch: { entryBrokerOrderId: e.brokerOrderId }, details: { broker_order_id: e.brokerOrderId } }),
  },
  BUY_FILLED: {
    targets: ['BOUGHT', 'SELLING'],
    apply: (run, e, ts) => {
      checkFill(run, e, e.filledQuantity, e.averagePricePaise, run.quantity);
      return entered(run, e.filledQuantity, e.averagePricePaise, ts, {});
    },
  },
  BUY_REJECTED: {
    targets: ['SKIPPED', 'FAILED', 'BOUGHT', 'SELLING'],
    apply: (run, e, ts) => {
      const filled = e.filledQuantity ?? 0;
      if (filled > 0) {
        // Part of the order filled before the rest was refused: that part is a real position.
        checkFill(run, e, filled, e.averagePricePaise ?? (0 as Paise), run.quantity);
        return entered(run, filled, e.averagePricePaise!, ts, { code: e.code, message: e.message, partial: true });
      }
      if (e.code === 'BROKER_TOKEN_EXPIRED') {
        return skip('BROKER_TOKEN_EXPIRED', SKIP_MESSAGES.BROKER_TOKEN_EXPIRED, { code: e.code, message: e.message });
      }
      return {
        to: 'FAILED',
        patch: { reasonCode: e.code, reason: `Buy order rejected by the broker: ${e.message}` },
        details: { code: e.code, message: e.message },
      };
    },
  },
  // Every attempt failed before reaching the broker (each confirmed absent by its tag) and the
  // window closed: nothing was bought, so the day is skipped, not failed.
  ENTRY_SKIPPED: {
    targets: ['SKIPPED'],
    apply: (run, e) => {
      if (run.positionQuantity > 0) guardFailed(run, e, 'a position was already entered');
      return skip(e.reason, e.message ?? SKIP_MESSAGES[e.reason]);
    },
  },
  ENTRY_FAILED: {
    targets: ['FAILED'],
    apply: (_run, e) => ({
      to: 'FAILED',
      patch: { reasonCode: 'ENTRY_FAILED', reason: `${e.reason}. Check your broker for an open position.` },
      details: { reason: e.reason },
    }),
  },
  PLAN_CHANGED: null,
  // Without a position there is nothing for a stop to protect; the fill price is checked instead.
  STOP_LOSS_HIT: null,
  SELL_TIME_DUE: pendExit('SELL_TIME'),
  SQUARE_OFF_DUE: pendExit('SQUARE_OFF'),
  USER_STOP: pendExit('USER_STOP'),
  SELL_SENT: null,
  SELL_FILLED: null,
  SELL_REJECTED: null,
  EXIT_FAILED: null,
};

function startExit(cause: ExitCause): TransitionRule<Extract<RunEvent, { type: 'SELL_TIME_DUE' | 'SQUARE_OFF_DUE' | 'USER_STOP' }>> {
  return {
    targets: ['SELLING'],
    apply: (run, e, ts) => {
      const price = 'lastPricePaise' in e ? e.lastPricePaise : undefined;
      const exit = exitFor(run, cause, price);
      return {
        to: 'SELLING',
        patch: { exitCause: exit, exitDecidedAt: ts, exitAttempt: 1, lastPricePaise: priceOf(price, run) },
        details: { exit_cause: exit, last_price_paise: price ?? null },
      };
    },
  };
}

const bought: Row = {
  BUY_DUE: null,
  BUY_SENT: null,
  BUY_FILLED: null,
  BUY_REJECTED: null,
  ENTRY_SKIPPED: null,
  ENTRY_FAILED: null,
  PLAN_CHANGED: {
    targets: ['BOUGHT'],
    apply: (run, e) => {
      const keys = Object.keys(e.changes);
      if (keys.some((k) => k !== 'stopLossPaise')) guardFailed(run, e, 'only the stop-loss can change while in position');
      const stop = e.changes.stopLossPaise;
      if (stop !== undefined && (!Number.isSafeInteger(stop) || stop <= 0)) guardFailed(run, e, 'stop-loss must be positive');
      return { to: 'BOUGHT', patch: { ...e.changes }, details: { changes: e.changes } };
    },
  },
  STOP_LOSS_HIT: {
    targets: ['SELLING'],
    apply: (run, e, ts) => {
      if (!atOrBelowStop(run, e.lastPricePaise)) {
        // A stale tick from before a stop-loss edit must not sell a protected position.
        guardFailed(run, e, `price ${e.lastPricePaise} is above the stop-loss ${run.stopLossPaise}`);
      }
      return {
        to: 'SELLING',
        patch: { exitCause: 'STOP_LOSS', exitDecidedAt: ts, exitAttempt: 1, lastPricePaise: e.lastPricePaise },
        details: { exit_cause: 'STOP_LOSS', last_price_paise: e.lastPricePaise, stop_loss_paise: run.stopLossPaise },
      };
    },
  },
  SELL_TIME_DUE: startExit('SELL_TIME'),
  SQUARE_OFF_DUE: startExit('SQUARE_OFF'),
  USER_STOP: startExit('USER_STOP'),
  SELL_SENT: null,
  SELL_FILLED: null,
  SELL_REJECTED: null,
  EXIT_FAILED: null,
};

/**
 * The SELL is already out, so another trigger never sends a second one. A stop-loss arriving in
 * the same millisecond as the decision relabels the exit: stop-loss beats sell time.
 */
function absorbExit(cause: ExitCause): TransitionRule<Extract<RunEvent, { type: 'STOP_LOSS_HIT' | 'SELL_TIME_DUE' | 'SQUARE_OFF_DUE' | 'USER_STOP' }>> {
  return {
    targets: ['SELLING'],
    apply: (run, _e, ts) => {
      const relabel = ts === run.exitDecidedAt && strongerCause(run.exitCause, cause) !== run.exitCause;
      return {
        to: 'SELLING',
        patch: relabel ? { exitCause: cause } : {},
        details: { absorbed: true, trigger: cause, exit_cause: relabel ? cause : run.exitCause },
      };
    },
  };
}

const selling: Row = {
  BUY_DUE: null,
  BUY_SENT: null,
  BUY_FILLED: null,
  BUY_REJECTED: null,
  ENTRY_SKIPPED: null,
  ENTRY_FAILED: null,
  PLAN_CHANGED: null,
  STOP_LOSS_HIT: absorbExit('STOP_LOSS'),
  SELL_TIME_DUE: absorbExit('SELL_TIME'),
  SQUARE_OFF_DUE: absorbExit('SQUARE_OFF'),
  USER_STOP: absorbExit('USER_STOP'),
  SELL_SENT: {
    targets: ['SELLING'],
    apply: (_run, e) => ({ to: 'SELLING', patch: { exitBrokerOrderId: e.brokerOrderId }, details: { broker_order_id: e.brokerOrderId } }),
  },
  SELL_FILLED: {
    targets: ['EXITED_BY_STOP_LOSS', 'EXITED_BY_USER_STOP', 'EXITED_BY_SQUARE_OFF', 'EXITED_BY_SELL_TIME'],
    apply: (run, e) => {
      const remaining = run.positionQuantity - run.soldQuantity;
      checkFill(run, e, e.filledQuantity, e.averagePricePaise, remaining);
      if (e.filledQuantity !== remaining) guardFailed(run, e, `filled ${e.filledQuantity} of ${remaining} still held; report it as SELL_REJECTED`);
      const value = run.soldValuePaise + e.filledQuantity * e.averagePricePaise;
      const exitPrice = Math.round(value / run.positionQuantity) as Paise;
      const pnl = value - run.positionQuantity * (run.entryPricePaise ?? 0);
      const cause = run.exitCause ?? guardFailed(run, e, 'no exit cause recorded');
      return {
        to: EXIT_PHASE[cause],
        patch: { soldQuantity: run.positionQuantity, soldValuePaise: value, exitPricePaise: exitPrice, pnlPaise: pnl, lastPricePaise: e.averagePricePaise },
        details: { filled_quantity: e.filledQuantity, average_price_paise: e.averagePricePaise, exit_price_paise: exitPrice, pnl_paise: pnl },
      };
    },
  },
  SELL_REJECTED: {
    targets: ['SELLING'],
    apply: (run, e) => {
      const filled = e.filledQuantity ?? 0;
      const remaining = run.positionQuantity - run.soldQuantity;
      if (filled > 0) checkFill(run, e, filled, e.averagePricePaise ?? (0 as Paise), remaining - 1);
      return {
        to: 'SELLING',
        patch: {
          soldQuantity: run.soldQuantity + filled,
          soldValuePaise: run.soldValuePaise + filled * (e.averagePricePaise ?? 0),
          exitAttempt: run.exitAttempt + 1,
          exitBrokerOrderId: null,
        },
        details: { code: e.code, message: e.message, filled_quantity: filled, next_attempt: run.exitAttempt + 1 },
      };
    },
  },
  EXIT_FAILED: {
    targets: ['FAILED'],
    apply: (run, e) => ({
      to: 'FAILED',
      patch: {
        reasonCode: 'EXIT_FAILED',
        reason: `Could not sell: ${e.reason}. ${run.positionQuantity - run.soldQuantity} shares may still be open at your broker.`,
      },
      details: { reason: e.reason, open_quantity: run.positionQuantity - run.soldQuantity },
    }),
  },
};

const terminal: Row = Object.fromEntries(RUN_EVENT_TYPES.map((t) => [t, null])) as unknown as Row;

/** The whole machine: phase × event → rule, or null when the pair is illegal. */
export const RUN_TRANSITIONS: { readonly [P in RunPhase]: Row } = {
  WAITING_BUY: waitingBuy,
  BUYING: buying,
  BOUGHT: bought,
  SELLING: selling,
  EXITED_BY_SELL_TIME: terminal,
  EXITED_BY_STOP_LOSS: terminal,
  EXITED_BY_USER_STOP: terminal,
  EXITED_BY_SQUARE_OFF: terminal,
  SKIPPED: terminal,
  FAILED: terminal,
};


/** Apply `event` at epoch ms `ts`. Throws IllegalTransitionError for an illegal pair or a failed guard. */
export function transition(run: Run, event: RunEvent, ts: number): TransitionResult {
  const rule = RUN_TRANSITIONS[run.phase][event.type] as TransitionRule | null;
  if (rule === null) throw new IllegalTransitionError(run.phase, event.type, 'not allowed in this phase');
  const outcome = rule.apply(run, event, ts);
  if (!rule.targets.includes(outcome.to)) {
    throw new IllegalTransitionError(run.phase, event.type, `rule produced undeclared phase ${outcome.to}`);
  }
  const next: Run = { ...run, ...outcome.patch, phase: outcome.to, updatedAt: ts };
  return { run: next, event: { ts, from: run.phase, to: outcome.to, cause: event.type, details: outcome.details ?? {} } };
}

export interface ArmRunInput {
  id: string;
  strategyId: string;
  tradingDate: TradingDate;
  quantity: number;
  stopLossPaise: Paise;
  buyAt: number;
  sellAt: number;
  squareOffAt: number;
}

/** A new run in WAITING_BUY, with its first event. */
export function armRun(input: ArmRunInput, ts: number): TransitionResult {
  if (!(input.buyAt < input.sellAt && input.sellAt <= input.squareOffAt)) {
    throw new RangeError('a run needs buyAt < sellAt <= squareOffAt');
  }
  const run: Run = {
    ...input,
    phase: 'WAITING_BUY',
    positionQuantity: 0,
    entryPricePaise: null,
    entryBrokerOrderId: null,
    exitCause: null,
    exitDecidedAt: null,
    exitAttempt: 0,
    exitBrokerOrderId: null,
    soldQuantity: 0,
    soldValuePaise: 0,
    exitPricePaise: null,
    pnlPaise: null,
    lastPricePaise: null,
    reasonCode: null,
    reason: null,
    updatedAt: ts,
  };
  return {
    run,
    event: {
      ts,
      from: null,
      to: 'WAITING_BUY',
      cause: 'ARMED',
      details: { trading_date: input.tradingDate, buy_at: input.buyAt, sell_at: input.sellAt },
    },
  };
}
