import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { bulkWrite } from '../src/storage/conditional';
import type { DeliveryDoc } from '../src/briefings/store';
import { MANY } from '../src/storage/store';
import { recipientOid, seedBroadcast } from './broadcastFixture';

/**
 * `npm run bench:broadcast`: one briefing to 10,000 people through a loopback connector (its own
 * process) that enforces Teams' limits (50 messages a second for the app, 7 per conversation) and
 * fails 5% of requests with 502/503/504. Target: at least 95% of the enforced rate (10,000 in at
 * most 211 s), none lost, none twice, and this process under 300 MB RSS.
 *
 * Baseline, measured in the same run against the same connector: the naive loop (send to one
 * person, await, next; the SDK's own retries), over BASELINE people who are not in the audience.
 */
const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 10_000);
const BASELINE = Number(process.env.BENCH_BASELINE ?? 500);
const RATE = 50;
/** "I've read this" presses per second sent to the bot while the engine sends (each by a recipient whose record exists). */
const ACKS_PER_SECOND = Number(process.env.BENCH_ACKS_PER_SECOND ?? 4);

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

/**
 * Presses "I've read this" (the Action.Execute invoke Teams sends), ACKS_PER_SECOND a second,
 * through POST /api/messages, each by a recipient whose card reached the connector at least two
 * seconds before (as a person reads it first; the engine has recorded the delivery by then). Each
 * is timed from the POST to the invoke response (the card that replaces theirs), which is what the
 * person waits for. `delivered` is filled by the caller, in the order the cards went out.
 */
function startAcks(
  botUrl: string,
  serviceUrl: string,
  briefingId: string,
  delivered: { at: number; i: number }[],
): { stop(): Promise<{ times: number[]; failed: number }> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
  const times: number[] = [];
  const pending = new Set<Promise<void>>();
  let failed = 0;
  let next = 0;
  const press = (i: number) => {
    const oid = recipientOid(i);
    const conversationId = `a:personal-${oid}`;
    const body = Buffer.from(
      JSON.stringify({
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: `ack-${i}`,
        channelId: 'msteams',
        serviceUrl,
        timestamp: new Date().toISOString(),
        from: { id: `29:${oid}`, aadObjectId: oid },
        recipient: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
        conversation: { id: conversationId, conversationType: 'personal', tenantId: 'tenant-1' },
        channelData: { tenant: { id: 'tenant-1' } },
        value: {
          action: { type: 'Action.Execute', verb: 'briefing.ack', data: { briefingId, deliveryId: oid } },
          trigger: 'manual',
        },
      }),
    );
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = http.request(
        new URL('/api/messages', botUrl),
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - started;
            // The card that replaces theirs says when they confirmed.
            if (res.statusCode === 200 && Buffer.concat(chunks).toString('utf8').includes('You confirmed'))
              times.push(ms);
            else failed++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };
  const timer = setInterval(() => {
    const d = delivered[next];
    if (d && performance.now() - d.at >= 2000) press(delivered[next++]!.i);
  }, 1000 / ACKS_PER_SECOND);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...pending]);
      agent.destroy();
      return { times, failed };
    },
  };
}

interface ConnectorStats {
  accepted: number;
  updates: number;
  throttled: number;
  faults: number;
  messages: Record<string, number>;
}

