import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { writeTrainingFixture } from './trainingFixture';

/**
 * `npm run bench:startup`: how long the bot takes from `node` starting to its first `/healthz` 200,
 * and how much memory it holds idle, with an empty DATA_DIR (the baseline, in the same run) and
 * with STAFF people (default 50,000, each with an Entra id) and four training records each
 * (200,000), the turns benchmark's fixture, imported through the same code as the command line.
 *
 * The bot runs as `npm start` does (the same V8 flag, the embedded store in its own process
 * space); then, for comparison, with the store in a process of its own (as Cosmos DB would be,
 * and as the other benchmarks run it): the store's start and the bot's start are timed apart.
 * Idle RSS is read IDLE_S seconds (default 20) after /healthz first answers 200, with the
 * bot's timers running. Targets (issue 17): under 5 s to /healthz and under 300 MB idle, at 50,000.
 */
const STAFF = Number(process.env.BENCH_STAFF ?? 50_000);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const V8_FLAGS = ['--heap-growing-percent=25', '--max-semi-space-size=32'];
const entraId = (i: number) => `${(0x20000000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, '0')}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : NaN;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

function forkScript(script: string, env: Record<string, string>): ChildProcess {
  const child = fork(path.join(__dirname, script), [], {
    env: { ...process.env, ...env },
    execArgv: V8_FLAGS,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.on('message', () => undefined);
  return child;
}

function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: T) => resolve(m));
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

interface Start {
  /** From fork to the first /healthz 200, ms. */
  healthzMs: number;
  /** The store on its own: from fork to ready (store apart only). */
  storeMs?: number;
  rssAtHealthz: number;
  rssIdle: number;
  /** The bot's JS heap in use at idle (process.memoryUsage().heapUsed), MB. */
  heapIdle: number;
  storeRssIdle?: number;
}

/** Starts the bot on dataDir, times it to /healthz 200, waits IDLE_S, reads RSS, stops it. */
async function startOnce(dataDir: string, apart: boolean): Promise<Start> {
  let store: ChildProcess | undefined;
  let storeMs: number | undefined;
  const t0 = performance.now();
  if (apart) {
    store = forkScript('storeServer.js', { DATA_DIR: dataDir });
    await firstMessage(store);
    storeMs = performance.now() - t0;
  }
  const port = await freePort();
  const t1 = performance.now();
  const bot = forkScript('turnsBot.js', {
    DATA_DIR: dataDir,
    BENCH_PORT: String(port),
    ATTACH_TO_STORE: apart ? '1' : '0',
  });
  const exited = new Promise<never>((_r, reject) =>
    bot.once('exit', (code) => reject(new Error(`the bot exited with ${code} before /healthz answered`))),
  );
  exited.catch(() => undefined);
  try {
    for (;;) {
      if (await Promise.race([healthy(port), exited])) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const healthzMs = performance.now() - (apart ? t1 : t0);
    const rssAtHealthz = rssMb(bot.pid);
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const rssIdle = rssMb(bot.pid);
    const memory = new Promise<{ memory?: NodeJS.MemoryUsage }>((resolve) => {
      bot.on('message', (m: { memory?: NodeJS.MemoryUsage }) => m.memory && resolve(m));
      setTimeout(() => resolve({}), 5000); // a bot that does not answer: the heap is printed as NaN
    });
    bot.send({ memory: true });
    const { memory: usage } = await memory;
    return {
      healthzMs,
      storeMs,
      rssAtHealthz,
      rssIdle,
      heapIdle: Math.round((usage?.heapUsed ?? NaN) / 1024 / 1024),
      storeRssIdle: store ? rssMb(store.pid) : undefined,
    };
  } finally {
    await stop(bot);
    await stop(store);
  }
}

const range = (xs: number[], unit: string, digits = 0) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return `${lo.toFixed(digits)}${hi !== lo ? `-${hi.toFixed(digits)}` : ''} ${unit}`;
};

function report(name: string, starts: Start[]): void {
  const s = (f: (x: Start) => number | undefined) => starts.map(f).filter((x): x is number => x !== undefined);
  const store = s((x) => x.storeMs).length
    ? `; store ready ${range(
        s((x) => x.storeMs! / 1000),
        's',
        2,
      )}, store idle RSS ${range(
        s((x) => x.storeRssIdle),
        'MB',
      )}`
    : '';
  console.log(
    `${name.padEnd(34)} /healthz 200 after ${range(
      s((x) => x.healthzMs / 1000),
      's',
      2,
    )}; RSS at /healthz ${range(
      s((x) => x.rssAtHealthz),
      'MB',
    )}, idle ${range(
      s((x) => x.rssIdle),
      'MB',
    )} (JS heap in use ${range(
      s((x) => x.heapIdle),
      'MB',
    )})${store}`,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
  try {
    console.log(
      `${RUNS} starts each; idle RSS read ${IDLE_S} s after /healthz; bot with ${V8_FLAGS.join(' ')} as npm start`,
    );
    const empty = path.join(dir, 'empty');
    const emptyStarts: Start[] = [];
    for (let i = 0; i < RUNS; i++) emptyStarts.push(await startOnce(empty, false));
    report('empty store, store in process', emptyStarts);

    // Fill a DATA_DIR through the bot, as the import command does.
    const full = path.join(dir, 'full');
    const files = writeTrainingFixture(dir, { staff: STAFF, teamSize: 500, entraId });
    const bot = forkScript('turnsBot.js', { DATA_DIR: full });
    await firstMessage(bot);
    const t = performance.now();
    bot.send({ import: files });
    const imported = await firstMessage<{ imported?: { staff: number; training: number }; error?: string }>(bot);
    if (!imported.imported) throw new Error(`the import failed: ${imported.error}`);
    await stop(bot);
    const bytes = fs.readdirSync(full).reduce((n, f) => n + fs.statSync(path.join(full, f)).size, 0);
    console.log(
      `imported ${imported.imported.staff.toLocaleString('en-GB')} staff and ${imported.imported.training.toLocaleString('en-GB')} training records in ${((performance.now() - t) / 1000).toFixed(1)} s; DATA_DIR ${(bytes / 1024 / 1024).toFixed(0)} MB`,
    );

    // The first start after the import replays its journal; the later ones a snapshot alone.
    const fullStarts: Start[] = [];
    for (let i = 0; i < RUNS; i++) {
      fullStarts.push(await startOnce(full, false));
      if (i === 0) report(`${STAFF.toLocaleString('en-GB')} staff, first start (journal)`, fullStarts);
    }
    report(
      `${STAFF.toLocaleString('en-GB')} staff, store in process`,
      fullStarts.slice(1).length ? fullStarts.slice(1) : fullStarts,
    );
    const apart: Start[] = [];
    for (let i = 0; i < RUNS; i++) apart.push(await startOnce(full, true));
    report(`${STAFF.toLocaleString('en-GB')} staff, store apart`, apart);

    const steady = fullStarts.slice(1).length ? fullStarts.slice(1) : fullStarts;
    const worstMs = Math.max(...steady.map((x) => x.healthzMs), fullStarts[0]!.healthzMs);
    const worstRss = Math.max(...steady.map((x) => x.rssIdle));
    const met = worstMs < 5000 && worstRss < 300;
    console.log(
      `targets (/healthz < 5 s, idle RSS < 300 MB, ${STAFF.toLocaleString('en-GB')} staff, store in process as npm start): ${met ? 'met' : 'NOT met'}; total run ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    // Production's shape: the bot alone, its data in Cosmos DB (here the store in its own process).
    const apartMs = Math.max(...apart.map((x) => x.healthzMs));
    const apartRss = Math.max(...apart.map((x) => x.rssIdle));
    console.log(
      `targets, the bot with its store apart as in production (Cosmos DB): ${apartMs < 5000 && apartRss < 300 ? 'met' : 'NOT met'} (/healthz ${(apartMs / 1000).toFixed(2)} s, idle RSS ${apartRss} MB)`,
    );
    console.log(
      `startup_healthz_ms=${worstMs.toFixed(0)} idle_rss_mb=${worstRss} empty_healthz_ms=${Math.max(...emptyStarts.map((x) => x.healthzMs)).toFixed(0)} apart_healthz_ms=${apartMs.toFixed(0)} apart_idle_rss_mb=${apartRss}`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
