import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { PeopleDirectory } from '../src/people/directory';
import { importStaff } from '../src/people/staffImport';
import { openStore } from '../src/storage/store';
import { ExportLinks } from '../src/exports';
import { DeferredNotifier } from '../src/chat/types';
import { TrainingService } from '../src/training';
import { importTraining } from '../src/training/importTraining';
import { loadTrainingRules } from '../src/training/rules';

/**
 * `npm run bench:training`: 50,000 staff and 200,000 training records in the embedded store.
 * Targets: both imports at >= 2,000 rows/s; a 500-person team's compliance in <= 200 ms;
 * organisation-wide compliance in <= 2 s; RSS under 400 MB. The baseline, measured in the same
 * run, is writing rows one request at a time instead of in bulk.
 */
const STAFF = Number(process.env.BENCH_STAFF ?? 50_000);
const RECORDS_PER_PERSON = 4;
const TEAM_SIZE = 500;

function csvFiles(dir: string): { staff: string; training: string } {
  const groups = ['all-staff', 'patient-contact', 'clinical', 'named-professional', 'designated-professional'];
  const staff = ['employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code'];
  const training = ['employee_id,subject,level,completed_on,hours,provider'];
  for (let i = 0; i < STAFF; i++) {
    const id = `E${String(i).padStart(6, '0')}`;
    const group = groups[i % 10 === 0 ? 2 : i % 5]!;
    staff.push(`${id},Person ${i},p${i}@example.nhs.uk,,Team ${Math.floor(i / TEAM_SIZE)},${group},${i % TEAM_SIZE === 0 ? 'manager' : ''},`);
    const day = (k: number) => `202${4 + ((i + k) % 2)}-${String(1 + ((i + k) % 12)).padStart(2, '0')}-${String(1 + ((i * 7 + k) % 28)).padStart(2, '0')}`;
    training.push(`${id},children,${1 + (i % 3)},${day(0)},12,eLfH`);
    training.push(`${id},adults,${1 + (i % 3)},${day(1)},8,eLfH`);
    training.push(`${id},prevent,${i % 2 ? 1 : 3},${day(2)},1,eLfH`);
    training.push(`${id},children,${1 + (i % 3)},${day(3)},2,Local update`);
  }
  void RECORDS_PER_PERSON;
  const files = { staff: path.join(dir, 'staff.csv'), training: path.join(dir, 'training.csv') };
  fs.writeFileSync(files.staff, staff.join('\n'));
  fs.writeFileSync(files.training, training.join('\n'));
  return files;
}

const mb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-training-'));
  const files = csvFiles(dir);
  const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
  const store = await openStore({ cosmos: { database: 'bench' }, dataDir: path.join(dir, 'data') });
  let peakRss = mb();
  let phasePeak = 0;
  const phases: string[] = [];
  const sample = () => {
    const now = mb();
    peakRss = Math.max(peakRss, now);
    phasePeak = Math.max(phasePeak, now);
  };
  /** Ends a phase: records its own peak RSS and starts the next one. */
  const phase = (name: string) => {
    sample();
    phases.push(`${name} ${phasePeak} MB`);
    phasePeak = 0;
  };
  const timer = setInterval(sample, 50);
  try {
    // Baseline: one request per row, on 2,000 rows.
    const baselineRows = 2000;
    const scratch = store.container('people');
    let t = performance.now();
    for (let i = 0; i < baselineRows; i++) await scratch.items.create({ id: `baseline-${i}`, name: 'x', team: 'Baseline' });
    const baselineRate = baselineRows / ((performance.now() - t) / 1000);
    for (let i = 0; i < baselineRows; i++) await scratch.item(`baseline-${i}`, `baseline-${i}`).delete();
    phase('baseline');

    const directory = new PeopleDirectory(store, []);
    t = performance.now();
    const staffReport = await importStaff(directory, fs.readFileSync(files.staff, 'utf8'), { staffGroups: rules.staffGroups.map((g) => g.id) });
    const staffSeconds = (performance.now() - t) / 1000;
    phase('staff import');
    const service = new TrainingService({ rules, store, directory, notifier: new DeferredNotifier() /* the benchmark sends nothing */, exports: new ExportLinks(() => 'http://localhost'), now: () => new Date('2026-11-23T09:00:00Z') });
    t = performance.now();
    const trainingReport = await importTraining(service.store, directory, rules, fs.readFileSync(files.training, 'utf8'), new Date('2026-11-23T09:00:00Z'));
    const trainingSeconds = (performance.now() - t) / 1000;
    phase('training import');

    const teamTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const summary = await service.teamSummary(`Team ${(i * 7) % Math.ceil(STAFF / TEAM_SIZE)}`);
      teamTimes.push(performance.now() - t);
      if (summary.people !== TEAM_SIZE) throw new Error(`team had ${summary.people} people`);
    }
    t = performance.now();
    const org = await service.organisationSummary();
    const orgMs = performance.now() - t;
    phase('team and organisation');

    const staffRate = STAFF / staffSeconds;
    const trainingRate = (STAFF * RECORDS_PER_PERSON) / trainingSeconds;
    const teamRuns = teamTimes.map((ms) => ms.toFixed(0)).join(', ');
    const teamMs = [...teamTimes].sort((a, b) => a - b)[Math.floor(teamTimes.length / 2)]!;
    const lines = [
      `staff import:      ${staffReport.added} rows in ${staffSeconds.toFixed(1)} s = ${Math.round(staffRate)} rows/s (target >= 2000)`,
      `training import:   ${trainingReport.added} rows in ${trainingSeconds.toFixed(1)} s = ${Math.round(trainingRate)} rows/s (target >= 2000)`,
      `baseline (one request per row): ${Math.round(baselineRate)} rows/s; bulk import is ${(Math.min(staffRate, trainingRate) / baselineRate).toFixed(1)}x the baseline`,
      `team compliance (500 people), median of 5: ${teamMs.toFixed(0)} ms (target <= 200); in order: ${teamRuns} ms`,
      `organisation compliance (${org.length} teams): ${orgMs.toFixed(0)} ms (target <= 2000)`,
      `peak RSS: ${peakRss} MB (target < 400); by phase: ${phases.join(', ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    const ok = staffRate >= 2000 && trainingRate >= 2000 && teamMs <= 200 && orgMs <= 2000 && peakRss < 400;
    process.stdout.write(`${ok ? 'all targets met' : 'TARGETS NOT MET'}\n`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    clearInterval(timer);
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
