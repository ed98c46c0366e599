import type { StoredPerson } from '../people/directory';
import { isCompliant, personStatus, SUBJECTS, type Status, type SubjectStatus, type TrainingRules } from './rules';
import type { CompletionEntry } from './store';

/** Pure counting shared by a team's and the organisation's compliance (cards and CSVs). */
export const STATUS_LABEL: Record<Status, string> = {
  compliant: 'in date',
  'due-soon': 'due soon',
  overdue: 'overdue',
  missing: 'missing',
};

/** How many people in a team are in date, due soon and overdue, per subject. */
export interface TeamCounts {
  team: string;
  people: number;
  subjects: {
    subject: (typeof SUBJECTS)[number];
    compliant: number;
    dueSoon: number;
    overdue: number;
    percent: number;
  }[];
}

export interface TeamSummary extends TeamCounts {
  notCompliant: { person: StoredPerson; statuses: SubjectStatus[] }[];
}

export const emptyCounts = (team: string): TeamCounts => ({
  team,
  people: 0,
  subjects: SUBJECTS.map((subject) => ({ subject, compliant: 0, dueSoon: 0, overdue: 0, percent: 0 })),
});

/** Adds one person's statuses (in SUBJECTS order) to a team's counts. */
export function countPerson(counts: TeamCounts, statuses: Pick<SubjectStatus, 'status'>[]): void {
  counts.people++;
  statuses.forEach((s, i) => {
    const row = counts.subjects[i]!;
    if (s.status === 'due-soon') row.dueSoon++;
    if (isCompliant(s)) row.compliant++;
    else row.overdue++;
  });
}

export function withPercents<T extends TeamCounts>(counts: T): T {
  for (const row of counts.subjects)
    row.percent = counts.people ? Math.round((row.compliant / counts.people) * 100) : 100;
  return counts;
}

/** A team's figure: the lowest of its subjects. */
export const lowest = (s: TeamCounts): number => Math.min(...s.subjects.map((x) => x.percent));

/** The person's staff group (which training they need); the first group when theirs is unknown. */
export function groupOf(rules: TrainingRules, person: Pick<StoredPerson, 'staffGroup'>) {
  return rules.staffGroups.find((g) => g.id === person.staffGroup) ?? rules.staffGroups[0]!;
}

/** Pure summary of a set of people, used by the team card and its CSV. */
export function summarise(
  rules: TrainingRules,
  team: string,
  people: StoredPerson[],
  completions: Map<string, CompletionEntry[]>,
  today: string,
): TeamSummary {
  const summary: TeamSummary = { ...emptyCounts(team), notCompliant: [] };
  for (const person of people) {
    const statuses = personStatus(rules, groupOf(rules, person), completions.get(person.id) ?? [], today);
    countPerson(summary, statuses);
    const failing = statuses.filter((s) => !isCompliant(s));
    if (failing.length) summary.notCompliant.push({ person, statuses: failing });
  }
  summary.notCompliant.sort((a, b) => a.person.name.localeCompare(b.person.name));
  return withPercents(summary);
}

/** Today's date (yyyy-mm-dd, UTC) by the given clock. */
export const dayOf = (now: Date): string => now.toISOString().slice(0, 10);
