import { ImportFileError, type RejectedRow } from '../csv';
import type { OperationInput } from '@azure/cosmos';
import { type PeopleDirectory, type PersonRecord, type StoredPerson } from './directory';

export { ImportFileError, type RejectedRow } from '../csv';
export { STAFF_COLUMNS, parseStaffCsv, type ParsedStaffFile } from './staffFile';
import { parseStaffCsv } from './staffFile';

/**
 * Writing a checked staff file into the directory (add and update; with `full`, mark the rest as
 * leavers), in bulk and under etags. The file itself is read and checked by ./staffFile.ts.
 */

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
  return (
    keys.every((k) => (a[k] ?? null) === (b[k] ?? null)) &&
    a.roles.join(';') === b.roles.join(';') &&
    !(a as StoredPerson).leftAt
  );
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
export async function importStaff(
  directory: PeopleDirectory,
  text: string,
  opts: StaffImportOptions = {},
): Promise<StaffImportReport> {
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
          ? {
              op: {
                operationType: 'Replace',
                id: person.id,
                partitionKey: person.id,
                resourceBody: doc as never,
                ifMatch: current._etag,
              },
              kind: 'updated',
              employeeId: person.id,
            }
          : {
              op: { operationType: 'Create', partitionKey: person.id, resourceBody: doc as never },
              kind: 'added',
              employeeId: person.id,
            },
      );
    }
    const notSaved = new Set<string>();
    await directory.bulkWrite(ops, (item, failure) => {
      if (failure) {
        report.failed.push({ employeeId: item.employeeId, reason: failure });
        notSaved.add(item.employeeId);
      } else report[item.kind]++;
    });
    // Then the Entra id links, for every person now in the directory as the file says (unchanged
    // ones too, so a run cut short between the two writes is repaired by running it again).
    const saved = chunk.filter((p) => !notSaved.has(p.id) && !refused.has(p.id));
    const changes = saved.map((p) => ({
      employeeId: p.id,
      aadObjectId: p.aadObjectId,
      previous: existing.get(p.id)?.aadObjectId,
    }));
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
export async function markLeavers(
  directory: PeopleDirectory,
  leavers: readonly string[],
  now: Date,
): Promise<{ left: number; failed: { employeeId: string; reason: string }[] }> {
  const out = { left: 0, failed: [] as { employeeId: string; reason: string }[] };
  for (let i = 0; i < leavers.length; i += CHUNK) {
    const stored = await directory.getMany(leavers.slice(i, i + CHUNK));
    const ops = [...stored.values()]
      .filter((p) => !(p as StoredPerson).leftAt)
      .map((p) => {
        const { _etag, _rid, _self, _ts, _attachments, ...doc } = p as StoredPerson & Record<string, unknown>;
        const resourceBody = { ...doc, leftAt: now.toISOString() };
        return {
          employeeId: p.id,
          op: {
            operationType: 'Replace',
            id: p.id,
            partitionKey: p.id,
            resourceBody: resourceBody as never,
            ifMatch: _etag,
          } as OperationInput,
        };
      });
    await directory.bulkWrite(ops, (item, failure) => {
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
