/** Dates and counts as people read them: UK dates ("15 June 2026"), and "1 practice", "2 practices". */

/** A calendar date (YYYY-MM-DD) as a UK date: 15 June 2026. Anything else is returned as it is. */
export function ukDate(iso: string | undefined): string {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso ?? '';
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

/** "1 practice", "3 practices". */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}
