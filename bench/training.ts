import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { importStaff } from '../src/people/staffImport';
import { importTraining } from '../src/training/importTraining';
import { writeTrainingFixture } from './trainingFixture';

/**
 * `npm run bench:training`: 50,000 staff and 200,000 training records in the embedded store, with
 * the whole bot running in this process. The store runs in its own process, as Cosmos DB would in
 * production (its peak RSS is printed too); `BENCH_STORE=inprocess` keeps it inside this process,
 * as `npm start` does on a laptop.
 * Targets: both imports at >= 2,000 rows/s; a 500-person team's compliance card in <= 200 ms;
 * organisation-wide compliance in <= 2 s; RSS under 400 MB. The card timings are what a lead
 * waits for: from posting "team compliance Team N" to /api/messages until the card reaches the
 * loopback connector. The baseline, measured in the same run, writes rows one request at a time.
 */
const STAFF = Number(process.env.BENCH_STAFF ?? 50_000);
/** Training rows per person (1 to 4): `npm run bench:scale` uses 200,000 staff with one row each. */
const RECORDS_PER_PERSON = Math.min(4, Math.max(1, Number(process.env.BENCH_RECORDS_PER_PERSON ?? 4)));
/** The targets are for the default size; at another size the run reports its figures and checks only that everything worked. */
const AT_TARGET_SIZE = STAFF === 50_000 && RECORDS_PER_PERSON === 4;
const TEAM_SIZE = 500;
const LEAD = 'b0b0b0b0-0000-4000-8000-00000000b0b0';
const NOW = new Date('2026-11-23T09:00:00Z');

const csvFiles = (dir: string) => writeTrainingFixture(dir, { staff: STAFF, teamSize: TEAM_SIZE });

interface Reply {
  text?: string;
  attachments?: { content?: unknown }[];
}

