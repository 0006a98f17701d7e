import { istToEpochMs, type TradingDate } from './exchange-time';
import { isTerminalPhase, type ArmRunInput, type Run } from './run-state-machine';
import type { StrategySpec } from './strategy';
import type { TradingCalendar } from './trading-calendar';

export type RunPlan = Omit<ArmRunInput, 'id' | 'strategyId'>;

// always-open has no hours limit, so the forced exit moves to the end of the day instead of the
// exchange cutoff: a demo strategy selling at 22:00 must still arm (armRun needs sell <= square-off).
const END_OF_DAY = '23:59:59';

/** Epoch times of a plan on `date`. */
export function runTimes(
  calendar: TradingCalendar,
  date: TradingDate,
  buyTime: string,
  sellTime: string,
): Pick<RunPlan, 'buyAt' | 'sellAt' | 'squareOffAt'> {
  const cutoff = calendar.squareOffAt(date);
  return {
    buyAt: istToEpochMs(date, buyTime),
    sellAt: istToEpochMs(date, sellTime),
    squareOffAt: calendar.alwaysOpen ? Math.max(cutoff, istToEpochMs(date, END_OF_DAY)) : cutoff,
  };
}

/**
 * The run a strategy started (or re-armed) at `now` gets: the first trading day whose buy time is
 * still ahead. `after` skips days that already have a run, because a strategy trades at most once
 * per trading day (the runs table is unique on strategy and date).
 */
export function planRun(
  calendar: TradingCalendar,
  spec: Pick<StrategySpec, 'buyTime' | 'sellTime' | 'quantity' | 'stopLossPaise'>,
  now: number,
  after: TradingDate | null = null,
): RunPlan {
  let date = calendar.nextSessionFor(now, spec.buyTime).date;
  if (after !== null && date <= after) date = calendar.nextTradingDay(after);
  return {
    tradingDate: date,
    quantity: spec.quantity,
    stopLossPaise: spec.stopLossPaise,
    ...runTimes(calendar, date, spec.buyTime, spec.sellTime),
  };
}

/**
 * When the engine must next look at a run, for the durable scan after a restart. An order in
 * flight (BUYING, SELLING) is due at once: its outcome must be confirmed with the broker. In
 * position the stop-loss is tick-driven, so the next timed action is the sell time.
 */
export function nextActionAt(run: Pick<Run, 'phase' | 'buyAt' | 'sellAt' | 'squareOffAt' | 'updatedAt'>): number | null {
  if (isTerminalPhase(run.phase)) return null;
  switch (run.phase) {
    case 'WAITING_BUY':
      return run.buyAt;
    case 'BOUGHT':
      return Math.min(run.sellAt, run.squareOffAt);
    default:
      return run.updatedAt;
  }
}
