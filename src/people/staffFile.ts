import { forEachCsvRow, type RejectedRow } from '../csv';
import { z } from 'zod';
import { findPatientData } from '../privacy/patientData';
import { normaliseEmployeeId, type PersonRecord } from './directory';
import { ROLES, type Role } from './roles';

/**
 * The staff directory import: `employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code`.
 * Every row is validated; valid rows go in, invalid ones are reported with their line number and
 * the reason, and importing the same file twice changes nothing.
 */
export const STAFF_COLUMNS = [
  'employee_id',
  'name',
  'email',
  'aad_object_id',
  'team',
  'staff_group',
  'roles',
  'practice_code',
] as const;

const blankToUndefined = (v: unknown) =>
  typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v;

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
        .regex(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
          'aad_object_id is not an Entra object id (a GUID)',
        )
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
      z.array(
        z.enum(ROLES, { errorMap: () => ({ message: `roles may only contain ${ROLES.join(', ')} (separated by ;)` }) }),
      ),
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
      ctx.addIssue({
        code: 'custom',
        path: ['practice_code'],
        message: 'practice_code is required for a practice-lead',
      });
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
