import type { AuditTrail } from '../audit';
import { auditRefusal } from '../audit/refusals';
import type { Capability, ChatFile, ChatTurn, Notifier } from '../chat/types';
import { ImportFileError } from '../csv';
import { md } from '../cards/markdown';
import { newReferenceCode } from '../logging/logger';
import { containsPatientData } from '../privacy/patientData';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { importStaff, planLeavers, STAFF_COLUMNS, type StaffImportReport } from '../people/staffImport';
import { action } from '../chat/routes';
import { leaversOfferCard } from './cards';
import { Leavers, LEAVERS_OUT_OF_DATE, applySchema, refuseLeavers, reviewSchema } from './leavers';
import { IMPORT_VERBS } from './verbs';
import type { StaffImportRuns } from './runsStore';
import { inBackground } from '../storage/deadline';
import { importTraining, TRAINING_COLUMNS, type TrainingImportReport } from '../training/importTraining';
import type { TrainingRules } from '../training/rules';
import type { TrainingStore } from '../training/store';
import { chatSummary, type ImportOutcome } from './reports';
import type { ImportReports } from './reportStore';

/**
 * The staff and training imports from a CSV file a safeguarding lead attaches in their 1:1 chat:
 * the same code as `npm run import`, chosen by the file's header row. A manager may send their own
 * team's training records; rows for anyone else are rejected. The turn answers "Importing…" at
 * once; the import runs after it and its summary (counts, the first problem rows and a link to the
 * full row report as CSV) arrives as a message when it is done.
 */
export interface ImportsDeps {
  directory: PeopleDirectory;
  training: TrainingStore;
  rules: TrainingRules;
  notifier: Notifier;
  reports: ImportReports;
  /** The latest staff import and its file's ids, for "Also mark people not in this file as leavers". */
  runs: StaffImportRuns;
  /** Every import (kind, counts, who, from the chat) and every refusal is recorded here. */
  audit: AuditTrail;
  now?: () => Date;
}