async function main(): Promise<void> {
  const connector = fork(path.join(__dirname, 'teamsConnector.js'), [], {
    env: { ...process.env, RATE: String(RATE), FAULT_RATE: '0.05' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    connector.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const serviceUrl = `http://127.0.0.1:${port}/`;
  const stats = async () => (await (await fetch(`${serviceUrl}stats`)).json()) as ConnectorStats;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-broadcast-'));
  // BENCH_STORE=inprocess keeps the embedded store inside this process (as `npm start` does);
  // by default it runs in its own process, like Cosmos DB in production, so this process is the bot alone.
  const separateStore = process.env.BENCH_STORE !== 'inprocess';
  const storeProcess = separateStore
    ? fork(path.join(__dirname, 'storeServer.js'), [], {
        env: { ...process.env, DATA_DIR: dataDir },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      })
    : undefined;
  if (storeProcess) await new Promise((resolve) => storeProcess.once('message', resolve));
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    BROADCAST_MESSAGES_PER_SECOND: String(RATE),
  });
  const app = await startApp(config, createLogger('warn'), {
    host: '127.0.0.1',
    reminderIntervalMs: 0,
    briefingIntervalMs: 0,
    attachToStore: separateStore,
  });
  console.log(
    `store: ${separateStore ? 'embedded Cosmos-compatible server in its own process (as Cosmos DB would be)' : 'embedded, in this process'}`,
  );
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const sampler = setInterval(sample, 250);
  try {
    let t = performance.now();
    const briefingId = await seedBroadcast(app.store, { count: RECIPIENTS, serviceUrl });
    const baselineOids = Array.from({ length: BASELINE }, (_, i) => recipientOid(RECIPIENTS + 1 + i));
    await bulkWrite(
      app.store.container('conversations'),
      baselineOids.map((oid) => ({
        op: {
          operationType: 'Upsert' as const,
          partitionKey: oid,
          resourceBody: {
            id: oid,
            conversationId: `a:baseline-${oid}`,
            updatedAt: new Date().toISOString(),
            reference: {
              channelId: 'msteams',
              serviceUrl,
              conversation: { id: `a:baseline-${oid}`, conversationType: 'personal' },
              user: { id: `29:${oid}`, aadObjectId: oid },
              bot: { id: '28:bot' },
            },
          },
        },
      })),
      () => undefined,
    );
    console.log(
      `seeded ${RECIPIENTS.toLocaleString('en-GB')} recipients and ${BASELINE} baseline chats in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const recipientIndex = new Map(Array.from({ length: RECIPIENTS }, (_, i) => [recipientOid(i), i]));
    // Baseline: the naive loop, through the same bot layer with the SDK's default retries.
    const briefingCard = { text: '7-minute briefing (baseline)' };
    t = performance.now();
    let baselineLost = 0;
    for (const oid of baselineOids) {
      await app.bot.notifier.sendToPerson(oid, briefingCard).catch(() => baselineLost++);
    }
    const baselineSeconds = (performance.now() - t) / 1000;
    const baselineRate = (BASELINE - baselineLost) / baselineSeconds;
    console.log(
      `baseline (naive loop, SDK retries): ${BASELINE} people in ${baselineSeconds.toFixed(1)} s = ${baselineRate.toFixed(1)} msg/s, lost ${baselineLost}`,
    );

    // The engine: enqueue, pace, retry, record.
    const before = await stats();
    // How often the pacer had nobody waiting for a slot: time lost to the pipeline, not to Teams.
    let polls = 0;
    let starved = 0;
    const starvation = setInterval(() => {
      polls++;
      if (app.briefings.engine.pacer.waiting === 0) starved++;
    }, 10);
    t = performance.now();
    const cpuBefore = process.cpuUsage();
    const progress = setInterval(() => {
      void stats().then((s) => {
        const sent = s.accepted - before.accepted;
        console.log(
          `  ${((performance.now() - t) / 1000).toFixed(0)} s: ${sent.toLocaleString('en-GB')} delivered (${(sent / ((performance.now() - t) / 1000)).toFixed(1)} msg/s), ${s.throttled - before.throttled} throttled, ${s.faults - before.faults} faults`,
        );
      });
    }, 20_000);
    // Acknowledgements start once the first records exist (a second in), as people open their cards.
    const deliveredAt: { at: number; i: number }[] = [];
    const notifier = app.bot.notifier;
    const deliver = notifier.deliver.bind(notifier);
    notifier.deliver = async (oid, reply, opts) => {
      const result = await deliver(oid, reply, opts);
      const i = recipientIndex.get(oid);
      if (result !== 'no-conversation' && i !== undefined) deliveredAt.push({ at: performance.now(), i });
      return result;
    };
    const acks = ACKS_PER_SECOND > 0 ? startAcks(app.url, serviceUrl, briefingId, deliveredAt) : undefined;
    await app.briefings.engine.work(briefingId);
    const ackResult = await acks?.stop();
    notifier.deliver = deliver;
    clearInterval(progress);
    clearInterval(starvation);
    const seconds = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    sample();

    const after = await stats();
    let lost = 0;
    let duplicates = 0;
    for (let i = 0; i < RECIPIENTS; i++) {
      const n = after.messages[`a:personal-${recipientOid(i)}`] ?? 0;
      if (n === 0) lost++;
      if (n > 1) duplicates += n - 1;
    }
    const { resources: states } = await app.store
      .container('deliveries')
      .items.query<Pick<DeliveryDoc, 'state'>>(
        { query: 'SELECT c.state FROM c WHERE c.briefingId = @b', parameters: [{ name: '@b', value: briefingId }] },
        { ...MANY, partitionKey: briefingId },
      )
      .fetchAll();
    const recorded = states.filter((s) => s.state === 'delivered').length;
    const achieved = (RECIPIENTS - lost) / seconds;
    const ratio = achieved / RATE;
    const rssMb = peakRss / 1024 / 1024;

    console.log('');
    console.log(
      `engine: ${RECIPIENTS.toLocaleString('en-GB')} recipients in ${seconds.toFixed(1)} s = ${achieved.toFixed(1)} msg/s against an enforced ${RATE} msg/s`,
    );
    console.log(
      `  connector: ${after.throttled - before.throttled} answered 429, ${after.faults - before.faults} injected faults retried, ${after.updates - before.updates} progress-card updates`,
    );
    console.log(
      `  recorded as delivered in Cosmos: ${recorded.toLocaleString('en-GB')}; peak RSS of the bot process ${rssMb.toFixed(0)} MB (peak JS heap ${(peakHeap / 1024 / 1024).toFixed(0)} MB)`,
    );
    console.log(
      `  CPU of the bot process: ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of one core`,
    );
    const p = app.briefings.engine.pacer.totals;
    console.log(
      `  pacer: ${p.released} slots handed out (${(p.released / seconds).toFixed(1)}/s), ${p.refunded} given back after a 5xx, ${p.throttled} slow-downs after a 429`,
    );
    console.log(
      `  the pacer had nobody waiting for a slot ${((starved / Math.max(1, polls)) * 100).toFixed(0)}% of the time`,
    );
    // Where the time went: the start (until the first card is out), the steady middle, the tail.
    if (deliveredAt.length > 0) {
      const at = (k: number) =>
        (deliveredAt[Math.min(deliveredAt.length - 1, Math.max(0, Math.floor(k * deliveredAt.length)))]!.at - t) / 1000;
      const steady = (0.9 * deliveredAt.length) / (at(0.95) - at(0.05));
      console.log(
        `  first card out ${at(0).toFixed(2)} s after "send"; 5% to 95% of the cards at ${steady.toFixed(1)} msg/s; 99% out at ${at(0.99).toFixed(1)} s, the last at ${at(1).toFixed(1)} s, last outcome recorded at ${seconds.toFixed(1)} s`,
      );
    }
    if (ackResult) {
      const sorted = [...ackResult.times].sort((a, b) => a - b);
      console.log(
        `  "I've read this" during the send: ${sorted.length} answered (${ackResult.failed} failed), p50 ${pct(sorted, 50).toFixed(0)} ms, p99 ${pct(sorted, 99).toFixed(0)} ms, max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`,
      );
    }
    console.log(
      `  vs baseline: ${(achieved / baselineRate).toFixed(2)}x the naive loop's rate (${baselineRate.toFixed(1)} msg/s)`,
    );
    const ackSorted = [...(ackResult?.times ?? [])].sort((a, b) => a - b);
    const ackP99 = pct(ackSorted, 99);
    const acksMet = !ackResult || (ackResult.failed === 0 && ackP99 < 1000);
    const met = ratio >= 0.95 && lost === 0 && duplicates === 0 && recorded === RECIPIENTS && rssMb < 300 && acksMet;
    console.log(
      `targets (ratio >= 0.95, lost 0, duplicates 0, RSS < 300 MB, "I've read this" p99 < 1 s): ${met ? 'met' : 'NOT met'}`,
    );
    console.log(
      `ratio=${ratio.toFixed(3)} lost=${lost} duplicates=${duplicates}${ackResult ? ` ack_p99_ms=${ackP99.toFixed(0)}` : ''}`,
    );
    process.exitCode = met ? 0 : 1;
  } finally {
    clearInterval(sampler);
    await app.close();
    connector.kill('SIGTERM');
    if (storeProcess) {
      storeProcess.kill('SIGTERM');
      await new Promise((resolve) => storeProcess.once('exit', resolve));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
