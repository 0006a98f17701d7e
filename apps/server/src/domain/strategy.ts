import type { Exchange } from './instrument';
import type { Paise } from './price';
import { isTerminalPhase, type Run, type RunPhase } from './run-state-machine';

export type StrategyStatus = 'CREATED' | 'RUNNING' | 'STOPPED' | 'COMPLETED' | 'FAILED';
export const STRATEGY_STATUSES: readonly StrategyStatus[] = ['CREATED', 'RUNNING', 'STOPPED', 'COMPLETED', 'FAILED'];

export type Repeat = 'once' | 'daily';
export const REPEATS: readonly Repeat[] = ['once', 'daily'];

/** Default per-user ceiling on quantity; the real value comes from config. */
export const DEFAULT_MAX_QUANTITY = 10_000;

/** What the trader asked for, validated. Times are exchange-local HH:MM:SS; prices are paise. */
export interface StrategySpec {
  name: string | null;
  brokerId: string;
  exchange: Exchange;
  symbol: string;
  buyTime: string;
  sellTime: string;
  stopLossPaise: Paise;
  quantity: number;
  repeat: Repeat;
}

export interface Strategy extends StrategySpec {
  id: string;
  userId: string;
  status: StrategyStatus;
  /** Why the strategy FAILED, or why its last run was skipped; null otherwise. */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  /** Soft delete: kept for history, hidden from lists. */
  deletedAt: number | null;
}

/** The API field name of each spec field, for field-level errors. */
export const STRATEGY_API_FIELDS: { readonly [K in keyof StrategySpec]: string } = {
  name: 'name',
  brokerId: 'broker_id',
  exchange: 'exchange',
  symbol: 'symbol',
  buyTime: 'buy_time',
  sellTime: 'sell_time',
  stopLossPaise: 'stop_loss',
  quantity: 'quantity',
  repeat: 'repeat',
};

export interface StatusAfterRun {
  status: StrategyStatus;
  reason: string | null;
  /** Arm a run for the next trading day. */
  rearm: boolean;
}

/**
 * What a run's end means for its strategy. A run that is not finished changes nothing. Skips the
 * trader should hear about (expired token, missed window) fail a `once` strategy because it will
 * not get another chance; a `daily` one keeps running and shows the reason until the next day.
 */
export function statusAfterRun(repeat: Repeat, run: Pick<Run, 'phase' | 'reasonCode' | 'reason'>): StatusAfterRun {
  const phase: RunPhase = run.phase;
  if (!isTerminalPhase(phase)) return { status: 'RUNNING', reason: null, rearm: false };
  if (phase === 'FAILED') return { status: 'FAILED', reason: run.reason ?? 'The run failed', rearm: false };
  if (phase === 'EXITED_BY_USER_STOP' || (phase === 'SKIPPED' && run.reasonCode === 'USER_STOPPED')) {
    return { status: 'STOPPED', reason: null, rearm: false };
  }
  const needsAttention = phase === 'SKIPPED' && run.reasonCode !== 'PRICE_AT_OR_BELOW_STOP';
  if (repeat === 'daily') return { status: 'RUNNING', reason: phase === 'SKIPPED' ? run.reason : null, rearm: true };
  if (needsAttention) return { status: 'FAILED', reason: run.reason ?? 'The run was skipped', rearm: false };
  return { status: 'COMPLETED', reason: phase === 'SKIPPED' ? run.reason : null, rearm: false };
}
