import { describe, expect, it } from 'vitest';
import { istToEpochMs } from './exchange-time';
import { NSE_HOLIDAYS } from './nse-holidays';
import { TradingCalendar } from './trading-calendar';

const nse = new TradingCalendar();
const at = (date: string, time: string) => istToEpochMs(date, time);

describe('NSE trading days', () => {
  it('closes on weekends', () => {
    expect(nse.isTradingDay('2026-03-07')).toBe(false); // Saturday
    expect(nse.isTradingDay('2026-03-08')).toBe(false); // Sunday
    expect(nse.isTradingDay('2026-03-09')).toBe(true);
  });

  it.each([
    ['2025-02-26', 'Mahashivratri'],
    ['2025-10-21', 'Diwali Laxmi Pujan'],
    ['2025-12-25', 'Christmas'],
    ['2026-01-15', 'Municipal Corporation Elections in Maharashtra'],
    ['2026-01-26', 'Republic Day'],
    ['2026-03-03', 'Holi'],
    ['2026-12-25', 'Christmas'],
    ['2027-01-26', 'Republic Day'],
  ])('closes on the holiday %s', (date, name) => {
    expect(nse.isTradingDay(date)).toBe(false);
    expect(nse.holidayName(date)).toBe(name);
  });

  it('holds only weekday holidays, each once', () => {
    const dates = NSE_HOLIDAYS.map((h) => h.date);
    expect(new Set(dates).size).toBe(dates.length);
    for (const d of dates) expect([0, 6]).not.toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
  });

  it('knows which years it has data for', () => {
    expect(nse.hasHolidayData('2027-06-01')).toBe(true);
    expect(nse.hasHolidayData('2028-06-01')).toBe(false);
  });
});

describe('nextTradingDay', () => {
  it('skips the weekend from Friday', () => {
    expect(nse.nextTradingDay('2026-03-06')).toBe('2026-03-09');
  });

  it('skips a holiday', () => {
    expect(nse.nextTradingDay('2026-03-02')).toBe('2026-03-04'); // Holi on Tue 3 Mar
  });

  it('skips a Friday holiday and the weekend together', () => {
    expect(nse.nextTradingDay('2026-04-02')).toBe('2026-04-06'); // Good Friday 3 Apr
  });

  it('crosses the year boundary', () => {
    expect(nse.nextTradingDay('2026-12-31')).toBe('2027-01-01');
    expect(nse.nextTradingDay('2025-12-31')).toBe('2026-01-01');
    expect(nse.nextTradingDay('2026-12-24')).toBe('2026-12-28'); // Christmas Friday + weekend
  });
});

describe('isOpen', () => {
  it('is open from 09:15:00 up to, not including, 15:30:00', () => {
    expect(nse.isOpen(at('2026-03-04', '09:14:59'))).toBe(false);
    expect(nse.isOpen(at('2026-03-04', '09:15:00'))).toBe(true);
    expect(nse.isOpen(at('2026-03-04', '15:29:59'))).toBe(true);
    expect(nse.isOpen(at('2026-03-04', '15:30:00'))).toBe(false);
  });

  it('is closed all day on holidays and weekends', () => {
    expect(nse.isOpen(at('2026-03-03', '11:00:00'))).toBe(false);
    expect(nse.isOpen(at('2026-03-07', '11:00:00'))).toBe(false);
  });
});

describe('nextSessionFor (where a started strategy arms)', () => {
  it('arms today when the buy time is still ahead', () => {
    expect(nse.nextSessionFor(at('2026-03-04', '09:00:00'), '09:20:00')).toEqual({
      date: '2026-03-04',
      buyAt: at('2026-03-04', '09:20:00'),
    });
  });

  it('arms for the next trading day once the buy time has passed (or is now)', () => {
    expect(nse.nextSessionFor(at('2026-03-04', '09:20:00'), '09:20:00').date).toBe('2026-03-05');
    expect(nse.nextSessionFor(at('2026-03-04', '10:00:00'), '09:20:00').date).toBe('2026-03-05');
  });

  it('started on a Friday evening, arms for Monday with the right next_action_at', () => {
    const next = nse.nextSessionFor(at('2026-03-06', '18:45:00'), '09:20:00');
    expect(next).toEqual({ date: '2026-03-09', buyAt: Date.parse('2026-03-09T03:50:00Z') });
  });

  it('started the day before a holiday, arms after the holiday', () => {
    const next = nse.nextSessionFor(at('2026-03-02', '16:00:00'), '10:00:00');
    expect(next).toEqual({ date: '2026-03-04', buyAt: at('2026-03-04', '10:00:00') });
  });

  it('started on a holiday morning, arms for the next trading day', () => {
    expect(nse.nextSessionFor(at('2026-01-26', '08:00:00'), '09:30:00').date).toBe('2026-01-27');
  });

  it('started on New Year’s Eve after hours, arms on 1 January', () => {
    expect(nse.nextSessionFor(at('2026-12-31', '20:00:00'), '09:30:00').date).toBe('2027-01-01');
  });
});

describe('always-open mode', () => {
  const open = new TradingCalendar({ mode: 'always-open' });

  it('trades every day at every hour', () => {
    expect(open.isTradingDay('2026-03-07')).toBe(true);
    expect(open.isTradingDay('2026-03-03')).toBe(true);
    expect(open.isOpen(at('2026-03-08', '02:00:00'))).toBe(true);
    expect(open.nextTradingDay('2026-03-06')).toBe('2026-03-07');
    expect(open.withinSession(0)).toBe(true);
  });

  it('arms on the same Saturday night', () => {
    expect(open.nextSessionFor(at('2026-03-07', '22:00:00'), '23:00:00').date).toBe('2026-03-07');
  });
});

describe('configuration', () => {
  it('uses a configurable cutoff', () => {
    const cal = new TradingCalendar({ squareOffCutoff: '15:20:00' });
    expect(cal.squareOffCutoff).toBe('15:20:00');
    expect(cal.squareOffAt('2026-03-04')).toBe(at('2026-03-04', '15:20:00'));
    expect(nse.squareOffCutoff).toBe('15:15:00');
  });

  it('rejects a cutoff outside the session and a backwards session', () => {
    expect(() => new TradingCalendar({ squareOffCutoff: '15:45:00' })).toThrow(RangeError);
    expect(() => new TradingCalendar({ session: { open: '15:30:00', close: '09:15:00' } })).toThrow(RangeError);
  });
});
