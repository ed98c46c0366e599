import 'dotenv/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { AuditTrail } from '../src/audit';
import { auditCounts, toOutcome } from '../src/imports';
import { StaffImportRuns } from '../src/imports/runsStore';
import { ConfigError, loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { PeopleDirectory } from '../src/people/directory';
import { describeStaffImport, ImportFileError, importStaff } from '../src/people/staffImport';
import { StoreLockedError } from '../src/storage/embedded';
import { openStore } from '../src/storage/store';
import { describeTrainingImport, importTraining } from '../src/training/importTraining';
import { loadTrainingRules } from '../src/training/rules';
import { TrainingStore } from '../src/training/store';

/**
 * `npm run import -- staff <file.csv>` and `npm run import -- training <file.csv>`
 *
 * With the embedded store, if the bot is running on the same DATA_DIR the import goes through the
 * bot's own store endpoint (it never opens the files a second time); otherwise it opens the store.
 * Exit codes: 0 all rows imported, 2 some rows rejected or not saved, 1 the file or setup is unusable.
 */
const USAGE =
  'Usage: npm run import -- staff [--full [--confirm]] <file.csv>   or   npm run import -- training <file.csv>\n' +
  '  --full     the file is the whole staff list: people not in it are marked as left\n' +
  '  --confirm  allow a full import to mark more than 10% of staff as left';

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith('--')));
  const [kind, file, ...extra] = argv.filter((a) => !a.startsWith('--'));
  const unknown = [...flags].filter((f) => f !== '--full' && f !== '--confirm');
  if (
    (kind !== 'staff' && kind !== 'training') ||
    !file ||
    extra.length ||
    unknown.length ||
    (kind === 'training' && flags.size) ||
    (flags.has('--confirm') && !flags.has('--full'))
  ) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}\n`,
    );
    return 1;
  }
  const config = loadConfig();
  const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
  const store = await openStore(config, { log: createLogger('warn'), attachIfRunning: true });
  try {
    if (store.mode === 'attached')
      process.stdout.write('The bot is running on this data folder: importing through it.\n');
    const directory = new PeopleDirectory(store, config.safeguardingLeadIds);
    let summary: string;
    let problems: number;
    let counts: Record<string, number>;
    if (kind === 'staff') {
      // The latest staff import from now, before anything is written: an offer in the chat from an earlier file to mark leavers is refused.
      await new StaffImportRuns(store).begin('cli');
      const report = await importStaff(directory, text, {
        staffGroups: rules.staffGroups.map((g) => g.id),
        full: flags.has('--full'),
        confirm: flags.has('--confirm'),
      });
      summary = describeStaffImport(report);
      problems = report.rejected.length + report.failed.length;
      counts = auditCounts({ ...toOutcome('staff', report), ...(flags.has('--full') ? { left: report.left } : {}) });
    } else {
      const report = await importTraining(new TrainingStore(store), directory, rules, text);
      summary = describeTrainingImport(report);
      problems = report.rejected.length + report.failed.length;
      counts = auditCounts(toOutcome('training', report));
    }
    process.stdout.write(`${summary}\n`);
    // In the audit trail like a chat import: the command line has no Entra id, so the login name stands for who.
    const login = (() => {
      try {
        return os.userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
    const recorded = await new AuditTrail(store, () => new Date(), config.auditRetentionYears)
      .record(
        { aadObjectId: `cli:${login}`, name: `${login} (command line)` },
        kind === 'staff' ? 'import.staff' : 'import.training',
        { via: 'cli', ...counts, ...(flags.has('--full') ? { full: true } : {}) },
      )
      .then(
        () => true,
        () => false,
      );
    if (!recorded)
      process.stderr.write(
        'The import is done, but its audit record could not be written: tell the safeguarding team.\n',
      );
    return problems > 0 ? 2 : 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof StoreLockedError || err instanceof ImportFileError;
    process.stderr.write(`${known ? '' : 'The import failed: '}${(err as Error).message}\n`);
    process.exit(1);
  },
);
