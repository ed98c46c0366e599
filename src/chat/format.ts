/** Dates and counts as people read them: UK dates ("15 June 2026"), and "1 practice", "2 practices". */

/**
 * One formatter for every UK date, made once: `toLocaleDateString` builds a new Intl formatter on
 * every call (about 30 µs, the costliest step of a `my training` turn's card), and the same few
 * dates come back again and again, so each is also remembered (a bounded cache).
 */
const UK_DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
const ukDates = new Map<string, string>();

/** A calendar date (YYYY-MM-DD) as a UK date: 15 June 2026. Anything else is returned as it is. */
export function ukDate(iso: string | undefined): string {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso ?? '';
  let text = ukDates.get(iso);
  if (text === undefined) {
    text = UK_DATE.format(new Date(`${iso}T12:00:00Z`));
    if (ukDates.size >= 5000) ukDates.clear();
    ukDates.set(iso, text);
  }
  return text;
}

/** "1 practice", "3 practices". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}
