import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { writeTrainingFixture } from './trainingFixture';

/**
 * `npm run bench:turns`: what an ordinary turn costs, against a bare botbuilder echo bot measured
 * under the same load in the same run.
 *
 * CHATS concurrent 1:1 chats (default 100) each send a message, wait for the reply at a loopback
 * connector, and send the next, for DURATION seconds (default 60) after WARMUP seconds (default 10).
 * Every chat cycles through `help`, `worried` then the first button on the card that comes back,
 * `my training`, `briefings` and free text, starting at a different point of the cycle. A turn is
 * timed from posting the activity to /api/messages until its first reply reaches the connector.
 *
 * Targets, each run in its own process (the bot with the same V8 flag as `npm start`):
 *   1. the echo bot (bench/echoBot.ts);
 *   2. this bot with an empty staff list (the chats are strangers);
 *   3. this bot after importing STAFF people (default 50,000, each with an Entra id; the chats are
 *      among them) and four training records each, the training benchmark's fixture.
 * The embedded store runs in its own process, as Cosmos DB would (BENCH_STORE=inprocess keeps it
 * inside the bot's process, as `npm start` does on a laptop); its CPU per turn is printed apart.
 * Prints turns/s, p50/p95/p99 and CPU per turn for each, and
 * `turn_p99_ratio=<bot at 50k / echo> cpu_per_turn_ms=<bot at 50k>`.
 * Targets (issue 17): p99 at 50,000 staff at most 2x the echo bot's; CPU per turn at most 2 ms.
 */
const CHATS = Number(process.env.BENCH_CHATS ?? 100);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 10);
const STAFF = Number(process.env.BENCH_STAFF ?? 50_000);
const TEAM_SIZE = 500;
const V8_FLAGS = ['--heap-growing-percent=25', '--max-semi-space-size=32'];
const separateStore = process.env.BENCH_STORE !== 'inprocess';
/** Extra node flags for the bot only, e.g. BENCH_BOT_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile it. */
const BOT_FLAGS = (process.env.BENCH_BOT_FLAGS ?? '').split(' ').filter(Boolean);
/** When set, a CPU profile of the bot over each measured period is written here (one file per target). */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/** Which targets to run (comma-separated: echo, empty, staff); all three by default. */
const TARGETS = new Set((process.env.BENCH_TARGETS ?? 'echo,empty,staff').split(','));

