import { describe, expect, it } from 'vitest';
import type { StrategyStatusResponse } from '@ats/contracts';
import { distanceToStop, initialLiveState, liveReducer, type LiveAction, type LiveState } from './live-status';

const S1 = '11111111-1111-4111-8111-111111111111';
const run = (actions: LiveAction[], from: LiveState = initialLiveState) => actions.reduce(liveReducer, from);
const msg = (message: unknown): LiveAction => ({ type: 'message', message, receivedAt: 1_000 });

const status = (over: Partial<StrategyStatusResponse>): StrategyStatusResponse => ({
  status: 'RUNNING',
  phase: 'WAITING_BUY',
  last_action: 'ARMED',
  last_price: null,
  entry_price: null,
  exit_price: null,
  pnl: null,
  next_action_at: '2026-11-25T10:00:05.000Z',
  reason: null,
  updated_at: '2026-11-25T10:00:00.000Z',
  ...over,
});

describe('live-status reducer', () => {
  it('tracks the connection state for the live/reconnecting indicator', () => {
    const s = run([{ type: 'connection', state: 'connecting' }, { type: 'connection', state: 'live' }]);
    expect(s.connection).toBe('live');
    expect(liveReducer(s, { type: 'connection', state: 'live' })).toBe(s);
  });

  it('ignores unknown message types and junk without changing state identity', () => {
    const s = run([msg({ type: 'strategy.event', strategy_id: S1, event: { strategy_id: S1, scope: 'run', to: 'WAITING_BUY', cause: 'ARMED', ts: '2026-11-25T10:00:00Z' } })]);
    for (const junk of [{ type: 'server.hello', v: 2 }, { type: 'engine.metrics' }, null, 'text', 42, { no_type: true }, { type: 'price', instrument: 'NSE:INFY' }, { type: 'run.phase', strategy_id: S1, phase: 'NOT_A_PHASE' }]) {
      expect(liveReducer(s, msg(junk))).toBe(s);
    }
  });

  it('applies run.phase pushes: WAITING_BUY → BOUGHT → EXITED_BY_STOP_LOSS', () => {
    const s = run([
      msg({ type: 'run.phase', strategy_id: S1, phase: 'BOUGHT', entry_price: 1500.5, last_price: 1500.5, ts: '2026-11-25T10:00:05.010Z' }),
      msg({ type: 'run.phase', strategy_id: S1, phase: 'EXITED_BY_STOP_LOSS', exit_price: 1449.9, pnl: -50.6, cause: 'STOP_LOSS_HIT', ts: '2026-11-25T10:00:09.000Z' }),
    ]);
    expect(s.strategies[S1]).toMatchObject({ phase: 'EXITED_BY_STOP_LOSS', entry_price: 1500.5, exit_price: 1449.9, pnl: -50.6, last_action: 'STOP_LOSS_HIT' });
    expect(s.revision).toBe(2);
  });

  it('reads strategy.event with the event wrapped or flat, and strategy vs run scope', () => {
    const s = run([
      msg({ type: 'strategy.event', event: { strategy_id: S1, scope: 'strategy', from: 'CREATED', to: 'RUNNING', cause: 'STARTED', ts: '2026-11-25T10:00:00Z', details: {} } }),
      msg({ type: 'strategy.event', strategy_id: S1, scope: 'run', from: 'BUYING', to: 'BOUGHT', cause: 'BUY_FILLED', ts: '2026-11-25T10:00:05Z', details: { entry_price: 101.25 } }),
    ]);
    expect(s.strategies[S1]).toMatchObject({ status: 'RUNNING', phase: 'BOUGHT', last_action: 'BUY_FILLED', entry_price: 101.25 });
  });

  it('reads the server\'s actual shapes: run.phase with `to`, alert wrapped in `alert`, fill price in details', () => {
    const s = run([
      msg({ type: 'hello', user_id: 'u1' }),
      msg({ type: 'run.phase', strategy_id: S1, run_id: 'r1', from: 'SELLING', to: 'EXITED_BY_SELL_TIME', cause: 'SELL_FILLED', ts: 1_700_000_000_000, details: {}, entry_price: 1576, exit_price: 1574.1, pnl: -3.8 }),
      msg({ type: 'alert', alert: { code: 'BROKER_TOKEN_EXPIRED', broker_id: 'b1', message: 'Zerodha: the broker session has expired' }, ts: 1_700_000_000_000 }),
      msg({ type: 'order.fill', strategy_id: S1, side: 'BUY', details: { average_price_paise: 157_600 }, ts: 1_700_000_000_001 }),
    ]);
    expect(s.strategies[S1]).toMatchObject({ phase: 'EXITED_BY_SELL_TIME', pnl: -3.8, exit_price: 1574.1, entry_price: 1576, last_action: 'SELL_FILLED', next_action_at: null });
    expect(s.alerts[0]).toMatchObject({ code: 'BROKER_TOKEN_EXPIRED', broker_id: 'b1' });
  });

  it('order.fill fills in entry and exit prices', () => {
    const s = run([msg({ type: 'order.fill', strategy_id: S1, side: 'BUY', average_price: 99.5 }), msg({ type: 'order.fill', strategy_id: S1, side: 'SELL', price: 101 })]);
    expect(s.strategies[S1]).toMatchObject({ entry_price: 99.5, exit_price: 101 });
  });

  it('keeps the newest price per instrument and drops late ticks', () => {
    const s = run([
      msg({ type: 'price', instrument: 'NSE:INFY', ltp: 1501, ts: 2_000 }),
      msg({ type: 'price', instrument: 'NSE:INFY', ltp: 1499, ts: 1_500 }),
      msg({ type: 'price', data: { instrument: 'NSE:TCS', ltp: 4000, ts: 2_000 } }),
    ]);
    expect(s.prices['NSE:INFY']).toEqual({ ltp: 1501, at: 2_000 });
    expect(s.prices['NSE:TCS']?.ltp).toBe(4000);
  });

  it('a slow poll never reverts a newer pushed phase', () => {
    const pushed = run([msg({ type: 'run.phase', strategy_id: S1, phase: 'BOUGHT', ts: '2026-11-25T10:00:05.000Z' })]);
    const stale = liveReducer(pushed, { type: 'polled', strategyId: S1, status: status({ phase: 'WAITING_BUY', updated_at: '2026-11-25T10:00:00.000Z' }), receivedAt: 9_999 });
    expect(stale.strategies[S1]?.phase).toBe('BOUGHT');
    const newer = liveReducer(stale, { type: 'polled', strategyId: S1, status: status({ phase: 'EXITED_BY_SELL_TIME', pnl: 12, updated_at: '2026-11-25T10:00:25.000Z' }), receivedAt: 9_999 });
    expect(newer.strategies[S1]).toMatchObject({ phase: 'EXITED_BY_SELL_TIME', pnl: 12 });
  });

  it('a poll a few ms "older" than the push still applies when it moves forward (strategy became COMPLETED)', () => {
    const pushed = run([msg({ type: 'run.phase', strategy_id: S1, to: 'EXITED_BY_SELL_TIME', ts: Date.parse('2026-11-25T10:00:25.010Z') })]);
    const polled = liveReducer(pushed, { type: 'polled', strategyId: S1, status: status({ status: 'COMPLETED', phase: 'EXITED_BY_SELL_TIME', next_action_at: null, updated_at: '2026-11-25T10:00:25.000Z' }), receivedAt: 1 });
    expect(polled.strategies[S1]).toMatchObject({ status: 'COMPLETED', phase: 'EXITED_BY_SELL_TIME' });
  });

  it('polling alone drives the phase while the socket is down', () => {
    const s = run([
      { type: 'connection', state: 'reconnecting' },
      { type: 'polled', strategyId: S1, status: status({}), receivedAt: 1 },
      { type: 'polled', strategyId: S1, status: status({ phase: 'BOUGHT', entry_price: 10, updated_at: '2026-11-25T10:00:06.000Z' }), receivedAt: 2 },
    ]);
    expect(s.strategies[S1]).toMatchObject({ phase: 'BOUGHT', entry_price: 10, status: 'RUNNING' });
    expect(s.revision).toBe(2);
  });

  it('an untimed push applies without moving the clock used to reject stale polls', () => {
    const s = run([{ type: 'polled', strategyId: S1, status: status({}), receivedAt: 1 }, msg({ type: 'run.phase', strategy_id: S1, phase: 'BUYING' })]);
    expect(s.strategies[S1]?.phase).toBe('BUYING');
    expect(s.strategies[S1]?.as_of).toBe(Date.parse('2026-11-25T10:00:00.000Z'));
  });

  it('collects alerts, folds repeats of the same problem, and dismisses', () => {
    const a = { type: 'alert', code: 'EXIT_RETRYING', message: 'Sell failed 3 times, still retrying', strategy_id: S1 };
    const s = run([msg(a), msg({ ...a, message: 'Sell failed 4 times, still retrying' }), msg({ type: 'alert', code: 'BROKER_TOKEN_EXPIRED', message: 'Zerodha login expired', broker_id: 'b1' })]);
    expect(s.alerts.map((x) => x.message)).toEqual(['Zerodha login expired', 'Sell failed 4 times, still retrying']);
    const d = liveReducer(s, { type: 'dismiss_alert', id: s.alerts[0]?.id ?? '' });
    expect(d.alerts).toHaveLength(1);
  });

  it('reset forgets everything of the previous user', () => {
    const s = run([msg({ type: 'price', instrument: 'NSE:INFY', ltp: 1, ts: 1 }), { type: 'reset' }]);
    expect(s).toEqual(initialLiveState);
  });

  it('computes distance to stop in rupees and percent', () => {
    expect(distanceToStop(1500, 1450)).toEqual({ rupees: 50, percent: 3.33 });
    expect(distanceToStop(null, 1450)).toBeNull();
  });
});
