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
  type TradingDate,
} from './exchange-time';
import { NSE_HOLIDAYS, NSE_HOLIDAY_YEARS, type ExchangeHoliday } from './nse-holidays';

/** `exchange` follows NSE days and hours; `always-open` trades every day at any hour (demos, tests). */
export type CalendarMode = 'exchange' | 'always-open';
export const CALENDAR_MODES: readonly CalendarMode[] = ['exchange', 'always-open'];

/** Session bounds as exchange-local `HH:MM:SS`. */
export interface SessionHours {
  open: string;
  close: string;
}

export const NSE_SESSION: SessionHours = { open: '09:15:00', close: '15:30:00' };
/** Brokers auto square-off intraday (MIS) positions shortly after this, so our exits must be done by then. */
export const DEFAULT_SQUARE_OFF_CUTOFF = '15:15:00';

export interface TradingCalendarOptions {
  mode?: CalendarMode;
  session?: SessionHours;
  squareOffCutoff?: string;
  holidays?: readonly ExchangeHoliday[];
  /** Years the holiday list covers; used only to report coverage. */
  holidayYears?: readonly number[];
}

/** The first trading date whose buy time is still ahead, and that moment as epoch ms. */
export interface NextSession {
  date: TradingDate;
  buyAt: number;
}

// Longest real closure is a few days; a year of searching means the holiday data is broken.
const MAX_SEARCH_DAYS = 366;

export class TradingCalendar {
  readonly mode: CalendarMode;
  readonly session: Readonly<SessionHours>;
  readonly squareOffCutoff: string;
  private readonly openSeconds: number;
  private readonly closeSeconds: number;
  private readonly holidays: ReadonlyMap<TradingDate, string>;
  private readonly holidayYears: ReadonlySet<number>;

  constructor(options: TradingCalendarOptions = {}) {
    this.mode = options.mode ?? 'exchange';
    this.session = { ...(options.session ?? NSE_SESSION) };
    this.squareOffCutoff = options.squareOffCutoff ?? DEFAULT_SQUARE_OFF_CUTOFF;

    const open = parseHms(this.session.open);
    const close = parseHms(this.session.close);
    const cutoff = parseHms(this.squareOffCutoff);
    if (open === null || close === null || open >= close) {
      throw new RangeError(`invalid session ${this.session.open}-${this.session.close}`);
    }
    if (cutoff === null || cutoff <= open || cutoff > close) {
      throw new RangeError(`square-off cutoff ${this.squareOffCutoff} must fall inside the session`);
    }
    this.openSeconds = open;
    this.closeSeconds = close;

    const holidays = new Map<TradingDate, string>();
    for (const h of options.holidays ?? NSE_HOLIDAYS) {
      if (!isTradingDateText(h.date)) throw new RangeError(`invalid holiday date ${h.date}`);
      holidays.set(h.date, h.name);
    }
    this.holidays = holidays;
    this.holidayYears = new Set(options.holidayYears ?? NSE_HOLIDAY_YEARS);
  }

  get alwaysOpen(): boolean {
    return this.mode === 'always-open';
  }

  isTradingDay(date: TradingDate): boolean {
    if (this.alwaysOpen) {
      if (!isTradingDateText(date)) throw new RangeError(`not a YYYY-MM-DD date: ${date}`);
      return true;
    }
    const wd = weekdayOf(date);
    return wd !== 0 && wd !== 6 && !this.holidays.has(date);
  }

  /** The holiday's name when `date` is an exchange holiday, else null. */
  holidayName(date: TradingDate): string | null {
    return this.holidays.get(date) ?? null;
  }

  /**
   * False for a year we hold no holiday list for: such dates are treated as open on weekdays, so
   * operations should be alerted before the year begins.
   */
  hasHolidayData(date: TradingDate): boolean {
    return this.alwaysOpen || this.holidayYears.has(Number(date.slice(0, 4)));
  }

  /** Whether the market is in its continuous session at `ts`: [open, close). */
  isOpen(ts: number): boolean {
    if (this.alwaysOpen) return true;
    if (!this.isTradingDay(istDateOf(ts))) return false;
    const s = istSecondsOf(ts);
    return s >= this.openSeconds && s < this.closeSeconds;
  }

  /** The first trading day strictly after `date`. */
  nextTradingDay(date: TradingDate): TradingDate {
    let d = date;
    for (let i = 0; i < MAX_SEARCH_DAYS; i++) {
      d = addDays(d, 1);
      if (this.isTradingDay(d)) return d;
    }
    throw new RangeError(`no trading day within a year after ${date}`);
  }

  /** `date` itself when it trades, else the next trading day. */
  tradingDayOnOrAfter(date: TradingDate): TradingDate {
    return this.isTradingDay(date) ? date : this.nextTradingDay(date);
  }

  /**
   * Where a strategy started at `ts` with `buyTime` arms: today if today trades and the buy time is
   * still strictly ahead, otherwise the next trading day.
   */
  nextSessionFor(ts: number, buyTime: string): NextSession {
    const buySeconds = hmsToSeconds(buyTime);
    let date = this.tradingDayOnOrAfter(istDateOf(ts));
    if (istToEpochMs(date, buySeconds) <= ts) date = this.nextTradingDay(date);
    return { date, buyAt: istToEpochMs(date, buySeconds) };
  }

  /** Epoch ms of the square-off cutoff on `date`. */
  squareOffAt(date: TradingDate): number {
    return istToEpochMs(date, this.squareOffCutoff);
  }

  /** Whether an exchange-local time lies within the session, ends included (times are validated with this). */
  withinSession(secondsOfDay: number): boolean {
    return this.alwaysOpen || (secondsOfDay >= this.openSeconds && secondsOfDay <= this.closeSeconds);
  }

  describeSession(): string {
    return `${formatHms(this.openSeconds)} to ${formatHms(this.closeSeconds)}`;
  }
}
