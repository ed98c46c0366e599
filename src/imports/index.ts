import type { AuditTrail } from '../audit';
import { auditRefusal } from '../audit/refusals';
import type { Capability, ChatFile, ChatTurn, Notifier } from '../chat/types';
import { ImportFileError } from '../csv';
import { md } from '../cards/markdown';
import { newReferenceCode } from '../logging/logger';
import { containsPatientData } from '../privacy/patientData';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { importStaff, markLeavers, MAX_LEAVERS_UNCONFIRMED, planLeavers, STAFF_COLUMNS, type LeaverPlan, type StaffImportReport } from '../people/staffImport';
import { renderCard } from '../cards/render';
import { z } from 'zod';
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
const runId = z.string().uuid();
const reviewSchema = z.object({ run: runId });
const applySchema = z.object({ run: runId, count: z.coerce.number().int().min(1).max(10_000_000), step: z.enum(['first', 'second']) });
const DOWNLOAD_TIMEOUT_MS = 30_000;

/** Fetches an attachment as text, refusing anything over MAX_BYTES. */
export async function downloadText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`download answered ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > MAX_BYTES) throw new ImportFileError('The file is over 20 MB. Split it into smaller files.');
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
  for (const f of report.failed) problems.push('line' in f ? { line: f.line, reason: f.reason } : { employeeId: f.employeeId, reason: f.reason });
  return { kind, added: report.added, updated: report.updated, unchanged: report.unchanged, rejected: report.rejected.length, notSaved: report.failed.length, problems };
}

/** An import's counts for its audit record (never a row, a name or a reason). */
export function auditCounts(o: Pick<ImportOutcome, 'added' | 'updated' | 'unchanged' | 'rejected' | 'notSaved'> & { left?: number }): Record<string, number> {
  return { added: o.added, updated: o.updated, unchanged: o.unchanged, rejected: o.rejected, notSaved: o.notSaved, ...(o.left !== undefined ? { left: o.left } : {}) };
}

export interface ImportsCapability extends Capability {
  /** Resolves once the imports still running in the background have finished (for a clean stop). */
  drain(): Promise<void>;
}

export function createImportsCapability(deps: ImportsDeps): ImportsCapability {
  const running = new Set<Promise<void>>();

  /** Downloads, imports and reports one file; runs after the turn has answered "Importing…". */
  const run = async (turn: ChatTurn, oid: string, csv: ChatFile, name: string, isLead: boolean, managerTeam: string | undefined): Promise<void> => {
    const tell = (text: string) => deps.notifier.sendToPerson(oid, { text });
    let text: string;
    try {
      text = await downloadText(csv.downloadUrl);
    } catch (err) {
      turn.log.warn({ err: { message: (err as Error).message } }, 'attachment download failed');
      await tell(err instanceof ImportFileError ? err.message : `I could not open ${name} (the download failed). Please send it again.`);
      return;
    }
    const kind = importKind(text);
    if (!kind) {
      await tell(`I could not tell what ${name} holds from its first row. A staff list needs the columns ${STAFF_COLUMNS.join(',')}; training records need ${TRAINING_COLUMNS.join(',')}.`);
      return;
    }
    if (kind === 'staff' && !isLead) {
      turn.log.info({ permission: 'people.import', kind }, 'refused');
      await auditRefusal(deps.audit, turn, 'people.import', { file: kind });
      await tell(`Only safeguarding leads can import the staff list. You can send your team's training records (${TRAINING_COLUMNS.join(',')}).`);
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
        staff = await importStaff(deps.directory, text, { staffGroups: deps.rules.staffGroups.map((g) => g.id), now: deps.now?.() });
        outcome = toOutcome('staff', staff);
      } else outcome = toOutcome('training', await importTraining(deps.training, deps.directory, deps.rules, text, deps.now?.() ?? new Date(), { onlyTeam: managerTeam, importer: turn.principal.employeeId }));
    } catch (err) {
      if (!(err instanceof ImportFileError)) throw err;
      await tell(`${name}: ${err.message}`);
      return;
    }
    const importId = await deps.reports.save(outcome);
    turn.log.info({ import: kind, manager: !isLead, rejected: outcome.rejected, notSaved: outcome.notSaved }, 'import from chat');
    await deps.audit.note(turn.user, kind === 'staff' ? 'import.staff' : 'import.training', { via: 'chat', ...auditCounts(outcome), ...(isLead ? {} : { manager: true }) }, turn.log);
    await tell(chatSummary(name, outcome, importId ? deps.reports.link(importId, name === 'your file' ? 'import' : csv.name, oid) : undefined));
    if (staff && run) {
      await deps.runs.keepNamed(run, staff.named);
      const plan = await planLeavers(deps.directory, staff.named);
      if (plan.leavers.length > 0) {
        await deps.notifier.sendToPerson(oid, {
          card: renderCard('imports/leaversOffer', { file: name, run, missingLabel: `${n(plan.leavers.length)} of ${n(plan.current)} ${plan.current === 1 ? 'person' : 'people'}`, missingVerb: plan.leavers.length === 1 ? 'is' : 'are' }),
          fallbackText: `${n(plan.leavers.length)} people in the staff list are not in ${name}`,
        });
      }
    }
  };

  /**
   * Checks an offer is still for the latest staff import and works out its leavers afresh; tells
   * the lead why not otherwise. Nothing is written here.
   */
  const offer = async (turn: ChatTurn, run: string): Promise<{ latest: NonNullable<Awaited<ReturnType<StaffImportRuns['latest']>>>; plan: LeaverPlan } | undefined> => {
    const latest = await deps.runs.latest();
    if (!latest || latest.runId !== run) {
      await turn.send({ text: 'A newer staff import has been made since that file, so I have not marked anyone as left. If the newest file is the whole staff list, send it again and use its button.' });
      return undefined;
    }
    if (latest.leaversMarkedAt) {
      await turn.send({ text: 'The people not in that file have already been marked as left.' });
      return undefined;
    }
    const named = await deps.runs.named(run);
    if (!named) {
      await turn.send({ text: 'That offer has expired (it lasts a day). Send the file again if it is the whole staff list.' });
      return undefined;
    }
    const plan = await planLeavers(deps.directory, named);
    if (plan.leavers.length === 0) {
      await turn.send({ text: 'Everyone in the staff list is in that file, so there is nobody to mark as left.' });
      return undefined;
    }
    return { latest, plan };
  };

  /** The confirm card: how many, who (first names), and for more than 10% a second, explicit step. */
  const confirmCard = async (run: string, plan: LeaverPlan, step: 'first' | 'second', problems = ''): Promise<{ card: Record<string, unknown>; fallbackText: string }> => {
    const people = await deps.directory.getMany(plan.leavers.slice(0, 500));
    const names = [...people.values()].map((p) => `${md(p.name)} (${md(p.team)})`).sort((a, b) => a.localeCompare(b));
    const shown = names.slice(0, 20);
    const count = `${n(plan.leavers.length)} of ${n(plan.current)} ${plan.current === 1 ? 'person' : 'people'} (${plan.percent}%)`;
    const over = `That is more than ${MAX_LEAVERS_UNCONFIRMED * 100}% of the staff list: a file that was cut short, or the wrong file, would look like this. Check it really is the whole staff list.`;
    return {
      card: renderCard('imports/leaversConfirm', {
        heading: step === 'second' ? 'Are you sure?' : 'Mark people not in this file as leavers?',
        problems,
        countLine: `This marks ${count} in the staff list as left: everyone not in the file.`,
        warning: plan.needsConfirm ? (step === 'second' ? `${over} Press once more only if you are sure.` : over) : '',
        names: `${shown.join(', ')}${plan.leavers.length > shown.length ? `, and ${n(plan.leavers.length - shown.length)} more` : ''}.`,
        confirmTitle: step === 'second' ? `Yes, I am sure: mark ${n(plan.leavers.length)} as left` : `Mark ${n(plan.leavers.length)} as left`,
        run,
        count: String(plan.leavers.length),
        step,
      }),
      fallbackText: `Mark ${count} as left?`,
    };
  };

  const leaversReview = async (turn: ChatTurn): Promise<void> => {
    if (!can(turn.principal, 'people.import')) return refuseLeavers(turn);
    const parsed = reviewSchema.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'I could not tell which import you meant. Send the staff file again.' });
    const found = await offer(turn, parsed.data.run);
    if (found) await turn.send(await confirmCard(parsed.data.run, found.plan, 'first'));
  };

  const leaversApply = async (turn: ChatTurn): Promise<void> => {
    if (!can(turn.principal, 'people.import')) return refuseLeavers(turn);
    const parsed = applySchema.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'I could not tell which import you meant. Send the staff file again.' });
    const { run, count, step } = parsed.data;
    const found = await offer(turn, run);
    if (!found) return;
    const { latest, plan } = found;
    // Never a number the lead has not seen: if the staff list changed since the card, show it again.
    if (plan.leavers.length !== count) return turn.send(await confirmCard(run, plan, 'first', 'The staff list has changed since that card. Here are the figures now.'));
    if (plan.needsConfirm && step !== 'second') return turn.send(await confirmCard(run, plan, 'second'));
    if (!(await deps.runs.claimLeavers(latest))) {
      return turn.send({ text: 'Another staff import, or another lead, got there at the same moment, so I have not marked anyone as left. Send the newest file again if it is the whole staff list.' });
    }
    // The same code as `npm run import -- staff --full`.
    const marked = await markLeavers(deps.directory, plan.leavers, deps.now?.() ?? new Date());
    turn.log.info({ left: marked.left, notSaved: marked.failed.length }, 'leavers marked from the chat');
    await deps.audit.note(turn.user, 'import.leavers', { via: 'chat', run, left: marked.left, notSaved: marked.failed.length, of: plan.current, ...(plan.needsConfirm ? { confirmedTwice: true } : {}) }, turn.log);
    await turn.send({
      text:
        `Marked ${n(marked.left)} ${marked.left === 1 ? 'person' : 'people'} as left. They are kept for history, but are no longer in audiences, menus or compliance figures; importing them again brings them back.` +
        (marked.failed.length ? ` ${n(marked.failed.length)} could not be marked (changed by someone else at the same moment): send the file again to try them again.` : ''),
    });
  };

  const refuseLeavers = async (turn: ChatTurn): Promise<void> => {
    turn.log.info({ permission: 'people.import' }, 'refused');
    await turn.send({ text: 'Only safeguarding leads can change the staff list.' });
  };

  const handle = async (turn: ChatTurn): Promise<boolean> => {
    const files = turn.files ?? [];
    if (files.length === 0) return false;
    if (turn.conversation.kind !== 'personal') {
      // An import's report names people and rows: files are only taken in the 1:1 chat.
      await turn.send({ text: 'Please send files to me in our 1:1 chat: I do not import files shared in a group chat or a channel.' });
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
      await turn.send({ text: 'I can import a staff list or training records from a CSV file (.csv). Save the spreadsheet as CSV and send it again.' });
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
      turn.log.error({ err: { message: (err as Error).message, name: (err as Error).name }, ref }, 'import from chat failed');
      await deps.notifier
        .sendToPerson(oid, { text: `Sorry, the import of ${name} did not finish. Rows already saved stay saved; sending the file again is safe. If it keeps happening, tell the safeguarding team and quote reference ${ref}.` })
        .catch(() => undefined);
    });
    running.add(job);
    void job.finally(() => running.delete(job));
    return true;
  };
  return {
    name: 'imports',
    onUnrecognised: handle,
    actions: [
      { verb: 'imports.leaversReview', permission: 'people.import', privileged: true, handle: leaversReview },
      { verb: 'imports.leaversApply', permission: 'people.import', privileged: true, handle: leaversApply },
    ],
    async drain() {
      await Promise.all([...running]);
    },
  };
}
