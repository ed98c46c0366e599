/**
 * What happened to each reminder, in words a manager or lead can act on: who was reminded, who
 * had been already this week, and who cannot be reached and why.
 */
export type ReminderOutcomeKind = 'reminded' | 'already' | 'not-in-teams' | 'no-chat' | 'failed';

export interface ReminderOutcome {
  name: string;
  outcome: ReminderOutcomeKind;
}

export const WHY: Record<Exclude<ReminderOutcomeKind, 'reminded' | 'already'>, string> = {
  'no-chat': 'has not opened a chat with the bot yet',
  'not-in-teams': 'has no Teams account in the staff list',
  failed: 'did not get it: the message did not go through (they may have blocked the bot or deleted the chat)',
};

export const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;

/** A list of names: "A", "A and B", "A, B and C", then "and N more". */
export function nameList(names: readonly string[], max = 8): string {
  const sorted = [...names].sort((a, b) => a.localeCompare(b));
  const shown = sorted.slice(0, max);
  const more = sorted.length - shown.length;
  const items = more > 0 ? [...shown, `${more} more`] : shown;
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * "Reminded 2 people in Continuing Care: A and B. 1 person already had a reminder in the last
 * 7 days: C. 2 people cannot be reached: D has not opened a chat with the bot yet; E has no Teams
 * account in the staff list." Names only when `named` (a 1:1 chat).
 */
export function reminderSummary(
  outcomes: readonly ReminderOutcome[],
  opts: { where?: string; named: boolean },
): string {
  const of = (k: ReminderOutcomeKind) => outcomes.filter((o) => o.outcome === k).map((o) => o.name);
  const reminded = of('reminded');
  const already = of('already');
  const names = (list: string[]) => (opts.named && list.length ? `: ${nameList(list)}` : '');
  const parts = [`Reminded ${people(reminded.length)}${opts.where ?? ''}${names(reminded)}.`];
  if (already.length)
    parts.push(`${people(already.length)} already had a reminder in the last 7 days, so not again${names(already)}.`);
  const unreachable = (['no-chat', 'not-in-teams', 'failed'] as const).filter((k) => of(k).length > 0);
  const total = unreachable.reduce((n, k) => n + of(k).length, 0);
  if (total) {
    const why = unreachable.map((k) => `${opts.named ? nameList(of(k)) : of(k).length} ${WHY[k]}`);
    parts.push(`${people(total)} cannot be reached, so no reminder was used up: ${why.join('; ')}.`);
  }
  if (outcomes.length === 0) return `Nobody${opts.where ?? ''} needs a reminder.`;
  return parts.join(' ');
}
