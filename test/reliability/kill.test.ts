import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { openStore } from '../../src/storage/store';
import { processFixture, startBotProcess, type BotProcess } from '../helpers/process';
import { onlyLoopback } from '../helpers/bot';
import { expectFiguresOk, figure } from './figures';

const AREA = 'kill -9';
const IMPORT = path.join(__dirname, '..', '..', 'dist', 'scripts', 'import.js');
const staffCsv = (prefix: string, n: number) =>
  [
    'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
    ...Array.from(
      { length: n },
      (_, i) => `${prefix}${i},Person ${prefix}${i},${prefix}${i}@nhs.net,,Continuing Care,clinical,,`,
    ),
  ].join('\n');

/** Runs the staff import CLI (attached to the running bot's store); resolves with its exit code. */
function runImport(dir: string, file: string): { done: Promise<number | null> } {
  const child = spawn(process.execPath, [IMPORT, 'staff', file], {
    env: { PATH: process.env.PATH, DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { done: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function countPeople(dir: string, prefix: string): Promise<number> {
  const store = await openStore({ cosmos: { database: 'safeguarding' }, dataDir: dir } as never, {
    attachIfRunning: true,
  });
  try {
    const { resources } = await store
      .container('people')
      .items.query<number>({
        query: 'SELECT VALUE COUNT(1) FROM c WHERE STARTSWITH(c.id, @p)',
        parameters: [{ name: '@p', value: prefix }],
      })
      .fetchAll();
    return resources[0] ?? 0;
  } finally {
    await store.close();
  }
}

describe('kill -9 of the bot, then a restart', () => {
  onlyLoopback();
  const fx = processFixture();
  let bot: BotProcess | undefined;
  afterEach(async () => {
    await bot?.kill('SIGKILL');
    bot = undefined;
  });
  const start = async () => {
    bot = startBotProcess(fx.dir);
    await bot.ready;
    return bot;
  };

  it('during a staff import (CLI): starts, keeps the import acknowledged before, and the interrupted one can be run again', async () => {
    await start();
    fs.writeFileSync(path.join(fx.dir, 'a.csv'), staffCsv('A', 200));
    fs.writeFileSync(path.join(fx.dir, 'b.csv'), staffCsv('B', 20_000));
    const first = await runImport(fx.dir, path.join(fx.dir, 'a.csv')).done;
    const second = runImport(fx.dir, path.join(fx.dir, 'b.csv'));
    // Kill the bot (which holds the store the CLI imports through) once the import is under way.
    for (let i = 0; i < 100 && (await countPeople(fx.dir, 'B').catch(() => 0)) === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    await bot!.kill('SIGKILL');
    await second.done; // it fails with the bot gone (or, on a fast machine, may just have finished)
    const restarted = await start().then(
      () => 1,
      () => 0,
    );
    const keptA = await countPeople(fx.dir, 'A');
    const partB = await countPeople(fx.dir, 'B');
    const again = await runImport(fx.dir, path.join(fx.dir, 'b.csv')).done;
    const allB = await countPeople(fx.dir, 'B');
    figure(AREA, 'import: first import acknowledged (exit 0)', first ?? -1, { eq: 0 });
    figure(AREA, 'import: bot starts again', restarted, { eq: 1 });
    figure(AREA, 'import: acknowledged people lost', 200 - keptA, { eq: 0 });
    figure(AREA, 'import: people of the interrupted import present after the kill', partB, { min: 0 });
    figure(AREA, 'import: re-run completes with every person', again === 0 && allB === 20_000 ? 1 : 0, { eq: 1 });
    expectFiguresOk();
  }, 150_000);

  it('during a write burst: starts, loses nothing acknowledged, and logs the torn line it dropped', async () => {
    await start();
    const acked: string[] = [];
    const url = () => `http://127.0.0.1:${bot!.port()}/api/messages`;
    const say = async (oid: string) => {
      const res = await fetch(url(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          text: 'help',
          id: randomUUID(),
          channelId: 'msteams',
          serviceUrl: fx.connector.url,
          from: { id: `29:${oid}`, aadObjectId: oid },
          recipient: { id: '28:bot' },
          conversation: { id: `a:personal-${oid}`, conversationType: 'personal', tenantId: 't' },
        }),
      });
      if (res.status === 200) acked.push(oid);
    };
    let n = 0;
    const worker = async () => {
      for (let i = 0; i < 400 && acked.length < 150; i++)
        await say(`dddddddd-0000-4000-8000-${String(++n).padStart(12, '0')}`).catch(() => undefined);
    };
    const burst = Promise.all([worker(), worker(), worker(), worker()]);
    for (let i = 0; i < 200 && acked.length < 100; i++) await new Promise((r) => setTimeout(r, 50));
    await bot!.kill('SIGKILL');
    await burst;
    // A write cut off mid-way by the kill, as the disk would hold it.
    const journal = path.join(
      fx.dir,
      fs.readdirSync(fx.dir).find((f) => /^journal-\d+\.jsonl$/.test(f))!,
    );
    fs.appendFileSync(journal, '{"m":"POST","u":"/dbs/safeguarding/colls/conversations/docs","h":{"content-ty');
    const restarted = await start().then(
      () => 1,
      () => 0,
    );
    const store = await openStore({ cosmos: { database: 'safeguarding' }, dataDir: fx.dir } as never, {
      attachIfRunning: true,
    });
    let lost = 0;
    try {
      for (const oid of acked) if (!(await store.container('conversations').item(oid, oid).read()).resource) lost++;
    } finally {
      await store.close();
    }
    const logged = bot!
      .output()
      .split('\n')
      .filter((l) => /dropped the torn last line/.test(l)).length;
    figure(AREA, 'burst: acknowledged turns before the kill', acked.length, { min: 100 });
    figure(AREA, 'burst: bot starts again', restarted, { eq: 1 });
    figure(AREA, 'burst: acknowledged writes lost', lost, { eq: 0 });
    figure(AREA, 'burst: torn line dropped and logged', logged, { eq: 1 });
    expectFiguresOk();
  }, 120_000);
});
