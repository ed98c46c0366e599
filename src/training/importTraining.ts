import { z } from 'zod';
import { normaliseEmployeeId, type PeopleDirectory } from '../people/directory';
import { dayProblem, forEachCsvRow, type RejectedRow } from '../csv';
import { containsPatientData } from '../privacy/patientData';
import { SUBJECT_LABELS, SUBJECTS, type TrainingRules } from './rules';
import { courseKey, recordOf, teamKey, type CompletionEntry, type RecordWrite, type TrainingStore } from './store';

/**
 * The training import: `employee_id,subject,level,completed_on,hours,provider`, with the same rules
 * as the staff import: every row checked, a report by line, valid rows in, and a second run of the
 * same file changes nothing.
 */
export const TRAINING_COLUMNS = ['employee_id', 'subject', 'level', 'completed_on', 'hours', 'provider'] as const;

const rowSchema = z.object({
  employee_id: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'employee_id must be 1-32 letters, digits, - or _')
    .transform(normaliseEmployeeId),
  subject: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(SUBJECTS, { errorMap: () => ({ message: 'subject must be children, adults or prevent' }) })),
  level: z
    .string()
    .trim()
    .regex(/^[1-5]$/, 'level must be a whole number from 1 to 5')
    .transform(Number),
  completed_on: z
    .string()
    .trim()
    .superRefine((s, ctx) => {
      const problem = dayProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: `completed_on ${problem}` });
    }),
  hours: z
    .string()
    .trim()
    .regex(/^\d{1,3}(\.\d{1,2})?$/, 'hours must be a number such as 2 or 1.5')
    .transform(Number)
    .pipe(z.number().max(100, 'hours must be at most 100')),
  provider: z.string().trim().min(1, 'provider is empty').max(100, 'provider is longer than 100 characters'),
});

export interface TrainingImportReport {
  added: number;
  updated: number;
  unchanged: number;
  rejected: RejectedRow[];
  failed: { line: number; reason: string }[];
}

/** A valid row of the training file (its person is the key it is filed under). */
export interface CourseRow extends Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'hours' | 'provider'> {
  line: number;
}

/**
 * Pure: CSV text to valid rows grouped by person, and rejected rows. A 200,000-row file is read
 * row by row and each row kept as small as it can be (repeated words are shared, not copied).
 */
export function parseTrainingCsv(
  text: string,
  rules: TrainingRules,
  today: string,
): { people: Map<string, CourseRow[]>; rows: number; rejected: RejectedRow[] } {
  const people = new Map<string, CourseRow[]>();
  const rejected: RejectedRow[] = [];
  const shared = new Map<string, string>();
  const share = (s: string) => {
    const known = shared.get(s);
    if (known !== undefined) return known;
    if (shared.size < 10_000) shared.set(s, s);
    return s;
  };
  // Providers repeat (eLfH, a trust's name): each distinct one is screened once.
  const screened = new Map<string, boolean>();
  const holdsPatientData = (s: string) => {
    let found = screened.get(s);
    if (found === undefined) {
      found = containsPatientData(s);
      if (screened.size < 10_000) screened.set(s, found);
    }
    return found;
  };
  let rows = 0;
  const badShape = forEachCsvRow(text, TRAINING_COLUMNS, ({ line, values }) => {
    const parsed = rowSchema.safeParse(values);
    if (!parsed.success)
      return void rejected.push({ line, reason: parsed.error.issues.map((i) => i.message).join('; ') });
    const r = parsed.data;
    if (!rules.levels[r.subject].some((l) => l.level === r.level)) {
      return void rejected.push({
        line,
        reason: `${SUBJECT_LABELS[r.subject]} has no level ${r.level} (levels: ${rules.levels[r.subject].map((l) => l.level).join(', ')})`,
      });
    }
    if (r.completed_on > today) return void rejected.push({ line, reason: 'completed_on is in the future' });
    if (holdsPatientData(r.provider)) {
      return void rejected.push({
        line,
        reason:
          'provider looks like it holds patient details (an NHS number, a date of birth, a postcode or a name with one of these), so the row was not imported',
      });
    }
    const row: CourseRow = {
      line,
      subject: SUBJECTS.find((x) => x === r.subject)!,
      level: r.level,
      completedOn: share(r.completed_on),
      hours: r.hours,
      provider: share(r.provider),
    };
    const mine = people.get(r.employee_id);
    const first = mine?.find((m) => courseKey(m) === courseKey(row));
    if (first) return void rejected.push({ line, reason: `repeats line ${first.line}` });
    if (mine) mine.push(row);
    else people.set(r.employee_id, [row]);
    rows++;
  });
  for (const r of badShape) rejected.push(r); // never push(...rows): a spread of 200,000 overflows the stack
  rejected.sort((a, b) => a.line - b.line);
  return { people, rows, rejected };
}

type Outcome = 'added' | 'updated' | 'unchanged';

/**
 * Pure: puts one person's imported courses on their list. A course already imported with the same
 * hours is unchanged; one they recorded themselves becomes the imported (authoritative, counted)
 * course. Returns the new list, or undefined when nothing changed, and each row's outcome.
 */
