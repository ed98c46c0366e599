import { createHash } from 'node:crypto';
import type { Completion } from './rules';

/** One course on a person's record. */
export interface CompletionEntry extends Completion {
  provider: string;
  source: 'import' | 'self';
  /** When it was imported, or recorded by the person. */
  importedAt: string;
  /** Self-recorded: who decided and when; rejectedAt when it was not confirmed. */
  decidedBy?: string;
  decidedAt?: string;
  rejectedAt?: string;
}

/**
 * A person's training record: one document per person (id `record`, partition = employee id)
 * holding every course they have done. A team's or the organisation's compliance then reads one
 * small document per person instead of one per course, and a person's courses change together
 * under one etag.
 *
 * `team` is the person's team, lower-cased, when the record was last written. It is only an index
 * for the team query: the staff list stays the truth about who is in a team (see `forTeam`).
 */
export interface TrainingRecord {
  id: typeof RECORD_ID;
  employeeId: string;
  team: string;
  completions: CompletionEntry[];
  /**
   * The courses as the compliance counts need them (subject, level, day, hours, counted), as one
   * JSON string: the organisation view reads this field alone, so 50,000 records cross the wire as
   * 50,000 short strings rather than a million small values. Written with every change (recordOf).
   */
  digest: string;
  _etag?: string;
}

type DigestCourse = [Completion['subject'], number, string, number, boolean];

/** A person's record as stored: the only place a record is put together, so its digest always matches. */
export function recordOf(employeeId: string, team: string, completions: CompletionEntry[]): TrainingRecord {
  const digest: DigestCourse[] = completions.map((c) => [
    c.subject,
    c.level,
    c.completedOn,
    c.hours,
    c.confirmed !== false,
  ]);
  return { id: RECORD_ID, employeeId, team: teamKey(team), completions, digest: JSON.stringify(digest) };
}

export function fromDigest(digest: string): Completion[] {
  return (JSON.parse(digest) as DigestCourse[]).map(([subject, level, completedOn, hours, confirmed]) => ({
    subject,
    level,
    completedOn,
    hours,
    confirmed,
  }));
}

export const RECORD_ID = 'record';

/** What makes two courses the same course: subject, level, day and provider (in any case). */
export const courseKey = (c: Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'provider'>) =>
  `${c.subject}|${c.level}|${c.completedOn}|${c.provider.trim().toLowerCase()}`;

/** A course's id on a person's record (the confirm card carries it): the same course always has the same id. */
export function completionId(
  employeeId: string,
  c: Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'provider'>,
): string {
  return createHash('sha256')
    .update(`${employeeId.toLowerCase()}|${courseKey(c)}`)
    .digest('hex')
    .slice(0, 32);
}

/** What a course on a record holds: a stored document's fields without its id and system fields. */
const COURSE_FIELDS = [
  'subject',
  'level',
  'completedOn',
  'hours',
  'provider',
  'source',
  'importedAt',
  'confirmed',
  'decidedBy',
  'decidedAt',
  'rejectedAt',
] as const satisfies readonly (keyof CompletionEntry)[];

/** The course fields of a stored document, without its id and system fields. */
export function courseOf(d: CompletionEntry): CompletionEntry {
  return Object.fromEntries(
    COURSE_FIELDS.flatMap((k) => (d[k] !== undefined ? [[k, d[k]]] : [])),
  ) as unknown as CompletionEntry;
}

export const teamKey = (team: string) => team.trim().toLowerCase();

/** What deciding a self-recorded course came to. */
export type SelfRecordDecision =
  | { kind: 'gone' }
  | { kind: 'imported' }
  | { kind: 'decided'; entry: CompletionEntry }
  | { kind: 'done'; entry: CompletionEntry };

/** Pure: a person's courses with one they recorded themselves, unless that course is there already (`next` undefined). */
export function withSelfRecorded(
  list: readonly CompletionEntry[],
  entry: CompletionEntry,
): { next?: CompletionEntry[]; outcome: 'added' | 'already' } {
  const already = list.some((c) => courseKey(c) === courseKey(entry));
  return already ? { outcome: 'already' } : { next: [...list, entry], outcome: 'added' };
}

/**
 * Pure: a person's courses with a decision on one they recorded themselves; `next` is undefined
 * when nothing changes (the course has gone, was imported since, or was decided first by someone else).
 */
export function withDecision(
  list: readonly CompletionEntry[],
  employeeId: string,
  recordId: string,
  decision: { decision: 'confirm' | 'reject'; by: string; at: string },
): { next?: CompletionEntry[]; outcome: SelfRecordDecision } {
  const index = list.findIndex((c) => completionId(employeeId, c) === recordId);
  const entry = list[index];
  if (!entry) return { outcome: { kind: 'gone' } };
  if (entry.source !== 'self') return { outcome: { kind: 'imported' } };
  if (entry.confirmed || entry.rejectedAt) return { outcome: { kind: 'decided', entry } };
  const { at, by } = decision;
  const next: CompletionEntry = {
    ...entry,
    ...(decision.decision === 'confirm' ? { confirmed: true } : { rejectedAt: at }),
    decidedBy: by,
    decidedAt: at,
  };
  return { next: list.map((c, i) => (i === index ? next : c)), outcome: { kind: 'done', entry: next } };
}
