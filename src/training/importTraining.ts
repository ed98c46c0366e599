import { z } from 'zod';
import type { OperationInput } from '@azure/cosmos';
import type { PeopleDirectory } from '../people/directory';
import { readCsv, type RejectedRow } from '../csv';
import { bulkWrite } from '../storage/conditional';
import { SUBJECTS, type TrainingRules } from './rules';
import { completionId, type CompletionDoc, type TrainingStore } from './store';

/**
 * The training import: `employee_id,subject,level,completed_on,hours,provider`, with the same rules
 * as the staff import: every row checked, a report by line, valid rows in, and a second run of the
 * same file changes nothing.
 */
export const TRAINING_COLUMNS = ['employee_id', 'subject', 'level', 'completed_on', 'hours', 'provider'] as const;

const rowSchema = z.object({
  employee_id: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'employee_id must be 1-32 letters, digits, - or _'),
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
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'completed_on must be a date written YYYY-MM-DD')
    .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'completed_on is not a real date'),
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

export function parseTrainingCsv(text: string, rules: TrainingRules, today: string): { rows: (Omit<CompletionDoc, 'importedAt' | 'source'> & { line: number })[]; rejected: RejectedRow[] } {
  const csv = readCsv(text, TRAINING_COLUMNS);
  const rows: (Omit<CompletionDoc, 'importedAt' | 'source'> & { line: number })[] = [];
  const rejected: RejectedRow[] = csv.rejected;
  const seen = new Map<string, number>();
  csv.rows.forEach(({ line, values }) => {
    const parsed = rowSchema.safeParse(values);
    if (!parsed.success) return void rejected.push({ line, reason: parsed.error.issues.map((i) => i.message).join('; ') });
    const r = parsed.data;
    if (!rules.levels[r.subject].some((l) => l.level === r.level)) {
      return void rejected.push({ line, reason: `${r.subject} has no level ${r.level} (levels: ${rules.levels[r.subject].map((l) => l.level).join(', ')})` });
    }
    if (r.completed_on > today) return void rejected.push({ line, reason: 'completed_on is in the future' });
    const doc = { subject: r.subject, level: r.level, completedOn: r.completed_on, hours: r.hours, provider: r.provider };
    const id = completionId(r.employee_id, doc);
    const first = seen.get(id);
    if (first) return void rejected.push({ line, reason: `repeats line ${first}` });
    seen.set(id, line);
    rows.push({ ...doc, id, employeeId: r.employee_id, line });
  });
  rejected.sort((a, b) => a.line - b.line);
  return { rows, rejected };
}

export async function importTraining(store: TrainingStore, directory: PeopleDirectory, rules: TrainingRules, text: string, now = new Date()): Promise<TrainingImportReport> {
  const today = now.toISOString().slice(0, 10);
  const { rows, rejected } = parseTrainingCsv(text, rules, today);
  const report: TrainingImportReport = { added: 0, updated: 0, unchanged: 0, rejected, failed: [] };
  const known = new Set((await directory.all()).map((p) => p.id));
  const existing = new Map((await store.all()).map((d) => [d.id, d] as const));
  const ops: { op: OperationInput; kind: 'added' | 'updated'; line: number }[] = [];
  for (const row of rows) {
    if (!known.has(row.employeeId)) {
      report.rejected.push({ line: row.line, reason: `employee_id ${row.employeeId} is not in the staff list (import staff first)` });
      continue;
    }
    const { line, ...doc } = row;
    const current = existing.get(doc.id);
    // A course someone recorded themselves becomes the imported (authoritative, counted) record.
    if (current && current.hours === doc.hours && current.source === 'import') {
      report.unchanged++;
      continue;
    }
    const full: CompletionDoc = { ...doc, source: 'import', confirmed: true, importedAt: now.toISOString() };
    ops.push(
      current
        ? { op: { operationType: 'Replace', id: doc.id, partitionKey: doc.employeeId, resourceBody: full as never, ifMatch: current._etag }, kind: 'updated', line }
        : { op: { operationType: 'Create', partitionKey: doc.employeeId, resourceBody: full as never }, kind: 'added', line },
    );
  }
  await bulkWrite(store.container, ops, (item, failure) => {
    if (failure) report.failed.push({ line: item.line, reason: failure });
    else report[item.kind]++;
  });
  report.rejected.sort((a, b) => a.line - b.line);
  return report;
}

export function describeTrainingImport(r: TrainingImportReport): string {
  return [
    `Training import: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.rejected.length} rejected${r.failed.length ? `, ${r.failed.length} not saved` : ''}.`,
    ...r.rejected.map((x) => `  line ${x.line}: ${x.reason}`),
    ...r.failed.map((x) => `  line ${x.line}: ${x.reason}`),
  ].join('\n');
}
