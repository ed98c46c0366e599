import { ukDate } from '../chat/format';
import { SUBJECTS, Subject, SUBJECT_LABELS, TrainingRules, StaffGroup } from './rulesFile';
export { SUBJECTS, SUBJECT_LABELS, StaffGroup, Subject, TrainingRules, loadTrainingRules } from './rulesFile';

/**
 * Safeguarding training rules (content/training/rules.json) and the pure engine that says whether
 * a person is compliant for children, adults and Prevent on a given day.
 */

export interface Completion {
  subject: Subject;
  level: number;
  completedOn: string; // YYYY-MM-DD
  hours: number;
  /** Self-recorded completions count only once confirmed. */
  confirmed?: boolean;
}

export type Status = 'compliant' | 'due-soon' | 'overdue' | 'missing';

export interface SubjectStatus {
  subject: Subject;
  required: number;
  requiredLabel: string;
  held?: number;
  hours: number;
  minHours: number;
  expires?: string;
  status: Status;
  reasons: string[];
  nextStep: string;
}

/** Adds whole years to a date; 29 February becomes 28 February in a year that has none. */
export function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const target = y + years;
  const lastDay = new Date(Date.UTC(target, m, 0)).getUTCDate();
  return `${target}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Adds whole days to a date. */
function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function levelLabel(rules: TrainingRules, subject: Subject, level: number): string {
  return rules.levels[subject].find((l) => l.level === level)?.label ?? `level ${level}`;
}

/** The dates every status on `today` is measured against, worked out once per day rather than per person. */
interface Day {
  rules: TrainingRules;
  today: string;
  oneYearAgo: string;
  /** An expiry on or before this date is due soon. */
  dueSoonUntil: string;
  /** The start of the rolling period, by its length in years. */
  periodStart: Map<number, string>;
  /** Expiry dates, by `completedOn+years`: the same few thousand dates come up for everyone. */
  expiries: Map<string, string>;
}
let lastDay: Day | undefined;

function dayOf(rules: TrainingRules, today: string): Day {
  if (lastDay?.rules !== rules || lastDay.today !== today) {
    lastDay = {
      rules,
      today,
      oneYearAgo: addYears(today, -1),
      dueSoonUntil: addDays(today, rules.dueSoonDays),
      periodStart: new Map(),
      expiries: new Map(),
    };
  }
  return lastDay;
}

function cached<K>(cache: Map<K, string>, key: K, make: () => string): string {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

type LevelRule = TrainingRules['levels'][Subject][number];

/** What the rules say about one subject, without the words: cheap enough to run for a whole organisation. */
export interface SubjectFacts {
  subject: Subject;
  required: number;
  rule: LevelRule;
  held?: number;
  hours: number;
  expires?: string;
  expired: boolean;
  hoursShort: boolean;
  noUpdate: boolean;
  status: Status;
}

export function subjectFacts(
  rules: TrainingRules,
  group: StaffGroup,
  subject: Subject,
  completions: readonly Completion[],
  today: string,
): SubjectFacts {
  const day = dayOf(rules, today);
  const required = group[subject];
  const rule = rules.levels[subject].find((l) => l.level === required)!;
  const periodStart = cached(day.periodStart, rule.refreshYears, () => addYears(today, -rule.refreshYears));

  // One pass over the person's courses: confirmed ones in this subject, done by today.
  let held: number | undefined;
  let latestQualifying: string | undefined;
  let hours = 0;
  let updatedThisYear = false;
  for (const c of completions) {
    if (c.subject !== subject || c.confirmed === false || c.completedOn > today) continue;
    if (held === undefined || c.level > held) held = c.level;
    if (c.completedOn > day.oneYearAgo) updatedThisYear = true;
    if (c.level < required) continue; // a higher level covers a lower requirement, not the reverse
    if (latestQualifying === undefined || c.completedOn > latestQualifying) latestQualifying = c.completedOn;
    if (c.completedOn > periodStart) hours += c.hours;
  }
  if (latestQualifying === undefined) {
    return {
      subject,
      required,
      rule,
      held,
      hours,
      expires: undefined,
      expired: false,
      hoursShort: false,
      noUpdate: false,
      status: held ? 'overdue' : 'missing',
    };
  }
  const expires = cached(day.expiries, `${latestQualifying}+${rule.refreshYears}`, () =>
    addYears(latestQualifying!, rule.refreshYears),
  );
  const expired = expires <= today;
  const hoursShort = hours < rule.minHours;
  const noUpdate = rule.annualUpdate && !updatedThisYear;
  const status = expired || hoursShort || noUpdate ? 'overdue' : expires <= day.dueSoonUntil ? 'due-soon' : 'compliant';
  return { subject, required, rule, held, hours, expires, expired, hoursShort, noUpdate, status };
}

/** One subject's status for a person on `today` (YYYY-MM-DD), with the reasons and the next step in words. */
export function subjectStatus(
  rules: TrainingRules,
  group: StaffGroup,
  subject: Subject,
  completions: readonly Completion[],
  today: string,
): SubjectStatus {
  const f = subjectFacts(rules, group, subject, completions, today);
  const { required, rule, held, hours, expires } = f;
  const requiredLabel = levelLabel(rules, subject, required);
  // Written out rather than spread from a common base: spreading made this ten times slower.
  const status = (reasons: string[], nextStep: string): SubjectStatus => ({
    subject,
    required,
    requiredLabel,
    held,
    hours,
    minHours: rule.minHours,
    expires,
    status: f.status,
    reasons,
    nextStep,
  });
  if (expires === undefined) {
    return status(
      [
        held
          ? `${levelLabel(rules, subject, held)} held, ${requiredLabel} required`
          : `no ${requiredLabel} training recorded`,
      ],
      `Book ${SUBJECT_LABELS[subject].toLowerCase()} ${requiredLabel} training.`,
    );
  }
  if (f.status === 'overdue') {
    const reasons: string[] = [];
    if (f.expired) reasons.push(`${requiredLabel} expired on ${ukDate(expires)}`);
    if (f.hoursShort) reasons.push(`${hours} of ${rule.minHours} hours in the last ${rule.refreshYears} years`);
    if (f.noUpdate) reasons.push('no update in the last 12 months');
    return status(
      reasons,
      f.expired
        ? `Book ${requiredLabel} refresher training.`
        : f.hoursShort
          ? 'Complete more learning at your level and record it.'
          : 'Complete this year’s safeguarding update and record it.',
    );
  }
  if (f.status === 'due-soon')
    return status(
      [`${requiredLabel} expires on ${ukDate(expires)}`],
      `Book ${requiredLabel} refresher training before ${ukDate(expires)}.`,
    );
  return status([], `Nothing to do until ${ukDate(expires)} (keep your annual updates going).`);
}

export function personStatus(
  rules: TrainingRules,
  group: StaffGroup,
  completions: readonly Completion[],
  today: string,
): SubjectStatus[] {
  return SUBJECTS.map((s) => subjectStatus(rules, group, s, completions, today));
}

/** Each subject's facts (in SUBJECTS order), for counting without the words. */
export function personFacts(
  rules: TrainingRules,
  group: StaffGroup,
  completions: readonly Completion[],
  today: string,
): SubjectFacts[] {
  return SUBJECTS.map((s) => subjectFacts(rules, group, s, completions, today));
}

/** Compliant includes due soon: they are in date today. */
export const isCompliant = (s: Pick<SubjectStatus, 'status'>) => s.status === 'compliant' || s.status === 'due-soon';
