import { ConflictError } from './errors';
import { isTerminalPhase, type RunPhase } from './run-state-machine';
import { STRATEGY_API_FIELDS, type StrategySpec, type StrategyStatus } from './strategy';

type SpecField = keyof StrategySpec;

const PLAN_FIELDS: ReadonlySet<SpecField> = new Set<SpecField>(['buyTime', 'sellTime', 'stopLossPaise', 'quantity']);
const STOP_ONLY: ReadonlySet<SpecField> = new Set<SpecField>(['stopLossPaise']);
const NOTHING: ReadonlySet<SpecField> = new Set<SpecField>();
const EVERYTHING: ReadonlySet<SpecField> = new Set<SpecField>(Object.keys(STRATEGY_API_FIELDS) as SpecField[]);

/**
 * Which fields may change, given the strategy's status and its current run's phase (null when no
 * run exists yet). A RUNNING strategy may change its plan only while no position is entered:
 * before the buy, or after the day's run has finished and the next one has not begun. In position,
 * only the stop-loss may move (the engine applies it on the next tick). While an order is in
 * flight nothing may change, because the engine is acting on the current values.
 */
export function editableFields(status: StrategyStatus, phase: RunPhase | null): ReadonlySet<SpecField> {
  if (status !== 'RUNNING') return EVERYTHING;
  if (phase === null || phase === 'WAITING_BUY' || isTerminalPhase(phase)) return PLAN_FIELDS;
  if (phase === 'BOUGHT') return STOP_ONLY;
  return NOTHING;
}

/** Spec fields whose values differ, so re-sending unchanged values is never a conflict. */
export function changedFields(current: StrategySpec, next: StrategySpec): SpecField[] {
  return (Object.keys(STRATEGY_API_FIELDS) as SpecField[]).filter((k) => current[k] !== next[k]);
}

/** Throws ConflictError STRATEGY_RUNNING naming the API fields that may not change now. */
export function assertEditable(status: StrategyStatus, phase: RunPhase | null, changed: readonly SpecField[]): void {
  const allowed = editableFields(status, phase);
  const refused = changed.filter((f) => !allowed.has(f));
  if (refused.length === 0) return;
  const names = refused.map((f) => STRATEGY_API_FIELDS[f]);
  let message: string;
  if (allowed === NOTHING) {
    message = 'An order is being placed for this strategy right now; try again in a moment';
  } else if (allowed === STOP_ONLY) {
    message = 'While holding a position only the stop-loss can be changed';
  } else {
    message = 'Stop the strategy to change anything other than the times, stop-loss and quantity';
  }
  throw new ConflictError('STRATEGY_RUNNING', message, {
    fields: names,
    phase,
    editable: [...allowed].map((f) => STRATEGY_API_FIELDS[f]),
  });
}
