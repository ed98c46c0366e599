import type { ChildProcess } from 'node:child_process';
import { cardOf, cardText } from './helpers/connector';
import { button } from './helpers/cards';
import { onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { startStoreProcess } from './helpers/storeProcess';
import { removeDir, tempDir } from './helpers/tmp';

describe('when storage hangs or stops', () => {
  onlyLoopback();
  let dir: string;
  let store: ChildProcess;
  let bot: TestBot;
  beforeEach(async () => {
    dir = tempDir();
    store = (await startStoreProcess(dir)).child;
    bot = await startTestBot({}, dir, undefined, { attachToStore: true });
  });
  afterEach(async () => {
    if (store.exitCode === null && store.signalCode === null) {
      store.kill('SIGCONT');
      store.kill('SIGTERM');
      await new Promise((resolve) => store.once('exit', resolve));
    }
    await bot.stop({ keepData: true });
    removeDir(dir);
  });

  const apologyWithin = async (ms: number) => {
    const started = Date.now();
    await bot.say('my training');
    const apology = await bot.connector.waitFor(
      (a) => /Sorry, something went wrong on our side/.test(a.activity.text ?? ''),
      ms,
    );
    return { apology, ms: Date.now() - started };
  };
  const health = async () => {
    const started = Date.now();
    const res = await fetch(`${bot.app.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return { status: res.status, ms: Date.now() - started };
  };

  it('apologises within 5 s and reports 503 within 2 s while the store is frozen, and carries on once it answers again', async () => {
    await bot.say('help');
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
    expect((await health()).status).toBe(200);

    store.kill('SIGSTOP');
    bot.connector.clear();
    const { apology, ms } = await apologyWithin(6000);
    expect(ms).toBeLessThan(5000);
    expect(apology.activity.text).toMatch(/quote reference [A-Z0-9]{6}/);
    expect(bot.logs.some((l) => l.msg === 'turn failed' && l.storage === 'no answer in time')).toBe(true);
    const frozen = await health();
    expect(frozen.status).toBe(503);
    expect(frozen.ms).toBeLessThan(2000);

    store.kill('SIGCONT');
    bot.connector.clear();
    await bot.say('help');
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'), 5000);
    expect((await health()).status).toBe(200);
  }, 30_000);

  it('apologises within 5 s and reports 503 within 2 s once the store has stopped', async () => {
    await bot.say('help');
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
    store.kill('SIGKILL');
    await new Promise((resolve) => store.once('exit', resolve));
    bot.connector.clear();
    const { ms } = await apologyWithin(6000);
    expect(ms).toBeLessThan(5000);
    const down = await health();
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(2000);
  }, 30_000);

  it('still takes a member of staff to the MASH number, by taps and by free text, while the store is frozen', async () => {
    await bot.say('help'); // the chat's first turn records where to reach this person
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
    store.kill('SIGSTOP');
    const next = async (say: () => Promise<unknown>) => {
      const before = bot.connector.sent.length;
      await say();
      return cardOf(
        await bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && cardOf(a) !== undefined, 3000),
      )!;
    };
    const started = Date.now();
    const danger = await next(() => bot.say('worried'));
    expect(cardText(danger).split('\n')[0]).toBe('Is anyone in immediate danger?');
    expect(button(danger, 'Call 999').url).toBe('tel:999');
    const who = await next(() => bot.say('', { value: button(danger, 'No one is in immediate danger').data }));
    const kinds = await next(() => bot.say('', { value: button(who, 'A child or young person').data }));
    const route = await next(() =>
      bot.say('', { value: button(kinds, 'Worried about a child: abuse or neglect').data }),
    );
    expect(cardText(route)).toContain('Telephone 01709 336080 (24 hours)');
    const typed = await next(() => bot.say('a baby with a bruise'));
    expect(cardText(typed)).toContain('Bruising or injury in a baby who is not yet mobile');
    expect(cardText(typed)).toContain('Telephone 01709 336080');
    // Five answers, none of them waiting for the store (what does wait for it apologises: above).
    expect(Date.now() - started).toBeLessThan(3000);
    expect(bot.logs.filter((l) => l.msg === 'turn failed')).toEqual([]);
  }, 30_000);
});
