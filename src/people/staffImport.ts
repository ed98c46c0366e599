import { forEachCsvRow, ImportFileError, type RejectedRow } from '../csv';
import { bulkWrite } from '../storage/conditional';
import { z } from 'zod';
import { findPatientData } from '../privacy/patientData';
import type { OperationInput } from '@azure/cosmos';
import { normaliseEmployeeId, type PeopleDirectory, type PersonRecord, type StoredPerson } from './directory';
import { ROLES, type Role } from './roles';

export { ImportFileError, type RejectedRow } from '../csv';

/**
 * The staff directory import: `employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code`.
 * Every row is validated; valid rows go in, invalid ones are reported with their line number and
 * the reason, and importing the same file twice changes nothing.
 */
export const STAFF_COLUMNS = ['employee_id', 'name', 'email', 'aad_object_id', 'team', 'staff_group', 'roles', 'practice_code'] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

const rowSchema = z
  .object({
    employee_id: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'employee_id must be 1-32 letters, digits, - or _')
      .transform(normaliseEmployeeId),
    name: z.string().trim().min(1, 'name is empty').max(200, 'name is longer than 200 characters'),
    email: z.string().trim().toLowerCase().email('email is not a valid e-mail address'),
    aad_object_id: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'aad_object_id is not an Entra object id (a GUID)')
        .transform((s) => s.toLowerCase())
        .optional(),
    ),
    team: z.string().trim().min(1, 'team is empty').max(100, 'team is longer than 100 characters'),
    staff_group: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'staff_group must be a short code such as all-staff or clinical'),
    roles: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(';')
              .map((s) => s.trim().toLowerCase())
              .filter((s) => s.length > 0)
          : v,
      z.array(z.enum(ROLES, { errorMap: () => ({ message: `roles may only contain ${ROLES.join(', ')} (separated by ;)` }) })),
    ),
    practice_code: z.preprocess(
      blankToUndefined,
      z
        .string()
        .transform((s) => s.toUpperCase())
        .pipe(z.string().regex(/^[A-Z]\d{5}$/, 'practice_code must be a GP practice ODS code such as C87001'))
        .optional(),
    ),
  })
  .superRefine((row, ctx) => {
    if (row.roles.includes('practice-lead') && !row.practice_code) {
      ctx.addIssue({ code: 'custom', path: ['practice_code'], message: 'practice_code is required for a practice-lead' });
    }
  });

export interface ParsedStaffFile {
  people: PersonRecord[];
  rejected: RejectedRow[];
  /** Every employee id the file names, rejected rows included (a full import never counts them as leavers). */
  named: Set<string>;
}

/**
 * Pure: CSV text to valid records and rejected rows. Throws ImportFileError only when the file as a
 * whole is unusable. `staffGroups`, when given, are the only groups accepted (from the training rules).
 */
