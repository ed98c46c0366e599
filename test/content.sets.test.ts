import fs from 'node:fs';
import path from 'node:path';
import { ContentStore } from '../src/content/store';
import { LiveFileSet } from '../src/content/sets';
import { briefingsSet } from '../src/content/setDefinitions';
import { loadBriefingLibrary } from '../src/briefings/content';
import { createLogger } from '../src/logging/logger';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { inChat, nextIn, withCard, withText } from './helpers/replies';
import { fileAttachment, fileServer } from './helpers/fileServer';
import { button, cardProblems } from './helpers/cards';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { tempDir } from './helpers/tmp';
import { loadDemo } from '../src/demo';

const LEAD2 = 'cccccccc-0000-4000-8000-000000000003';
const env = { SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` };
const CONTENT = path.join(__dirname, '..', 'content');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(CONTENT, f), 'utf8'));

describe('the briefing library, training rules and self-assessment are versioned content sets', () => {
  onlyLoopback();
  let files: Awaited<ReturnType<typeof fileServer>>;
  const FILES: Record<string, string> = {};
  beforeAll(async () => {
    const fgm = read('briefings/fgm.json');
    FILES['/retitled/fgm.json'] = JSON.stringify({
      ...fgm,
      title: 'Female genital mutilation (FGM): what to do',
      version: 2,
    });
    const { sources: _s, ...noSources } = fgm;
    FILES['/nosource/fgm.json'] = JSON.stringify(noSources);
    FILES['/rules/rules.json'] = JSON.stringify({ ...read('training/rules.json'), complianceTarget: 0.85 });
    const practices = read('practices/practices.json');
    FILES['/practices/practices.json'] = JSON.stringify({
      ...practices,
      practices: [...practices.practices, { code: 'C99999', name: 'Riverside Test Surgery' }],
    });
    FILES['/other/notes.json'] = JSON.stringify({ hello: 'world' });
    files = await fileServer(FILES);
  });
  afterAll(async () => files.close());

  let bot: TestBot;
  let dir: string;
  beforeEach(async () => {
    dir = tempDir();
    bot = await startTestBot(env, dir);
    for (const oid of [LEAD_OID, LEAD2, USER_OID]) await bot.say('hello', { oid });
  });
  afterEach(async () => bot?.stop());

  const next = (oid: string, predicate: (a: SentActivity) => boolean, send: () => Promise<unknown>) =>
    nextIn(bot, oid, predicate, send);
  const send = (name: string, where: string, oid = LEAD_OID) =>
    bot.post(
      bot.activity({ type: 'message', text: '', attachments: [fileAttachment(name, `${files.url}${where}`)] }, oid),
    );
  /** A lead sends a file; returns the approval card the other lead receives. */
  async function propose(name: string, where: string): Promise<Record<string, unknown>> {
    return cardOf(await next(LEAD2, withCard('needs your approval'), () => send(name, where)))!;
  }

  it('a replacement briefing is a proposal; once another lead approves it staff see it, and another instance picks it up within seconds', async () => {
    const titles = async () =>
      cardText(
        cardOf(await next(USER_OID, withCard('7-minute briefings'), () => bot.say('briefings', { oid: USER_OID }))),
      );
    expect(await titles()).toContain('Female genital mutilation (FGM)');
    const approval = await propose('fgm.json', '/retitled/fgm.json');
    expect(cardProblems(approval)).toEqual([]);
    expect(cardText(approval)).toContain('A change to the briefing library needs your approval');
    expect(cardText(approval)).toContain('content/briefings/fgm.json replaced from a file');
    expect(cardText(approval)).toContain(
      'briefings/fgm.json: title: Female genital mutilation (FGM) → Female genital mutilation (FGM): what to do',
    );
    expect(await titles()).not.toContain('what to do');
    // A second instance on the same store, told nothing.
    const library = loadBriefingLibrary(path.join(CONTENT, 'briefings'));
    const two = new LiveFileSet(
      briefingsSet(library),
      new ContentStore(bot.app.store),
      CONTENT,
      createLogger('silent'),
    );
    await two.start(new Date(), 100);
    try {
      await next(LEAD_OID, withText(/You proposed this change/), () =>
        bot.say('', { oid: LEAD_OID, value: button(approval, 'Approve').data }),
      );
      const ok = await next(LEAD2, withText(/Approved/), () =>
        bot.say('', { oid: LEAD2, value: button(approval, 'Approve').data }),
      );
      expect(ok.activity.text).toBe('Approved. Staff now see version 2.');
      expect(await titles()).toContain('Female genital mutilation (FGM): what to do');
      const deadline = Date.now() + 5000;
      while (
        library.find((b) => b.id === 'fgm')!.title !== 'Female genital mutilation (FGM): what to do' &&
        Date.now() < deadline
      )
        await new Promise((r) => setTimeout(r, 50));
      expect(library.find((b) => b.id === 'fgm')!.title).toBe('Female genital mutilation (FGM): what to do');
    } finally {
      two.stop();
    }
    // A restart keeps the approved version, whatever the files say.
    await bot.stop({ keepData: true });
    bot = await startTestBot(env, dir);
    await bot.say('hello', { oid: USER_OID });
    expect(await titles()).toContain('Female genital mutilation (FGM): what to do');
  });

  it('an invalid file is refused with the file, the path and the reason, and a file that is not content is left to the imports', async () => {
    const reply = await next(LEAD_OID, withText(/not valid/), () => send('fgm.json', '/nosource/fgm.json'));
    expect(reply.activity.text).toMatch(/content\/briefings\/fgm\.json: sources: Required/);
    expect(bot.app.contentSets.get('briefings')!.currentVersion).toBe(1);
    const other = await next(LEAD_OID, withText(/CSV/), () => send('notes.json', '/other/notes.json'));
    expect(other.activity.text).toMatch(/from a CSV file/);
    const staff = await next(USER_OID, withText(/Only safeguarding leads/), () =>
      send('rules.json', '/rules/rules.json', USER_OID),
    );
    expect(staff.activity.text).toBe('Only safeguarding leads can change the training rules.');
    expect(bot.app.contentSets.get('training')!.currentVersion).toBe(1);
  });

  it('new training rules and practices go live on approval; history shows both versions and an earlier one can be proposed again', async () => {
    await loadDemo(bot.app, bot.clock.now);
    const approval = await propose('rules.json', '/rules/rules.json');
    expect(cardText(approval)).toContain('A change to the training rules needs your approval');
    expect(cardText(approval)).toContain('training/rules.json: complianceTarget: 0.9 → 0.85');
    await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: button(approval, 'Approve').data }));
    const target = async () =>
      cardText(
        cardOf(
          await next(LEAD_OID, withCard('Training compliance by team'), () =>
            bot.say('organisation compliance', { oid: LEAD_OID }),
          ),
        ),
      );
    expect(await target()).toContain('target 85%');
    const practices = await propose('practices.json', '/practices/practices.json');
    expect(cardText(practices)).toContain(
      'A change to the self-assessment questionnaire and practices needs your approval',
    );
    expect(cardText(practices)).toMatch(/practices\/practices\.json: practices\[\d+\]: \(none\) → .*C99999/);
    await next(LEAD2, withText(/Approved/), () =>
      bot.say('', { oid: LEAD2, value: button(practices, 'Approve').data }),
    );
    const status = cardText(
      cardOf(
        await next(
          LEAD_OID,
          (a) => cardOf(a) !== undefined,
          () => bot.say('assessment status', { oid: LEAD_OID }),
        ),
      ),
    );
    expect(status).toContain('Riverside Test Surgery');
    // History of the training rules, and a rollback approved by the other lead.
    const history = cardOf(
      await next(LEAD2, withCard('History of the training rules'), () =>
        bot.say('content history training', { oid: LEAD2 }),
      ),
    )!;
    expect(cardProblems(history)).toEqual([]);
    expect(cardText(history)).toMatch(
      /Version 2 \(live\)[\s\S]*complianceTarget: 0\.9 → 0\.85[\s\S]*Version 1[\s\S]*From the content files/,
    );
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD2, value: button(history, 'Propose this version again').data });
    const rollback = cardOf(
      await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withCard('needs your approval')(a),
      ),
    )!;
    expect(cardText(rollback)).toContain('Go back to version 1 of the training rules');
    expect(cardText(rollback)).toContain('complianceTarget: 0.85 → 0.9');
    const ok = await next(LEAD_OID, withText(/Approved/), () =>
      bot.say('', { oid: LEAD_OID, value: button(rollback, 'Approve').data }),
    );
    expect(ok.activity.text).toBe('Approved. Staff now see version 3.');
    expect(await target()).toContain('target 90%');
    const unknown = await next(LEAD_OID, withText(/I keep the history/), () =>
      bot.say('content history recipes', { oid: LEAD_OID }),
    );
    expect(unknown.activity.text).toMatch(/training/);
    const audit = await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7));
    expect(
      audit
        .filter((r) => r.action === 'content.proposed')
        .map((r) => r.subject.set)
        .sort(),
    ).toEqual(['assessment', 'training', 'training']);
  });
});