export function mergeImported(
  completions: readonly CompletionEntry[],
  rows: readonly CourseRow[],
  importedAt: string,
): { completions?: CompletionEntry[]; outcomes: Outcome[] } {
  const list = [...completions];
  const index = new Map(list.map((c, i) => [courseKey(c), i] as const));
  let changed = false;
  const outcomes = rows.map((row): Outcome => {
    const entry: CompletionEntry = {
      subject: row.subject,
      level: row.level,
      completedOn: row.completedOn,
      hours: row.hours,
      provider: row.provider,
      source: 'import',
      confirmed: true,
      importedAt,
    };
    const key = courseKey(row);
    const at = index.get(key);
    changed = changed || at === undefined || list[at]!.source !== 'import' || list[at]!.hours !== row.hours;
    if (at === undefined) {
      index.set(key, list.length);
      list.push(entry);
      return 'added';
    }
    if (list[at]!.source === 'import' && list[at]!.hours === row.hours) return 'unchanged';
    list[at] = entry;
    return 'updated';
  });
  return { completions: changed ? list : undefined, outcomes };
}

/** People are imported this many at a time: their records are read, merged and written in bulk. */
const CHUNK = 500;

export interface TrainingImportOptions {
  /** A manager importing their own team's records: rows for anyone else are rejected. */
  onlyTeam?: string;
  /**
   * The employee id of the person sending the file in the chat: their own rows are rejected, as
   * nobody may confirm their own training (an import makes a course count). The command line, an
   * operator loading the ESR extract, has no importer.
   */
  importer?: string;
}

export async function importTraining(
  store: TrainingStore,
  directory: PeopleDirectory,
  rules: TrainingRules,
  text: string,
  now = new Date(),
  opts: TrainingImportOptions = {},
): Promise<TrainingImportReport> {
  const { onlyTeam } = opts;
  const importer = opts.importer?.toLowerCase();
  const today = now.toISOString().slice(0, 10);
  const importedAt = now.toISOString();
  const { people: byPerson, rejected } = parseTrainingCsv(text, rules, today);
  const report: TrainingImportReport = { added: 0, updated: 0, unchanged: 0, rejected, failed: [] };
  const teams = new Map((await directory.roster()).map((p) => [p.id, p.team] as const));
  for (const [employeeId, rows] of byPerson) {
    const team = teams.get(employeeId);
    const reason =
      team === undefined
        ? `employee_id ${employeeId} is not in the staff list (import staff first)`
        : importer !== undefined && employeeId.toLowerCase() === importer
          ? `employee_id ${employeeId} is your own training record: nobody can confirm their own training, so ask a safeguarding lead or another manager to import it`
          : onlyTeam !== undefined && teamKey(team) !== teamKey(onlyTeam)
            ? `employee_id ${employeeId} is not in your team (${onlyTeam})`
            : undefined;
    if (!reason) continue;
    for (const row of rows) report.rejected.push({ line: row.line, reason });
    byPerson.delete(employeeId);
  }
  const tally = (outcomes: Outcome[]) => outcomes.forEach((o) => report[o]++);
  const people = [...byPerson.keys()];
  for (let i = 0; i < people.length; i += CHUNK) {
    const ids = people.slice(i, i + CHUNK);
    const records = await store.readMany(ids);
    const writes: (RecordWrite & { outcomes: Outcome[] })[] = [];
    for (const employeeId of ids) {
      const current = records.get(employeeId);
      const team = teamKey(teams.get(employeeId)!);
      const merged = mergeImported(current?.completions ?? [], byPerson.get(employeeId)!, importedAt);
      // The import also corrects the team stamp of someone the staff import has moved.
      if (!merged.completions && current?.team === team) {
        tally(merged.outcomes);
        continue;
      }
      const record = recordOf(employeeId, team, merged.completions ?? current!.completions);
      writes.push({ employeeId, outcomes: merged.outcomes, record, replacing: current });
    }
    const raced: typeof writes = [];
    await store.writeRecords(writes, (item, result) => {
      if (result === 'saved') tally(item.outcomes);
      else if (result === 'changed') raced.push(item);
      else
        for (const row of byPerson.get(item.employeeId)!) report.failed.push({ line: row.line, reason: result.failed });
    });
    // Someone changed these records while we merged (a manager confirming a course): merge again.
    for (const { employeeId } of raced) {
      let outcomes: Outcome[] = [];
      try {
        await store.update(employeeId, teams.get(employeeId)!, (list) => {
          const merged = mergeImported(list, byPerson.get(employeeId)!, importedAt);
          outcomes = merged.outcomes;
          return merged.completions ?? list;
        });
        tally(outcomes);
      } catch (err) {
        for (const row of byPerson.get(employeeId)!)
          report.failed.push({ line: row.line, reason: `not saved: ${(err as Error).message}` });
      }
    }
  }
  report.rejected.sort((a, b) => a.line - b.line);
  report.failed.sort((a, b) => a.line - b.line);
  return report;
}

export function describeTrainingImport(r: TrainingImportReport): string {
  return [
    `Training import: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected.length} rejected${r.failed.length ? `, ${r.failed.length} not saved` : ''}.`,
    ...r.rejected.map((x) => `  line ${x.line}: ${x.reason}`),
    ...r.failed.map((x) => `  line ${x.line}: ${x.reason}`),
  ].join('\n');
}
