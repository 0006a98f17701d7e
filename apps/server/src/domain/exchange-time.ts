/**
 * Exchange time for Indian markets. Asia/Kolkata has been a fixed UTC+05:30 with no daylight saving
 * since 1945, so a constant offset is exact and keeps the domain free of tz databases and I/O.
 */
export const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;

const DAY_MS = 86_400_000;

/** `HH:MM:SS`, 24-hour, exchange-local. Shared shape with the API schema in @ats/contracts. */
export const HMS_PATTERN = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A trading date as `YYYY-MM-DD` in exchange time. */
export type TradingDate = string;

/** Seconds since exchange-local midnight of `HH:MM:SS`, or null when the text is not a valid time. */
export function parseHms(text: string): number | null {
  const m = HMS_PATTERN.exec(text);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Like `parseHms` for values that were already validated; a bad value here is a programming error. */
export function hmsToSeconds(text: string): number {
  const s = parseHms(text);
  if (s === null) throw new RangeError(`not an HH:MM:SS time: ${text}`);
  return s;
}

export function formatHms(secondsOfDay: number): string {
  if (!Number.isInteger(secondsOfDay) || secondsOfDay < 0 || secondsOfDay >= 86_400) {
    throw new RangeError(`seconds of day out of range: ${secondsOfDay}`);
  }
  const h = Math.floor(secondsOfDay / 3600);
  const m = Math.floor((secondsOfDay % 3600) / 60);
  const s = secondsOfDay % 60;
  return `${pad2(h)}:${pad2(m)}:${pad2(s)}`;
}

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2026-02-30). */
export function isTradingDateText(text: string): boolean {
  const m = DATE_PATTERN.exec(text);
  if (!m) return false;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(utc).toISOString().slice(0, 10) === text;
}

/** Epoch ms of exchange-local midnight starting `date`. */
function midnightUtcMs(date: TradingDate): number {
  if (!isTradingDateText(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return Date.parse(`${date}T00:00:00Z`) - IST_OFFSET_MS;
}

/** Epoch ms of `time` (HH:MM:SS or seconds of day) on exchange date `date`. */
export function istToEpochMs(date: TradingDate, time: string | number): number {
  const seconds = typeof time === 'number' ? time : hmsToSeconds(time);
  return midnightUtcMs(date) + seconds * 1000;
}

/** The exchange-local date on which epoch ms `ts` falls. */
export function istDateOf(ts: number): TradingDate {
  return new Date(ts + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Seconds since exchange-local midnight at epoch ms `ts` (milliseconds truncated). */
export function istSecondsOf(ts: number): number {
  const msOfDay = (((ts + IST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(msOfDay / 1000);
}

export function addDays(date: TradingDate, days: number): TradingDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday, for the exchange-local date. */
export function weekdayOf(date: TradingDate): number {
  if (!isTradingDateText(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
