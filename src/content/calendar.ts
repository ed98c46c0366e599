/**
 * Working days in England and Wales, for the monthly content review. Pure.
 *
 * The bank holidays that can fall in the first days of a month are worked out from their rules
 * as GOV.UK lists them ("UK bank holidays", https://www.gov.uk/bank-holidays), written from those
 * rules rather than downloaded (the bot has no network at run time); review by 1 December 2027:
 * New Year's Day (1 January, or the next Monday when it falls at a weekend), Good Friday and
 * Easter Monday (from the date of Easter Sunday), and the early May bank holiday (the first
 * Monday in May). The limit: a one-off bank holiday declared by proclamation, or a holiday moved
 * for a particular year (as the early May holiday was in 2020), is not known here, so in such a
 * month the review card may come on that holiday. The other bank holidays (the spring and summer
 * holidays, Christmas and Boxing Day) never fall in a month's first working days.
 */
const ZONE = 'Europe/London';
const parts = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });

/** The UK date of an instant (`YYYY-MM-DD`) and its hour (0-23), in Europe/London. */
export function ukDateAndHour(instant: Date): { date: string; hour: number } {
  const p = Object.fromEntries(parts.formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) };
}

const iso = (y: number, m: number, d: number) => new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10);

/** Easter Sunday in the Gregorian calendar (the "anonymous" computus), as `YYYY-MM-DD`. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

const addDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

/** The bank holidays of a year that can fall at the start of a month (see the note above). */
export function startOfMonthBankHolidays(year: number): Set<string> {
  const out = new Set<string>();
  const newYear = iso(year, 1, 1);
  const nyDay = weekday(newYear);
  out.add(nyDay === 6 ? addDays(newYear, 2) : nyDay === 0 ? addDays(newYear, 1) : newYear);
  const easter = easterSunday(year);
  out.add(addDays(easter, -2));
  out.add(addDays(easter, 1));
  const may1 = iso(year, 5, 1);
  out.add(addDays(may1, (8 - weekday(may1)) % 7));
  return out;
}

/** The first Monday to Friday of a month that is not a bank holiday, as `YYYY-MM-DD` (month 1-12). */
export function firstWorkingDay(year: number, month: number): string {
  const holidays = startOfMonthBankHolidays(year);
  let date = iso(year, month, 1);
  while (weekday(date) === 0 || weekday(date) === 6 || holidays.has(date)) date = addDays(date, 1);
  return date;
}