const MAX_BYTES = 20 * 1024 * 1024;
const n = (x: number) => x.toLocaleString('en-GB');
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Fetches an attachment as text, refusing anything over MAX_BYTES. */
export async function downloadText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`download answered ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_BYTES)
    throw new ImportFileError('The file is over 20 MB. Split it into smaller files.');
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_BYTES) throw new ImportFileError('The file is over 20 MB. Split it into smaller files.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Which import a file is for, from its header row. */
export function importKind(text: string): 'staff' | 'training' | undefined {
  const header = new Set(
    (text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '')
      .split(',')
      .map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase()),
  );
  if (STAFF_COLUMNS.every((c) => header.has(c))) return 'staff';
  if (TRAINING_COLUMNS.every((c) => header.has(c))) return 'training';
  return undefined;
}

export function toOutcome(kind: 'staff', report: StaffImportReport): ImportOutcome;
export function toOutcome(kind: 'training', report: TrainingImportReport): ImportOutcome;
export function toOutcome(kind: 'staff' | 'training', report: StaffImportReport | TrainingImportReport): ImportOutcome {
  const problems: ImportOutcome['problems'] = [];
  for (const r of report.rejected) problems.push({ line: r.line, reason: r.reason });
  for (const f of report.failed)
    problems.push('line' in f ? { line: f.line, reason: f.reason } : { employeeId: f.employeeId, reason: f.reason });
  return {
    kind,
    added: report.added,
    updated: report.updated,
    unchanged: report.unchanged,
    rejected: report.rejected.length,
    notSaved: report.failed.length,
    problems,
  };
}

/** An import's counts for its audit record (never a row, a name or a reason). */
export function auditCounts(
  o: Pick<ImportOutcome, 'added' | 'updated' | 'unchanged' | 'rejected' | 'notSaved'> & { left?: number },
): Record<string, number> {
  return {
    added: o.added,
    updated: o.updated,
    unchanged: o.unchanged,
    rejected: o.rejected,
    notSaved: o.notSaved,
    ...(o.left !== undefined ? { left: o.left } : {}),
  };
}

export interface ImportsCapability extends Capability {
  /** Resolves once the imports still running in the background have finished (for a clean stop). */
  drain(): Promise<void>;
}

export function createImportsCapability(deps: ImportsDeps): ImportsCapability {
  const running = new Set<Promise<void>>();
  const leavers = new Leavers(deps);
  const leaverButtons = { permission: 'people.import', privileged: true, refuse: refuseLeavers } as const;
  const outOfDate = (turn: ChatTurn) => turn.send({ text: LEAVERS_OUT_OF_DATE });

  /** Downloads, imports and reports one file; runs after the turn has answered "Importing…". */
  const run = async (
    turn: ChatTurn,
    oid: string,
    csv: ChatFile,
    name: string,
    isLead: boolean,
    managerTeam: string | undefined,
  ): Promise<void> => {
    const tell = (text: string) => deps.notifier.sendToPerson(oid, { text });
    let text: string;
    try {
      text = await downloadText(csv.downloadUrl);
    } catch (err) {
      turn.log.warn({ err: { message: (err as Error).message } }, 'attachment download failed');
      await tell(
        err instanceof ImportFileError
          ? err.message
          : `I could not open ${name} (the download failed). Please send it again.`,
      );
      return;
    }
    const kind = importKind(text);
    if (!kind) {
      await tell(
        `I could not tell what ${name} holds from its first row. A staff list needs the columns ${STAFF_COLUMNS.join(',')}; training records need ${TRAINING_COLUMNS.join(',')}.`,
      );
      return;
    }
    if (kind === 'staff' && !isLead) {
      turn.log.info({ permission: 'people.import', kind }, 'refused');
      await auditRefusal(deps.audit, turn, 'people.import', { file: kind });
      await tell(
        `Only safeguarding leads can import the staff list. You can send your team's training records (${TRAINING_COLUMNS.join(',')}).`,
      );
      return;
    }
    let outcome: ImportOutcome;
    let staff: StaffImportReport | undefined;
    let run: string | undefined;
    try {
      if (kind === 'staff') {
        // The latest staff import from now, before anything is written: an offer from any earlier file is refused.
        run = await deps.runs.begin('chat');
        // Add and update only, as always; marking the rest as leavers is offered afterwards.
        staff = await importStaff(deps.directory, text, {
          staffGroups: deps.rules.staffGroups.map((g) => g.id),
          now: deps.now?.(),
        });
        outcome = toOutcome('staff', staff);
      } else
        outcome = toOutcome(
          'training',
          await importTraining(deps.training, deps.directory, deps.rules, text, deps.now?.() ?? new Date(), {
            onlyTeam: managerTeam,
            importer: turn.principal.employeeId,
          }),
        );
    } catch (err) {
      if (!(err instanceof ImportFileError)) throw err;
      await tell(`${name}: ${err.message}`);
      return;
    }
    const importId = await deps.reports.save(outcome);
    turn.log.info(
      { import: kind, manager: !isLead, rejected: outcome.rejected, notSaved: outcome.notSaved },
      'import from chat',
    );
    await deps.audit.note(
      turn.user,
      kind === 'staff' ? 'import.staff' : 'import.training',
      { via: 'chat', ...auditCounts(outcome), ...(isLead ? {} : { manager: true }) },
      turn.log,
    );
    await tell(
      chatSummary(
        name,
        outcome,
        importId ? deps.reports.link(importId, name === 'your file' ? 'import' : csv.name, oid) : undefined,
      ),
    );
    if (staff && run) {
      await deps.runs.keepNamed(run, staff.named);
      const plan = await planLeavers(deps.directory, staff.named);
      if (plan.leavers.length > 0) {
        await deps.notifier.sendToPerson(oid, {
          card: leaversOfferCard({
            file: name,
            run,
            missingLabel: `${n(plan.leavers.length)} of ${n(plan.current)} ${plan.current === 1 ? 'person' : 'people'}`,
            missingVerb: plan.leavers.length === 1 ? 'is' : 'are',
          }),
          fallbackText: `${n(plan.leavers.length)} people in the staff list are not in ${name}`,
        });
      }
    }
  };

  const handle = async (turn: ChatTurn): Promise<boolean> => {
    const files = turn.files ?? [];
    if (files.length === 0) return false;
    if (turn.conversation.kind !== 'personal') {
      // An import's report names people and rows: files are only taken in the 1:1 chat.
      await turn.send({
        text: 'Please send files to me in our 1:1 chat: I do not import files shared in a group chat or a channel.',
      });
      return true;
    }
    const isLead = can(turn.principal, 'people.import');
    // Managers may import their own team's training records (not the staff list).
    const managerTeam = !isLead && turn.principal.roles.has('manager') ? turn.principal.team : undefined;
    if (!isLead && !managerTeam) {
      turn.log.info({ permission: 'people.import' }, 'refused');
      await auditRefusal(deps.audit, turn, 'people.import', { file: 'any' });
      await turn.send({
        text: "Only safeguarding leads, and managers for their own team's training records, can import files here. If you meant to share something with the safeguarding team, please e-mail it to them instead.",
      });
      return true;
    }
    const csv = files.find((f) => /\.csv$/i.test(f.name));
    if (!csv) {
      await turn.send({
        text: 'I can import a staff list or training records from a CSV file (.csv). Save the spreadsheet as CSV and send it again.',
      });
      return true;
    }
    const oid = turn.user.aadObjectId;
    if (!oid) {
      await turn.send({ text: 'I cannot import files in this chat. Please use a 1:1 chat with me in Teams.' });
      return true;
    }
    // The file's name is repeated in the replies: escaped, and never if it looks like patient details.
    const name = containsPatientData(csv.name) ? 'your file' : md(csv.name);
    // Answer at once (Teams gives a turn 15 seconds); the report follows when the import is done.
    await turn.send({ text: `Importing ${name}… I will send you the report here when it is done.` });
    const job = inBackground(() => run(turn, oid, csv, name, isLead, managerTeam)).catch(async (err: unknown) => {
      const ref = newReferenceCode();
      turn.log.error(
        { err: { message: (err as Error).message, name: (err as Error).name }, ref },
        'import from chat failed',
      );
      await deps.notifier
        .sendToPerson(oid, {
          text: `Sorry, the import of ${name} did not finish. Rows already saved stay saved; sending the file again is safe. If it keeps happening, tell the safeguarding team and quote reference ${ref}.`,
        })
        .catch(() => undefined);
    });
    running.add(job);
    void job.finally(() => running.delete(job));
    return true;
  };
  return {
    name: 'imports',
    onFiles: handle,
    actions: [
      action(IMPORT_VERBS.leaversReview, reviewSchema, (t, d) => leavers.review(t, d), {
        ...leaverButtons,
        invalid: outOfDate,
      }),
      action(IMPORT_VERBS.leaversApply, applySchema, (t, d) => leavers.apply(t, d), {
        ...leaverButtons,
        invalid: outOfDate,
      }),
    ],
    async drain() {
      await Promise.all([...running]);
    },
  };
}