/** Entra object id of staff member i (and of chat i's user: chat i is staff member i * stride). */
const entraId = (i: number) => `${(0x20000000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const stride = Math.max(1, Math.floor(STAFF / CHATS));

const FREE_TEXT = [
  'a baby with a bruise on his ear',
  'who do I call about an adult at risk out of hours',
  'what is county lines?',
  "I'm worried about a child at school",
  'an older man whose son takes his money',
];
type Step = { kind: string; text?: string; button?: true };
/** One cycle of a chat: `worried` is followed by a press of the first button on its card. */
const CYCLE: Step[] = [
  { kind: 'help', text: 'help' },
  { kind: 'worried', text: 'worried' },
  { kind: 'worried button', button: true },
  { kind: 'my training', text: 'my training' },
  { kind: 'briefings', text: 'briefings' },
  { kind: 'free text' },
];

interface Activity {
  type?: string;
  text?: string;
  attachments?: { content?: unknown }[];
}

/** The loopback connector: answers like the Bot Framework service and hands the first reply in each conversation to whoever waits for it. */
async function startConnector(): Promise<{
  url: string;
  next(conversationId: string): Promise<Activity>;
  close(): Promise<void>;
}> {
  const waiting = new Map<string, (a: Activity) => void>();
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
      res.writeHead(match ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: String(1_700_000_000_000 + ++n) }));
      if (!match) return;
      const conversationId = decodeURIComponent(match[1]!);
      const resolve = waiting.get(conversationId);
      if (!resolve) return;
      const activity = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Activity;
      if (activity.type !== 'message') return;
      waiting.delete(conversationId);
      resolve(activity);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    next: (conversationId) => new Promise<Activity>((resolve) => waiting.set(conversationId, resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The first Action.Submit's data on a card: the button a person would press. */
function firstButton(node: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(node)) {
    for (const x of node) {
      const found = firstButton(x);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.type === 'Action.Submit' && o.data && typeof o.data === 'object') return o.data as Record<string, unknown>;
    for (const v of Object.values(o)) {
      const found = firstButton(v);
      if (found) return found;
    }
  }
  return undefined;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time a process has used so far, in ms (Linux's own count). */
function cpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number | undefined {
  if (!pid) return undefined;
  const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Math.round(Number(kb) / 1024) : undefined;
}

function forkReady<T>(
  script: string,
  env: Record<string, string>,
  flags: string[] = [],
): Promise<{ child: ChildProcess; message: T }> {
  const child = fork(path.join(__dirname, script), [], {
    env: { ...process.env, ...env },
    execArgv: [...V8_FLAGS, ...flags],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: T) => resolve({ child, message }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

interface Result {
  name: string;
  turns: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
  cpuPerTurn: number;
  storeCpuPerTurn?: number;
  errors: number;
  byKind: Map<string, number[]>;
  rssMb?: number;
}

/** Drives CHATS chats against `botUrl` for the warm-up and then the measured period. */
async function load(
  name: string,
  botUrl: string,
  connector: Awaited<ReturnType<typeof startConnector>>,
  pids: { bot?: number; store?: number },
  tenant: string,
  profiled?: ChildProcess,
): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CHATS });
  const target = new URL('/api/messages', botUrl);
  const post = (body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const data = Buffer.from(JSON.stringify(body));
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  let measuring = false;
  let stopping = false;
  const times: number[] = [];
  const byKind = new Map<string, number[]>();
  let errors = 0;
  let seq = 0;

  const chat = async (c: number) => {
    const oid = entraId(c * stride);
    const conversationId = `a:bench-${tenant}-${c}`;
    let step = c % CYCLE.length;
    let card: unknown;
    while (!stopping) {
      const s = CYCLE[step % CYCLE.length]!;
      step++;
      const button = s.button ? firstButton(card) : undefined;
      if (s.button && !button) continue;
      const text = s.kind === 'free text' ? FREE_TEXT[(step + c) % FREE_TEXT.length] : s.text;
      const activity = {
        type: 'message',
        id: `b-${++seq}`,
        channelId: 'msteams',
        serviceUrl: connector.url,
        timestamp: new Date().toISOString(),
        from: { id: `29:${oid}`, aadObjectId: oid, name: `Chat ${c}` },
        recipient: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
        conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
        channelData: { tenant: { id: 'tenant-1' } },
        locale: 'en-GB',
        ...(button ? { value: button } : { text }),
      };
      const counted = measuring;
      const started = performance.now();
      const reply = connector.next(conversationId);
      let timeout: NodeJS.Timeout | undefined;
      try {
        const status = post(activity);
        const first = await Promise.race([
          reply,
          new Promise<undefined>((resolve) => (timeout = setTimeout(() => resolve(undefined), 30_000))),
        ]);
        const ms = performance.now() - started;
        const code = await status;
        if (!first || code >= 300) throw new Error(`no reply (HTTP ${code})`);
        card = first.attachments?.[0]?.content;
        if (counted && measuring) {
          times.push(ms);
          const list = byKind.get(s.kind) ?? [];
          list.push(ms);
          byKind.set(s.kind, list);
        }
      } catch {
        if (counted) errors++;
        card = undefined;
      } finally {
        clearTimeout(timeout);
      }
    }
  };

  const running = Array.from({ length: CHATS }, (_, c) => chat(c));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));
  const profile = (command: 'start' | 'stop') =>
    PROFILE_DIR && profiled
      ? new Promise<void>((resolve) => {
          profiled.once('message', () => resolve());
          profiled.send({ profile: command, file: path.join(PROFILE_DIR, `${tenant}.cpuprofile`) });
        })
      : Promise.resolve();
  await profile('start');
  const cpu0 = { bot: cpuMs(pids.bot), store: cpuMs(pids.store) };
  const t0 = performance.now();
  measuring = true;
  await new Promise((resolve) => setTimeout(resolve, DURATION_S * 1000));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = { bot: cpuMs(pids.bot), store: cpuMs(pids.store) };
  const rssMb = statusMb(pids.bot, 'VmRSS');
  await profile('stop');
  stopping = true;
  await Promise.all(running);
  agent.destroy();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    name,
    turns: times.length,
    seconds,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    cpuPerTurn: (cpu1.bot - cpu0.bot) / Math.max(1, times.length),
    storeCpuPerTurn: pids.store ? (cpu1.store - cpu0.store) / Math.max(1, times.length) : undefined,
    errors,
    byKind,
    rssMb,
  };
}

function report(r: Result): void {
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const store = r.storeCpuPerTurn !== undefined ? `, store ${r.storeCpuPerTurn.toFixed(2)} ms` : '';
  console.log(
    `${r.name.padEnd(22)} ${(r.turns / r.seconds).toFixed(0).padStart(5)} turns/s  p50 ${ms(r.p50)}  p95 ${ms(r.p95)}  p99 ${ms(r.p99)}  CPU per turn ${r.cpuPerTurn.toFixed(2)} ms${store}  errors ${r.errors}${r.rssMb ? `  RSS ${r.rssMb} MB` : ''}`,
  );
  if (r.byKind.size > 1) {
    const kinds = [...r.byKind.entries()].map(([k, v]) => {
      const s = [...v].sort((a, b) => a - b);
      return `${k} p50 ${pct(s, 50).toFixed(0)}/p99 ${pct(s, 99).toFixed(0)} ms (${v.length})`;
    });
    console.log(`${''.padEnd(22)} ${kinds.join('; ')}`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-turns-'));
  const connector = await startConnector();
  const children: ChildProcess[] = [];
  const results: Result[] = [];
  console.log(
    `${CHATS} concurrent 1:1 chats, ${WARMUP_S} s warm-up then ${DURATION_S} s measured, per target; store ${separateStore ? 'in its own process (as Cosmos DB would be)' : "in the bot's process (as npm start)"}`,
  );
  try {
    // 1. The yardstick.
    let echoResult: Result | undefined;
    if (TARGETS.has('echo')) {
      const echo = await forkReady<{ url: string }>('echoBot.js', {});
      children.push(echo.child);
      echoResult = await load('echo bot', echo.message.url, connector, { bot: echo.child.pid }, 'echo');
      results.push(echoResult);
      report(echoResult);
      await stop(echo.child);
    }

    // 2. This bot, nobody in the staff list.
    const dataDir = path.join(dir, 'data');
    const store = separateStore
      ? await forkReady<{ endpoint: string }>('storeServer.js', { DATA_DIR: dataDir })
      : undefined;
    if (store) children.push(store.child);
    const bot = await forkReady<{ url: string }>(
      'turnsBot.js',
      { DATA_DIR: dataDir, ATTACH_TO_STORE: separateStore ? '1' : '0' },
      BOT_FLAGS,
    );
    children.push(bot.child);
    const pids = { bot: bot.child.pid, store: store?.child.pid };
    if (TARGETS.has('empty')) {
      results.push(await load('bot, 0 staff', bot.message.url, connector, pids, 'empty', bot.child));
      report(results.at(-1)!);
    }
    if (!TARGETS.has('staff')) return;

    // 3. The same bot after the staff and training imports.
    const files = writeTrainingFixture(dir, { staff: STAFF, teamSize: TEAM_SIZE, entraId });
    const t = performance.now();
    bot.child.send({ import: files });
    const imported = await new Promise<{
      imported?: { staff: number; staffFailed: number; training: number };
      error?: string;
    }>((resolve) => bot.child.once('message', resolve));
    if (!imported.imported) throw new Error(`the import failed: ${imported.error}`);
    console.log(
      `imported ${imported.imported.staff.toLocaleString('en-GB')} staff (${imported.imported.staffFailed} not saved) and ${imported.imported.training.toLocaleString('en-GB')} training records in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const big = await load(
      `bot, ${STAFF.toLocaleString('en-GB')} staff`,
      bot.message.url,
      connector,
      pids,
      'staff',
      bot.child,
    );
    results.push(big);
    report(big);
    console.log(
      `peak RSS: bot ${statusMb(pids.bot, 'VmHWM') ?? '?'} MB${pids.store ? `, store ${statusMb(pids.store, 'VmHWM') ?? '?'} MB` : ''}`,
    );

    if (!echoResult) return;
    const ratio = big.p99 / echoResult.p99;
    const met = ratio <= 2 && big.cpuPerTurn <= 2;
    console.log(
      `targets (p99 at ${STAFF.toLocaleString('en-GB')} staff <= 2x echo, CPU per turn <= 2 ms): ${met ? 'met' : 'NOT met'}; total run ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(`turn_p99_ratio=${ratio.toFixed(2)} cpu_per_turn_ms=${big.cpuPerTurn.toFixed(2)}`);
  } finally {
    for (const child of children.reverse()) await stop(child);
    await connector.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
