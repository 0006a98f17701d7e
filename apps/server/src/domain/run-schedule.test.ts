import { describe, expect, it } from 'vitest';
import { istToEpochMs } from './exchange-time';
import { paise } from './price';
import { armRun, transition } from './run-state-machine';
import { nextActionAt, planRun } from './run-schedule';
import { TradingCalendar } from './trading-calendar';

const nse = new TradingCalendar();
const open = new TradingCalendar({ mode: 'always-open' });
const spec = { buyTime: '09:20:00', sellTime: '15:00:00', quantity: 5, stopLossPaise: paise(100_000) };
const at = (date: string, time: string) => istToEpochMs(date, time);

describe('planRun', () => {
  it('arms today when the buy time is still ahead on a trading day', () => {
    expect(planRun(nse, spec, at('2026-11-25', '08:00:00'))).toEqual({
      tradingDate: '2026-11-25',
      quantity: 5,
      stopLossPaise: 100_000,
      buyAt: at('2026-11-25', '09:20:00'),
      sellAt: at('2026-11-25', '15:00:00'),
      squareOffAt: at('2026-11-25', '15:15:00'),
    });
  });

  it('arms Monday from a Friday evening, and skips a holiday', () => {
    expect(planRun(nse, spec, at('2026-11-27', '18:00:00')).tradingDate).toBe('2026-11-30');
    expect(planRun(nse, spec, at('2026-11-23', '18:00:00')).tradingDate).toBe('2026-11-25');
    expect(planRun(nse, spec, at('2026-12-24', '18:00:00')).tradingDate).toBe('2026-12-28');
  });

  it('never reuses a day that already has a run', () => {
    expect(planRun(nse, spec, at('2026-11-25', '08:00:00'), '2026-11-25').tradingDate).toBe('2026-11-26');
    expect(planRun(nse, spec, at('2026-11-25', '08:00:00'), '2026-11-20').tradingDate).toBe('2026-11-25');
  });

  it('moves the forced exit to the end of the day in always-open mode', () => {
    const late = planRun(open, { ...spec, buyTime: '21:00:00', sellTime: '22:00:00' }, at('2026-11-28', '20:00:00'));
    expect(late.tradingDate).toBe('2026-11-28');
    expect(late.squareOffAt).toBe(at('2026-11-28', '23:59:59'));
    expect(() => armRun({ id: 'r', strategyId: 's', ...late }, 0)).not.toThrow();
  });
});

describe('nextActionAt', () => {
  const armed = armRun({ id: 'r', strategyId: 's', ...planRun(nse, spec, at('2026-11-25', '08:00:00')) }, at('2026-11-25', '08:00:00')).run;

  it('follows the phase: buy time, now while an order is out, sell time in position, nothing when done', () => {
    expect(nextActionAt(armed)).toBe(armed.buyAt);
    const buying = transition(armed, { type: 'BUY_DUE', lastPricePaise: paise(150_000) }, armed.buyAt).run;
    expect(nextActionAt(buying)).toBe(armed.buyAt);
    const bought = transition(buying, { type: 'BUY_FILLED', filledQuantity: 5, averagePricePaise: paise(150_000) }, armed.buyAt + 300).run;
    expect(nextActionAt(bought)).toBe(armed.sellAt);
    const skipped = transition(armed, { type: 'USER_STOP' }, armed.buyAt - 1).run;
    expect(nextActionAt(skipped)).toBeNull();
  });
});
