import { describe, expect, it } from 'vitest';
import { ConflictError } from './errors';
import { paise } from './price';
import { RUN_PHASES, type RunPhase } from './run-state-machine';
import type { StrategySpec, StrategyStatus } from './strategy';
import { assertEditable, changedFields, editableFields } from './strategy-edit-policy';

const spec: StrategySpec = {
  name: null,
  brokerId: 'b',
  exchange: 'NSE',
  symbol: 'INFY',
  buyTime: '09:20:00',
  sellTime: '15:00:00',
  stopLossPaise: paise(145_000),
  quantity: 10,
  repeat: 'once',
};

function conflict(fn: () => void): ConflictError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConflictError);
    return e as ConflictError;
  }
  throw new Error('expected a ConflictError');
}

describe('editableFields', () => {
  it.each(['CREATED', 'STOPPED', 'COMPLETED', 'FAILED'] as StrategyStatus[])('%s: everything may change', (status) => {
    expect(editableFields(status, null).size).toBe(9);
    expect(editableFields(status, 'BOUGHT').size).toBe(9);
  });

  const plan = ['buyTime', 'quantity', 'sellTime', 'stopLossPaise'];
  const expected: Record<RunPhase, string[]> = {
    WAITING_BUY: plan,
    BUYING: [],
    BOUGHT: ['stopLossPaise'],
    SELLING: [],
    EXITED_BY_SELL_TIME: plan,
    EXITED_BY_STOP_LOSS: plan,
    EXITED_BY_USER_STOP: plan,
    EXITED_BY_SQUARE_OFF: plan,
    SKIPPED: plan,
    FAILED: plan,
  };

  it.each(RUN_PHASES)('RUNNING in %s', (phase) => {
    expect([...editableFields('RUNNING', phase)].sort()).toEqual(expected[phase]);
  });

  it('RUNNING with no run yet behaves as before the buy', () => {
    expect([...editableFields('RUNNING', null)].sort()).toEqual(plan);
  });
});

describe('assertEditable', () => {
  it('allows plan changes before the buy', () => {
    expect(() => assertEditable('RUNNING', 'WAITING_BUY', ['buyTime', 'sellTime', 'stopLossPaise', 'quantity'])).not.toThrow();
  });

  it('allows a stop-loss change in position', () => {
    expect(() => assertEditable('RUNNING', 'BOUGHT', ['stopLossPaise'])).not.toThrow();
  });

  it('refuses other changes in position, naming API fields', () => {
    const e = conflict(() => assertEditable('RUNNING', 'BOUGHT', ['stopLossPaise', 'quantity']));
    expect(e.code).toBe('STRATEGY_RUNNING');
    expect(e.message).toBe('While holding a position only the stop-loss can be changed');
    expect(e.details).toEqual({ fields: ['quantity'], phase: 'BOUGHT', editable: ['stop_loss'] });
  });

  it('refuses symbol, broker and repeat changes while running', () => {
    const e = conflict(() => assertEditable('RUNNING', 'WAITING_BUY', ['symbol', 'brokerId', 'repeat']));
    expect(e.message).toBe('Stop the strategy to change anything other than the times, stop-loss and quantity');
    expect(e.details?.fields).toEqual(['symbol', 'broker_id', 'repeat']);
  });

  it('refuses any change while an order is in flight', () => {
    for (const phase of ['BUYING', 'SELLING'] as const) {
      const e = conflict(() => assertEditable('RUNNING', phase, ['stopLossPaise']));
      expect(e.message).toBe('An order is being placed for this strategy right now; try again in a moment');
    }
  });

  it('an unchanged update is never a conflict', () => {
    expect(() => assertEditable('RUNNING', 'SELLING', changedFields(spec, { ...spec }))).not.toThrow();
  });
});

describe('changedFields', () => {
  it('lists only fields whose value differs', () => {
    expect(changedFields(spec, { ...spec, quantity: 11, name: null, stopLossPaise: paise(145_000) })).toEqual(['quantity']);
  });
});
