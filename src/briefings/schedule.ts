/**
 * Briefings are scheduled in UK time (Europe/London), whatever the server's time zone. Pure.
 */
const ZONE = 'Europe/London';

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The UK wall-clock date and time of an instant, as `YYYY-MM-DD` and `HH:mm`. */
export function ukWallClock(instant: Date): { date: string; time: string } {
  const p = Object.fromEntries(partsFormat.formatToParts(instant).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

export type ScheduleResult = { ok: true; at: Date } | { ok: false; problem: string };

/**
 * The instant a UK date and time refers to. When the clocks go back the hour happens twice and the
 * first is used; when they go forward the missing hour is refused with a plain explanation.
 */
export function fromUkTime(date: string, time: string): ScheduleResult {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(time);
  if (!d || !t) return { ok: false, problem: 'Choose both a date and a time.' };
  const [y, mo, da, h, mi] = [Number(d[1]), Number(d[2]), Number(d[3]), Number(t[1]), Number(t[2])];
  if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59)
    return { ok: false, problem: 'That date or time does not exist.' };
  const asUtc = Date.UTC(y, mo - 1, da, h, mi);
  // The UK is UTC or UTC+1: try both offsets, earliest first, and keep the one that reads back the same.
  for (const offsetHours of [1, 0]) {
    const candidate = new Date(asUtc - offsetHours * 3600_000);
    const back = ukWallClock(candidate);
    if (back.date === date && back.time === `${t[1]}:${t[2]}`) return { ok: true, at: candidate };
  }
  const check = new Date(Date.UTC(y, mo - 1, da));
  if (check.getUTCMonth() !== mo - 1) return { ok: false, problem: 'That date does not exist.' };
  return {
    ok: false,
    problem: `${time} on ${date} does not exist in the UK: the clocks go forward that night. Choose another time.`,
  };
}

/** "Monday 23 November 2026 at 14:05" in UK time. */
export function ukLabel(instant: Date): string {
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone: ZONE,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(instant);
  return `${day.replace(',', '')} at ${ukWallClock(instant).time}`;
}
