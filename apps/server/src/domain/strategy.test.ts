import { describe, expect, it } from 'vitest';
import type { RunPhase } from './run-state-machine';
import { statusAfterRun, STRATEGY_API_FIELDS, type Repeat } from './strategy';

const ended = (phase: RunPhase, reasonCode: string | null = null, reason: string | null = null) => ({ phase, reasonCode, reason });

describe('statusAfterRun', () => {
  it.each(['WAITING_BUY', 'BUYING', 'BOUGHT', 'SELLING'] as const)('leaves a strategy RUNNING while its run is %s', (phase) => {
    for (const repeat of ['once', 'daily'] as Repeat[]) {
      expect(statusAfterRun(repeat, ended(phase))).toEqual({ status: 'RUNNING', reason: null, rearm: false });
    }
  });

  it.each(['EXITED_BY_SELL_TIME', 'EXITED_BY_STOP_LOSS', 'EXITED_BY_SQUARE_OFF'] as const)('%s completes a once strategy, re-arms a daily one', (phase) => {
    expect(statusAfterRun('once', ended(phase))).toEqual({ status: 'COMPLETED', reason: null, rearm: false });
    expect(statusAfterRun('daily', ended(phase))).toEqual({ status: 'RUNNING', reason: null, rearm: true });
  });

  it('a user stop, with or without a position, leaves the strategy STOPPED', () => {
    for (const repeat of ['once', 'daily'] as Repeat[]) {
      expect(statusAfterRun(repeat, ended('EXITED_BY_USER_STOP'))).toEqual({ status: 'STOPPED', reason: null, rearm: false });
      expect(statusAfterRun(repeat, ended('SKIPPED', 'USER_STOPPED', 'x'))).toEqual({ status: 'STOPPED', reason: null, rearm: false });
    }
  });

  it('a failed run fails the strategy with its reason, whatever the repeat', () => {
    for (const repeat of ['once', 'daily'] as Repeat[]) {
      expect(statusAfterRun(repeat, ended('FAILED', 'EXIT_FAILED', 'Could not sell'))).toEqual({
        status: 'FAILED',
        reason: 'Could not sell',
        rearm: false,
      });
    }
  });

  it('a skip by the stop-loss rule completes a once strategy, keeping the reason', () => {
    expect(statusAfterRun('once', ended('SKIPPED', 'PRICE_AT_OR_BELOW_STOP', 'Not bought'))).toEqual({
      status: 'COMPLETED',
      reason: 'Not bought',
      rearm: false,
    });
  });

  it('a skip the trader must fix fails a once strategy but a daily one tries again tomorrow', () => {
    const run = ended('SKIPPED', 'BROKER_TOKEN_EXPIRED', 'Log in to your broker again');
    expect(statusAfterRun('once', run)).toEqual({ status: 'FAILED', reason: 'Log in to your broker again', rearm: false });
    expect(statusAfterRun('daily', run)).toEqual({ status: 'RUNNING', reason: 'Log in to your broker again', rearm: true });
  });
});

describe('STRATEGY_API_FIELDS', () => {
  it('names every spec field in snake_case', () => {
    expect(Object.values(STRATEGY_API_FIELDS).sort()).toEqual(
      ['broker_id', 'buy_time', 'exchange', 'name', 'quantity', 'repeat', 'sell_time', 'stop_loss', 'symbol'],
    );
  });
});
