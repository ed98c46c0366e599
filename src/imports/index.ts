import type { Capability, ChatTurn } from '../chat/types';
import { ImportFileError } from '../csv';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { describeStaffImport, importStaff, STAFF_COLUMNS } from '../people/staffImport';
import { describeTrainingImport, importTraining, TRAINING_COLUMNS } from '../training/importTraining';
import type { TrainingRules } from '../training/rules';
import type { TrainingStore } from '../training/store';

/**
 * The staff and training imports from a CSV file a safeguarding lead attaches in their 1:1 chat:
 * the same code as `npm run import`, chosen by the file's header row. A manager may send their own
 * team's training records; rows for anyone else are rejected.
 */
export interface ImportsDeps {
  directory: PeopleDirectory;
  training: TrainingStore;
  rules: TrainingRules;
  now?: () => Date;
}

const MAX_BYTES = 20 * 1024 * 1024;
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

export function createImportsCapability(deps: ImportsDeps): Capability {
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
    let text: string;
    try {
      text = await downloadText(csv.downloadUrl);
    } catch (err) {
      turn.log.warn({ err: { message: (err as Error).message } }, 'attachment download failed');
      await turn.send({ text: err instanceof ImportFileError ? err.message : `I could not open ${csv.name} (the download failed). Please send it again.` });
      return true;
    }
    const kind = importKind(text);
    if (!kind) {
      await turn.send({
        text: `I could not tell what ${csv.name} holds from its first row. A staff list needs the columns ${STAFF_COLUMNS.join(',')}; training records need ${TRAINING_COLUMNS.join(',')}.`,
      });
      return true;
    }
    if (kind === 'staff' && !isLead) {
      turn.log.info({ permission: 'people.import', kind }, 'refused');
      await turn.send({ text: `Only safeguarding leads can import the staff list. You can send your team's training records (${TRAINING_COLUMNS.join(',')}).` });
      return true;
    }
    try {
      const summary =
        kind === 'staff'
          ? describeStaffImport(await importStaff(deps.directory, text, { staffGroups: deps.rules.staffGroups.map((g) => g.id), now: deps.now?.() }))
          : describeTrainingImport(await importTraining(deps.training, deps.directory, deps.rules, text, deps.now?.() ?? new Date(), { onlyTeam: managerTeam, importer: turn.principal.employeeId }));
      turn.log.info({ import: kind, manager: !isLead }, 'import from chat');
      await turn.send({ text: `${csv.name}\n\n${summary}` });
    } catch (err) {
      if (!(err instanceof ImportFileError)) throw err;
      await turn.send({ text: `${csv.name}: ${err.message}` });
    }
    return true;
  };
  return { name: 'imports', onUnrecognised: handle };
}
