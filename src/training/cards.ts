import { md } from '../cards/markdown';
import { card, type Fact } from '../cards/render';
import { ukDate } from '../chat/format';
import type { Reply } from '../chat/types';
import { lowest, STATUS_LABEL, type TeamCounts, type TeamSummary } from './compliance';
import { SUBJECT_LABELS, type Status, type SubjectStatus } from './rules';

/**
 * The training cards, each declared with the data its template under cards/training/ reads, and
 * built here alone. (Card data are type aliases, not interfaces: `card()` hands them on as a record.)
 */
export type MineCardData = {
  pending: string;
  who: string;
  subjects: { title: string; statusLabel: string; style: string; nextStep: string; facts: Fact[] }[];
};

/** Bars are drawn as column widths: a width of 0 leaves its column out. */
interface Bars {
  compliantWidth: number;
  dueSoonWidth: number;
  overdueWidth: number;
}

export type TeamCardData = {
  /** The team as the staff list spells it: the remind and CSV buttons carry it. */
  team: string;
  teamLabel: string;
  peopleLabel: string;
  target: number;
  today: string;
  subjects: (Bars & {
    title: string;
    percent: number;
    verdict: string;
    compliant: number;
    dueSoon: number;
    overdue: number;
  })[];
  rows: { name: string; reason: string }[];
  more: string;
};

export type OrganisationCardData = {
  target: number;
  today: string;
  headline: string;
  /** `team` opens that team's card. */
  teams: (Bars & { team: string; line: string; percent: number; color: string })[];
  more: string;
  csvLine: string;
};

export type RecordCardData = {
  today: string;
  problems: string;
  subject: string;
  level: string;
  completedOn: string;
  hours: string;
  provider: string;
};

export type ConfirmCardData = {
  who: string;
  employeeId: string;
  recordId: string;
  facts: Fact[];
};

declare module '../cards/render' {
  interface CardTemplates {
    'training/mine': MineCardData;
    'training/team': TeamCardData;
    'training/organisation': OrganisationCardData;
    'training/record': RecordCardData;
    'training/confirm': ConfirmCardData;
  }
}

const STATUS_STYLE: Record<Status, string> = {
  compliant: 'good',
  'due-soon': 'warning',
  overdue: 'attention',
  missing: 'attention',
};

/** A person's own training, subject by subject; `pending` lists what waits for their manager. */
export function mineReply(who: string, statuses: SubjectStatus[], pending: string): Reply {
  return {
    card: card('training/mine', {
      pending,
      who,
      subjects: statuses.map((s) => ({
        title: SUBJECT_LABELS[s.subject],
        statusLabel: STATUS_LABEL[s.status],
        style: STATUS_STYLE[s.status],
        nextStep: s.nextStep,
        facts: [
          { title: 'Required', value: s.requiredLabel },
          { title: 'Held', value: s.held ? `level ${s.held}` : 'none recorded' },
          ...(s.minHours > 0 ? [{ title: 'Hours (3 years)', value: `${s.hours} of ${s.minHours}` }] : []),
          { title: 'Expires', value: s.expires ? ukDate(s.expires) : 'not applicable' },
          ...(s.reasons.length ? [{ title: 'Why', value: s.reasons.join('; ') }] : []),
        ],
      })),
    }),
    fallbackText: statuses.map((s) => `${SUBJECT_LABELS[s.subject]}: ${STATUS_LABEL[s.status]}`).join('; '),
  };
}

/** A team's compliance per subject against the target, and one row per person not compliant (30 shown). */
export function teamReply(summary: TeamSummary, target: number, today: string): Reply {
  const rows = summary.notCompliant.map(({ person, statuses }) => ({
    name: md(person.name),
    reason: statuses.map((s) => `${SUBJECT_LABELS[s.subject]}: ${s.reasons.join('; ')}`).join('. '),
  }));
  return {
    card: card('training/team', {
      team: summary.team,
      teamLabel: md(summary.team),
      peopleLabel: `${summary.people} ${summary.people === 1 ? 'person' : 'people'}`,
      target,
      today: ukDate(today),
      subjects: summary.subjects.map((s) => ({
        title: SUBJECT_LABELS[s.subject],
        percent: s.percent,
        verdict: s.percent >= target ? '(meets the target)' : '(below the target)',
        compliant: s.compliant,
        dueSoon: s.dueSoon,
        overdue: s.overdue,
        compliantWidth: s.compliant - s.dueSoon,
        dueSoonWidth: s.dueSoon,
        overdueWidth: s.overdue,
      })),
      rows: rows.slice(0, 30),
      more: rows.length > 30 ? `And ${rows.length - 30} more.` : '',
    }),
    fallbackText: `Training compliance for ${summary.team}: ${summary.subjects.map((s) => `${SUBJECT_LABELS[s.subject]} ${s.percent}%`).join(', ')} (target ${target}%)`,
  };
}

/** Teams listed on the organisation card (worst first); every team is in the CSV it links. */
const ORGANISATION_CARD_TEAMS = 40;

/**
 * Every team with its figure (the lowest of its subjects) and a bar, worst first; each row opens
 * that team's card. Teams refuses a message over about 100 KB, so the card lists the worst
 * teams and `csvLine` links a CSV of every team.
 */
export function organisationReply(worstFirst: TeamCounts[], target: number, today: string, csvLine: string): Reply {
  const shown = worstFirst.slice(0, ORGANISATION_CARD_TEAMS);
  const more = worstFirst.length - shown.length;
  const below = worstFirst.filter((s) => lowest(s) < target).length;
  const total = worstFirst.length;
  return {
    card: card('training/organisation', {
      target,
      today: ukDate(today),
      headline: `${total} ${total === 1 ? 'team' : 'teams'}, worst first: ${below} below the ${target}% target in at least one subject.`,
      teams: shown.map((s) => {
        const worst = s.subjects.reduce((a, b) => (b.percent < a.percent ? b : a));
        return {
          team: s.team,
          line: `${md(s.team)} (${s.people}): ${s.subjects.map((x) => `${SUBJECT_LABELS[x.subject]} ${x.percent}%`).join(' · ')}`,
          percent: worst.percent,
          color: worst.percent >= target ? 'Good' : 'Attention',
          compliantWidth: worst.compliant - worst.dueSoon,
          dueSoonWidth: worst.dueSoon,
          overdueWidth: worst.overdue,
        };
      }),
      more: more ? `…and ${more.toLocaleString('en-GB')} more teams, in the CSV.` : '',
      csvLine,
    }),
    fallbackText: `Training compliance by team (target ${target}%)`,
  };
}

/** The form to record a course, with what was typed and what to fix. */
export function recordCard(
  today: string,
  values: Partial<Omit<RecordCardData, 'today' | 'problems'>> = {},
  problems = '',
): Record<string, unknown> {
  return card('training/record', {
    today,
    problems,
    subject: '',
    level: '',
    completedOn: '',
    hours: '',
    provider: '',
    ...values,
  });
}

/** What a manager (or lead) is asked to confirm: the course a person recorded. */
export function confirmReply(who: string, employeeId: string, recordId: string, facts: Fact[]): Reply {
  return {
    card: card('training/confirm', { who: md(who), employeeId, recordId, facts }),
    fallbackText: `${who} recorded training for you to confirm`,
  };
}