export function parseStaffCsv(text: string, staffGroups?: readonly string[]): ParsedStaffFile {
  const people: PersonRecord[] = [];
  const seenEmployee = new Map<string, number>();
  const seenAad = new Map<string, number>();

  // Read row by row: the parsed file is never held whole (see forEachCsvRow).
  const rejected: RejectedRow[] = [];
  const named = new Set<string>();
  // A staff member's name is a name, so only other kinds count here (an NHS number, a postcode, a
  // phone number...). Teams repeat: each distinct value is screened once.
  const screened = new Map<string, boolean>();
  const holdsPatientData = (v: string) => {
    let found = screened.get(v);
    if (found === undefined) {
      found = findPatientData(v).kinds.some((k) => k !== 'name');
      if (screened.size < 10_000) screened.set(v, found);
    }
    return found;
  };
  const badShape = forEachCsvRow(text, STAFF_COLUMNS, ({ line, values: raw }) => {
    if (raw.employee_id?.trim()) named.add(normaliseEmployeeId(raw.employee_id));
    const parsed = rowSchema.safeParse(raw);
    if (!parsed.success) {
      rejected.push({ line, reason: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    const r = parsed.data;
    if (staffGroups && !staffGroups.includes(r.staff_group)) {
      rejected.push({ line, reason: `staff_group ${r.staff_group} is not one of ${staffGroups.join(', ')}` });
      return;
    }
    // Names and teams are shown on cards and stored: a row carrying patient details is refused (not echoed).
    const holding = [['name', r.name] as const, ['team', r.team] as const].find(([, v]) => holdsPatientData(v));
    if (holding) {
      rejected.push({ line, reason: `${holding[0]} looks like it contains patient details` });
      return;
    }
    const firstLine = seenEmployee.get(r.employee_id.toLowerCase());
    if (firstLine) {
      rejected.push({ line, reason: `employee_id ${r.employee_id} is already on line ${firstLine}` });
      return;
    }
    if (r.aad_object_id) {
      const aadLine = seenAad.get(r.aad_object_id);
      if (aadLine) {
        rejected.push({ line, reason: `aad_object_id is already used on line ${aadLine}` });
        return;
      }
      seenAad.set(r.aad_object_id, line);
    }
    seenEmployee.set(r.employee_id.toLowerCase(), line);
    people.push({
      id: r.employee_id,
      employeeId: r.employee_id,
      name: r.name,
      email: r.email,
      aadObjectId: r.aad_object_id,
      team: r.team,
      staffGroup: r.staff_group,
      roles: [...new Set(r.roles.filter((x): x is Exclude<Role, 'staff'> => x !== 'staff'))].sort(),
      practiceCode: r.practice_code,
    });
  });
  for (const r of badShape) rejected.push(r); // never push(...rows): a spread of 200,000 overflows the stack
  rejected.sort((a, b) => a.line - b.line);
  return { people, rejected, named };
}

export interface StaffImportReport {
  added: number;
  updated: number;
  unchanged: number;
  rejected: RejectedRow[];
  /** A full import: people in the directory the file no longer has, now marked as left. */
  left: number;
  /** Rows that were valid but could not be written (for example changed by someone else meanwhile). */
  failed: { employeeId: string; reason: string }[];
  /** Every employee id the file names, rejected rows included: what a later "mark the rest as leavers" keeps. */
  named: ReadonlySet<string>;
}

function sameRecord(a: PersonRecord, b: PersonRecord): boolean {
  const keys: (keyof PersonRecord)[] = ['name', 'email', 'aadObjectId', 'team', 'staffGroup', 'practiceCode'];
  // Someone marked as left who is in the file again has come back: that is a change.
  return keys.every((k) => (a[k] ?? null) === (b[k] ?? null)) && a.roles.join(';') === b.roles.join(';') && !(a as StoredPerson).leftAt;
}

/** People are written this many at a time: the stored ones among them are read, compared and written in bulk. */
const CHUNK = 1000;

/** A full import may mark at most this share of current staff as left without `confirm`: a truncated file must not empty the directory. */
export const MAX_LEAVERS_UNCONFIRMED = 0.1;

export interface StaffImportOptions {
  now?: Date;
  staffGroups?: readonly string[];
  /** The file is the whole staff list (an ESR extract): people in the directory but not in it are marked as left. */
  full?: boolean;
  /** Allows a full import to mark more than 10% of staff as left. */
  confirm?: boolean;
}

/**
 * Writes the valid rows: new people are created, changed ones replaced under their etag, the rest
 * left alone; then each person's Entra id link (`PeopleDirectory.relink`), so turns find them by point reads.
 */
export async function importStaff(directory: PeopleDirectory, text: string, opts: StaffImportOptions = {}): Promise<StaffImportReport> {
  const now = opts.now ?? new Date();
  const { people, rejected, named } = parseStaffCsv(text, opts.staffGroups);
  const report: StaffImportReport = { added: 0, updated: 0, unchanged: 0, rejected, left: 0, failed: [], named };

  // A full import works out its leavers before it writes anything, so a refusal changes nothing.
  let leavers: string[] = [];
  if (opts.full) {
    const plan = await planLeavers(directory, named);
    if (plan.needsConfirm && !opts.confirm) {
      throw new ImportFileError(
        `This full import would mark ${plan.leavers.length.toLocaleString('en-GB')} of ${plan.current.toLocaleString('en-GB')} people (${plan.percent}%) as left, more than ${MAX_LEAVERS_UNCONFIRMED * 100}%. Nothing was changed. If the file really is the whole staff list, run it again with --confirm.`,
      );
    }
    leavers = plan.leavers;
  }

  // Someone else in the directory may already hold an Entra id this file gives to a different person.
  const aadOwner = await directory.entraIdOwners();
  const inFile = new Map(people.map((p) => [p.id, p] as const));

  for (let i = 0; i < people.length; i += CHUNK) {
    const chunk = people.slice(i, i + CHUNK);
    const existing = await directory.getMany(chunk.map((p) => p.id));
    const ops: { op: OperationInput; kind: 'added' | 'updated'; employeeId: string }[] = [];
    const refused = new Set<string>();
    for (const person of chunk) {
      const current = existing.get(person.id);
      const owner = person.aadObjectId ? aadOwner.get(person.aadObjectId) : undefined;
      const ownerInFile = owner ? inFile.get(owner) : undefined;
      // Allowed only when this same file moves that id away from its current owner.
      if (owner && owner !== person.id && !(ownerInFile && ownerInFile.aadObjectId !== person.aadObjectId)) {
        report.failed.push({ employeeId: person.id, reason: `aad_object_id already belongs to employee ${owner}` });
        refused.add(person.id);
        continue;
      }
      if (current && sameRecord(current, person)) {
        report.unchanged++;
        continue;
      }
      const doc: StoredPerson = { ...person, importedAt: now.toISOString() };
      if (!doc.aadObjectId) delete doc.aadObjectId;
      if (!doc.practiceCode) delete doc.practiceCode;
      ops.push(
        current
          ? { op: { operationType: 'Replace', id: person.id, partitionKey: person.id, resourceBody: doc as never, ifMatch: current._etag }, kind: 'updated', employeeId: person.id }
          : { op: { operationType: 'Create', partitionKey: person.id, resourceBody: doc as never }, kind: 'added', employeeId: person.id },
      );
    }
    const notSaved = new Set<string>();
    await bulkWrite(directory.raw, ops, (item, failure) => {
      if (failure) {
        report.failed.push({ employeeId: item.employeeId, reason: failure });
        notSaved.add(item.employeeId);
      } else report[item.kind]++;
    });
    // Then the Entra id links, for every person now in the directory as the file says (unchanged
    // ones too, so a run cut short between the two writes is repaired by running it again).
    const saved = chunk.filter((p) => !notSaved.has(p.id) && !refused.has(p.id));
    const changes = saved.map((p) => ({ employeeId: p.id, aadObjectId: p.aadObjectId, previous: existing.get(p.id)?.aadObjectId }));
    for (const f of await directory.relink(changes, now)) report.failed.push(f);
  }
  const marked = await markLeavers(directory, leavers, now);
  report.left = marked.left;
  for (const f of marked.failed) report.failed.push(f);
  return report;
}

/** Who a full import would mark as left: everyone current whom the file does not name. */
export interface LeaverPlan {
  /** Employee ids of the current staff the file does not name. */
  leavers: string[];
  /** Current staff (not already left). */
  current: number;
  /** Leavers as a whole percentage of current staff. */
  percent: number;
  /** More than 10% (MAX_LEAVERS_UNCONFIRMED): a second, explicit confirmation is needed (`--confirm` on the command line). */
  needsConfirm: boolean;
}

/**
 * The leavers a staff file implies, worked out against the directory as it is now. The one rule
 * for the command line (`--full`) and the chat ("Also mark people not in this file as leavers").
 */
export async function planLeavers(directory: PeopleDirectory, named: ReadonlySet<string>): Promise<LeaverPlan> {
  const current = (await directory.roster()).map((p) => p.id);
  const leavers = current.filter((id) => !named.has(id));
  return {
    leavers,
    current: current.length,
    percent: current.length ? Math.round((leavers.length / current.length) * 100) : 0,
    needsConfirm: leavers.length > current.length * MAX_LEAVERS_UNCONFIRMED,
  };
}

/**
 * Marks these people as left (kept for history; out of audiences, menus and figures), each under
 * the etag just read: someone changed meanwhile is reported, not overwritten.
 */
export async function markLeavers(directory: PeopleDirectory, leavers: readonly string[], now: Date): Promise<{ left: number; failed: { employeeId: string; reason: string }[] }> {
  const out = { left: 0, failed: [] as { employeeId: string; reason: string }[] };
  for (let i = 0; i < leavers.length; i += CHUNK) {
    const stored = await directory.getMany(leavers.slice(i, i + CHUNK));
    const ops = [...stored.values()]
      .filter((p) => !(p as StoredPerson).leftAt)
      .map((p) => {
        const { _etag, _rid, _self, _ts, _attachments, ...doc } = p as StoredPerson & Record<string, unknown>;
        const resourceBody = { ...doc, leftAt: now.toISOString() };
        return { employeeId: p.id, op: { operationType: 'Replace', id: p.id, partitionKey: p.id, resourceBody: resourceBody as never, ifMatch: _etag } as OperationInput };
      });
    await bulkWrite(directory.raw, ops, (item, failure) => {
      if (failure) out.failed.push({ employeeId: item.employeeId, reason: `not marked as left: ${failure}` });
      else out.left++;
    });
  }
  return out;
}

/** A plain-English summary for the command line and the chat. */
export function describeStaffImport(report: StaffImportReport): string {
  const lines = [
    `Staff import: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected.length} rejected${report.left ? `, ${report.left} marked as left` : ''}${report.failed.length ? `, ${report.failed.length} not saved` : ''}.`,
  ];
  for (const r of report.rejected) lines.push(`  line ${r.line}: ${r.reason}`);
  for (const f of report.failed) lines.push(`  ${f.employeeId}: ${f.reason}`);
  return lines.join('\n');
}
