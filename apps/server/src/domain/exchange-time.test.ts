import { describe, expect, it } from 'vitest';
import {
  addDays,
  formatHms,
  hmsToSeconds,
  istDateOf,
  istSecondsOf,
  istToEpochMs,
  isTradingDateText,
  parseHms,
  weekdayOf,
} from './exchange-time';

describe('HH:MM:SS', () => {
  it('parses valid times to seconds of day', () => {
    expect(parseHms('00:00:00')).toBe(0);
    expect(parseHms('09:15:00')).toBe(9 * 3600 + 15 * 60);
    expect(parseHms('23:59:59')).toBe(86_399);
  });

  it.each(['24:00:00', '9:15:00', '09:15', '09:60:00', '09:15:60', ' 09:15:00', '09:15:00Z', ''])(
    'rejects %j',
    (text) => {
      expect(parseHms(text)).toBeNull();
      expect(() => hmsToSeconds(text)).toThrow(RangeError);
    },
  );

  it('formats seconds back to text', () => {
    expect(formatHms(0)).toBe('00:00:00');
    expect(formatHms(55_800)).toBe('15:30:00');
    expect(() => formatHms(86_400)).toThrow(RangeError);
    expect(() => formatHms(1.5)).toThrow(RangeError);
  });
});

describe('exchange date and epoch', () => {
  it('IST is UTC+05:30', () => {
    expect(istToEpochMs('2026-03-02', '09:15:00')).toBe(Date.parse('2026-03-02T03:45:00Z'));
    expect(istToEpochMs('2026-03-02', 0)).toBe(Date.parse('2026-03-01T18:30:00Z'));
  });

  it('dates an epoch by the exchange clock, not UTC', () => {
    // 20:00 UTC on the 1st is already 01:30 on the 2nd in India.
    expect(istDateOf(Date.parse('2026-03-01T20:00:00Z'))).toBe('2026-03-02');
    expect(istDateOf(Date.parse('2026-03-01T18:29:59.999Z'))).toBe('2026-03-01');
    expect(istSecondsOf(Date.parse('2026-03-01T20:00:00Z'))).toBe(5400);
  });

  it('round-trips across a year end', () => {
    const ts = istToEpochMs('2026-12-31', '23:59:59');
    expect(istDateOf(ts)).toBe('2026-12-31');
    expect(istDateOf(ts + 1000)).toBe('2027-01-01');
  });

  it('validates and steps calendar dates', () => {
    expect(isTradingDateText('2028-02-29')).toBe(true);
    expect(isTradingDateText('2027-02-29')).toBe(false);
    expect(isTradingDateText('2026-1-05')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(weekdayOf('2026-01-02')).toBe(5);
    expect(() => istToEpochMs('2026-02-30', '09:15:00')).toThrow(RangeError);
  });
});
