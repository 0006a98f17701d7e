/**
 * NSE equity (capital market and F&O) trading holidays that fall on weekdays. Weekend holidays are
 * left out because weekends are closed anyway.
 *
 * Replace a year's list when NSE publishes its circular (usually mid-December for the next year),
 * and add any special closures NSE announces during the year (elections, for example).
 */
export interface ExchangeHoliday {
  date: string;
  name: string;
}

/** NSE circular for 2025 (14 weekday holidays). */
const NSE_2025: readonly ExchangeHoliday[] = [
  { date: '2025-02-26', name: 'Mahashivratri' },
  { date: '2025-03-14', name: 'Holi' },
  { date: '2025-03-31', name: 'Id-Ul-Fitr (Ramadan Eid)' },
  { date: '2025-04-10', name: 'Shri Mahavir Jayanti' },
  { date: '2025-04-14', name: 'Dr. Baba Saheb Ambedkar Jayanti' },
  { date: '2025-04-18', name: 'Good Friday' },
  { date: '2025-05-01', name: 'Maharashtra Day' },
  { date: '2025-08-15', name: 'Independence Day' },
  { date: '2025-08-27', name: 'Ganesh Chaturthi' },
  { date: '2025-10-02', name: 'Mahatma Gandhi Jayanti / Dussehra' },
  { date: '2025-10-21', name: 'Diwali Laxmi Pujan' },
  { date: '2025-10-22', name: 'Diwali Balipratipada' },
  { date: '2025-11-05', name: 'Prakash Gurpurb Sri Guru Nanak Dev' },
  { date: '2025-12-25', name: 'Christmas' },
];

/**
 * NSE circular for 2026 (15 weekday holidays), plus 15 January, which NSE declared a trading
 * holiday in January 2026 for the Maharashtra municipal corporation elections.
 */
const NSE_2026: readonly ExchangeHoliday[] = [
  { date: '2026-01-15', name: 'Municipal Corporation Elections in Maharashtra' },
  { date: '2026-01-26', name: 'Republic Day' },
  { date: '2026-03-03', name: 'Holi' },
  { date: '2026-03-26', name: 'Shri Ram Navami' },
  { date: '2026-03-31', name: 'Shri Mahavir Jayanti' },
  { date: '2026-04-03', name: 'Good Friday' },
  { date: '2026-04-14', name: 'Dr. Baba Saheb Ambedkar Jayanti' },
  { date: '2026-05-01', name: 'Maharashtra Day' },
  { date: '2026-05-28', name: 'Bakri Id' },
  { date: '2026-06-26', name: 'Muharram' },
  { date: '2026-09-14', name: 'Ganesh Chaturthi' },
  { date: '2026-10-02', name: 'Mahatma Gandhi Jayanti' },
  { date: '2026-10-20', name: 'Dussehra' },
  { date: '2026-11-10', name: 'Diwali Balipratipada' },
  { date: '2026-11-24', name: 'Prakash Gurpurb Sri Guru Nanak Dev' },
  { date: '2026-12-25', name: 'Christmas' },
];

/**
 * PROVISIONAL: NSE had not published its 2027 list when this was written. Fixed-date holidays
 * (Republic Day, Ambedkar Jayanti) and Good Friday (Easter 2027 is 28 March) are certain; the lunar
 * festivals are our estimate from the Hindu and Islamic calendars and may move by a day. Festivals
 * that fall on a weekend in 2027 (Mahashivratri 6 Mar, Maharashtra Day, Independence Day, Ganesh
 * Chaturthi 4 Sep, Gandhi Jayanti, Dussehra 9 Oct, Balipratipada 30 Oct, Guru Nanak Jayanti 14 Nov,
 * Christmas) are omitted.
 */
const NSE_2027_PROVISIONAL: readonly ExchangeHoliday[] = [
  { date: '2027-01-26', name: 'Republic Day' },
  { date: '2027-03-10', name: 'Id-Ul-Fitr (Ramadan Eid) (provisional)' },
  { date: '2027-03-22', name: 'Holi (provisional)' },
  { date: '2027-03-26', name: 'Good Friday' },
  { date: '2027-04-14', name: 'Dr. Baba Saheb Ambedkar Jayanti' },
  { date: '2027-04-15', name: 'Shri Ram Navami (provisional)' },
  { date: '2027-04-19', name: 'Shri Mahavir Jayanti (provisional)' },
  { date: '2027-05-17', name: 'Bakri Id (provisional)' },
  { date: '2027-06-16', name: 'Muharram (provisional)' },
  { date: '2027-10-29', name: 'Diwali Laxmi Pujan (provisional)' },
];

export const NSE_HOLIDAYS: readonly ExchangeHoliday[] = [...NSE_2025, ...NSE_2026, ...NSE_2027_PROVISIONAL];

/** Years whose list is taken from a published NSE circular. */
export const NSE_CONFIRMED_YEARS: readonly number[] = [2025, 2026];

/** Years for which we hold holiday data at all; beyond these only weekends are known closed. */
export const NSE_HOLIDAY_YEARS: readonly number[] = [2025, 2026, 2027];
