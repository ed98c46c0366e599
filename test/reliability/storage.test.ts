import fs from 'node:fs';
import type { Container } from '@azure/cosmos';
import { cardOf, cardText } from '../helpers/connector';
import { onlyLoopback, startTestBot, type TestBot } from '../helpers/bot';
import { startStoreProcess, type StoreProcess } from '../helpers/storeProcess';
import { removeDir, tempDir } from '../helpers/tmp';
import { expectFiguresOk, figure } from './figures';

const AREA = 'storage trouble';

/** Writes `n` documents at once, each given `ms` to be acknowledged; returns the ids that were. */
async function writeBurst(container: Container, prefix: string, n: number, ms = 3000): Promise<string[]> {
  const acked: string[] = [];
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const id = `${prefix}-${i}`;
      const write = container.items.upsert({ id, n: i }).then(() => true, () => false);
      if (await Promise.race([write, new Promise<boolean>((r) => setTimeout(() => r(false), ms))])) acked.push(id);
    }),
  );
  return acked;
}

async function missing(container: Container, ids: string[]): Promise<number> {
  let lost = 0;
  for (const id of ids) if (!(await container.item(id, id).read().then((r) => r.resource, () => undefined))) lost++;
  return lost;
}

describe('storage frozen, stopped and full', () => {
  onlyLoopback();
  let dir: string;
  let store: StoreProcess | undefined;
  let bot: TestBot;
  afterEach(async () => {
    await store?.stop();
    store = undefined;
    await bot.stop({ keepData: true });
    removeDir(dir);
  });

  let asked = 0;
  const apologyMs = async () => {
    bot.connector.clear();
    const started = Date.now();
    // Opening the 1:1 chat writes its conversation reference: a write, so a full disk is felt too.
    await bot.say('my training', { oid: `cccccccc-0000-4000-8000-${String(++asked).padStart(12, '0')}` });
    return bot.connector.waitFor((a) => /Sorry, something went wrong on our side/.test(a.activity.text ?? ''), 8000).then(() => Date.now() - started, () => Infinity);
  };
  const health = async () => {
    const started = Date.now();
    const res = await fetch(`${bot.app.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, ms: Date.now() - started };
  };
  const answers = async () => {
    bot.connector.clear();
    await bot.say('help');
    return bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'), 8000).then(() => 1, () => 0);
  };
  const figures = async (how: string, during: () => Promise<void>, after: () => Promise<void>, readsWork = false) => {
    const people = bot.app.store.container('people');
    const acked = await writeBurst(people, `${how}-before`, 50);
    await during();
    const apology = await apologyMs();
    const down = await health();
    acked.push(...(await writeBurst(people, `${how}-during`, 10, 1500)));
    await after();
    // Recovery without restarting the bot: within a few turns.
    let recovered = 0;
    for (let i = 0; i < 10 && !recovered; i++) recovered = await answers();
    acked.push(...(await writeBurst(people, `${how}-after`, 50)));
    const up = await health();
    figure(AREA, `${how}: friendly reply`, apology, { max: 5000 }, 'ms');
    // With a full disk reads still work, so /healthz may say 200; writes are refused with the apology.
    if (!readsWork) figure(AREA, `${how}: /healthz 503`, down.status, { eq: 503 });
    figure(AREA, `${how}: /healthz answered`, down.ms, { max: 2000 }, 'ms');
    figure(AREA, `${how}: recovered without a restart`, recovered && up.status === 200 ? 1 : 0, { eq: 1 });
    figure(AREA, `${how}: acknowledged writes`, acked.length, { min: 100 });
    figure(AREA, `${how}: acknowledged writes lost`, await missing(people, acked), { eq: 0 });
  };

  it('frozen (SIGSTOP), then going on (SIGCONT)', async () => {
    dir = tempDir();
    store = await startStoreProcess(dir);
    bot = await startTestBot({}, dir, undefined, { attachToStore: true });
    const s = store;
    await figures('frozen', async () => void s.child.kill('SIGSTOP'), async () => void s.child.kill('SIGCONT'));
    expectFiguresOk();
  }, 90_000);

  it('stopped (SIGKILL), then started again on the same port', async () => {
    dir = tempDir();
    store = await startStoreProcess(dir);
    bot = await startTestBot({}, dir, undefined, { attachToStore: true });
    const port = Number(new URL(store.endpoint).port);
    await figures(
      'stopped',
      async () => {
        store!.child.kill('SIGKILL');
        await store!.stop();
      },
      async () => {
        store = await startStoreProcess(dir, port);
      },
    );
    expectFiguresOk();
  }, 90_000);

  it('full disk (ENOSPC on every journal write), then space freed', async () => {
    dir = tempDir();
    bot = await startTestBot({}, dir);
    const realWrite = fs.writeSync;
    let spy: jest.SpyInstance | undefined;
    await figures(
      'full disk',
      async () => {
        spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: never, ...rest: never[]) => {
          if (Buffer.isBuffer(data)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          return (realWrite as (...a: unknown[]) => number)(fd, data, ...rest);
        }) as typeof fs.writeSync);
      },
      async () => spy?.mockRestore(),
      true,
    );
    expectFiguresOk();
  }, 90_000);
});