/** A loopback Teams connector that hands each reply to whoever is waiting for it. */
async function connector(): Promise<{ url: string; next(): Promise<Reply>; close(): Promise<void> }> {
  let waiting: ((reply: Reply) => void) | undefined;
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `reply-${++n}` }));
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Reply & { type?: string };
      if (activity.type === 'message' && waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve(activity);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    next: () => new Promise<Reply>((resolve) => (waiting = resolve)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const mb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-training-'));
  const files = csvFiles(dir);
  const teams = await connector();
  const dataDir = path.join(dir, 'data');
  const separateStore = process.env.BENCH_STORE !== 'inprocess';
  const storeProcess = separateStore
    ? fork(path.join(__dirname, 'storeServer.js'), [], {
        env: { ...process.env, DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      })
    : undefined;
  if (storeProcess) await new Promise((resolve) => storeProcess.once('message', resolve));
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', SAFEGUARDING_LEAD_IDS: LEAD });
  const app = await startApp(config, createLogger('warn'), {
    host: '127.0.0.1',
    now: () => NOW,
    reminderIntervalMs: 0,
    briefingIntervalMs: 0,
    attachToStore: separateStore,
  });
  process.stdout.write(
    `store: ${separateStore ? 'embedded Cosmos-compatible server in its own process (as Cosmos DB would be)' : 'embedded, in this process (as npm start)'}\n`,
  );
  /** Peak RSS of the store's process so far, from Linux's own count. */
  const storePeak = () => {
    if (!storeProcess?.pid) return undefined;
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${storeProcess.pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  };
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
  let seq = 0;
  /** The lead types `text` in their 1:1 chat; resolves with the bot's reply and how long it took. */
  const ask = async (text: string): Promise<{ reply: Reply; ms: number }> => {
    const started = performance.now();
    const reply = teams.next();
    const res = await fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `bench-${++seq}`,
        channelId: 'msteams',
        serviceUrl: teams.url,
        timestamp: new Date().toISOString(),
        from: { id: `29:${LEAD}`, aadObjectId: LEAD, name: 'Bench Lead' },
        recipient: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
        conversation: { id: `a:personal-${LEAD}`, conversationType: 'personal', tenantId: 'tenant-1' },
        channelData: { tenant: { id: 'tenant-1' } },
        locale: 'en-GB',
        text,
      }),
    });
    if (res.status >= 300) throw new Error(`the bot answered ${res.status}`);
    return { reply: await reply, ms: performance.now() - started };
  };
  try {
    // Baseline: one request per row, on 2,000 rows.
    const baselineRows = 2000;
    const scratch = app.store.container('people');
    let t = performance.now();
    for (let i = 0; i < baselineRows; i++)
      await scratch.items.create({ id: `baseline-${i}`, name: 'x', team: 'Baseline' });
    const baselineRate = baselineRows / ((performance.now() - t) / 1000);
    for (let i = 0; i < baselineRows; i++) await scratch.item(`baseline-${i}`, `baseline-${i}`).delete();
    await ask('help'); // the lead has chatted with the bot before
    phase('bot started, baseline');

    t = performance.now();
    const staffReport = await importStaff(app.directory, fs.readFileSync(files.staff, 'utf8'), {
      staffGroups: app.trainingRules.staffGroups.map((g) => g.id),
    });
    const staffSeconds = (performance.now() - t) / 1000;
    phase('staff import');
    t = performance.now();
    const trainingReport = await importTraining(
      app.training.store,
      app.directory,
      app.trainingRules,
      fs.readFileSync(files.training, 'utf8'),
      NOW,
    );
    const trainingSeconds = (performance.now() - t) / 1000;
    phase('training import');

    const teamTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { reply, ms } = await ask(`team compliance Team ${(i * 7) % Math.ceil(STAFF / TEAM_SIZE)}`);
      teamTimes.push(ms);
      const card = JSON.stringify(reply.attachments?.[0]?.content ?? {});
      if (!card.includes(`${TEAM_SIZE} people`))
        throw new Error(`the team card did not show ${TEAM_SIZE} people: ${reply.text ?? card.slice(0, 200)}`);
    }
    // A large organisation's figures may come as "Working out…" first, then the list when ready.
    const orgStarted = performance.now();
    let org = await ask('organisation compliance');
    if (org.reply.text?.startsWith('Working out')) org = { reply: await teams.next(), ms: 0 };
    org.ms = performance.now() - orgStarted;
    // The organisation card has one row per team (each opens that team's card); beyond its limit, "…and N more teams".
    const orgCard = JSON.stringify(org.reply.attachments?.[0]?.content ?? {});
    const more = /…and ([\d,]+) more teams/.exec(orgCard)?.[1];
    const teamLines =
      (orgCard.match(/"verb":"training\.team"/g) ?? []).length + (more ? Number(more.replace(/,/g, '')) : 0);
    if (teamLines !== Math.ceil(STAFF / TEAM_SIZE))
      throw new Error(`organisation compliance listed ${teamLines} teams`);
    phase('team and organisation');

    const staffRate = STAFF / staffSeconds;
    const trainingRate = (STAFF * RECORDS_PER_PERSON) / trainingSeconds;
    const teamRuns = teamTimes.map((ms) => ms.toFixed(0)).join(', ');
    const teamMs = [...teamTimes].sort((a, b) => a - b)[Math.floor(teamTimes.length / 2)]!;
    const lines = [
      `staff import:      ${staffReport.added} rows in ${staffSeconds.toFixed(1)} s = ${Math.round(staffRate)} rows/s (target >= 2000)`,
      `training import:   ${trainingReport.added} rows in ${trainingSeconds.toFixed(1)} s = ${Math.round(trainingRate)} rows/s (target >= 2000)`,
      `baseline (one request per row): ${Math.round(baselineRate)} rows/s; bulk import is ${(Math.min(staffRate, trainingRate) / baselineRate).toFixed(1)}x the baseline`,
      `team compliance card (500 people), median of 5: ${teamMs.toFixed(0)} ms (target <= 200); in order: ${teamRuns} ms`,
      `organisation compliance (${teamLines} teams): ${org.ms.toFixed(0)} ms (target <= 2000)`,
      `peak RSS of the bot process: ${peakRss} MB (target < 400); by phase: ${phases.join(', ')}`,
      ...(separateStore
        ? [
            `peak RSS of the store's process: ${storePeak() ?? '?'} MB (all the rows are in it, as they would be in Cosmos DB)`,
          ]
        : []),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (staffReport.added !== STAFF || trainingReport.added !== STAFF * RECORDS_PER_PERSON)
      throw new Error(`imported ${staffReport.added} staff and ${trainingReport.added} training rows`);
    if (!AT_TARGET_SIZE) {
      process.stdout.write(
        `${STAFF.toLocaleString('en-GB')} staff, ${(STAFF * RECORDS_PER_PERSON).toLocaleString('en-GB')} training rows: everything imported and counted (the targets are for 50,000 staff with 4 rows each)\n`,
      );
      return;
    }
    const ok = staffRate >= 2000 && trainingRate >= 2000 && teamMs <= 200 && org.ms <= 2000 && peakRss < 400;
    process.stdout.write(`${ok ? 'all targets met' : 'TARGETS NOT MET'}\n`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    clearInterval(timer);
    await app.close();
    await teams.close();
    if (storeProcess) {
      storeProcess.kill('SIGTERM');
      await new Promise((resolve) => storeProcess.once('exit', resolve));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
