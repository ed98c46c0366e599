import fs from 'node:fs';
import path from 'node:path';
import { execFile, spawnSync } from 'node:child_process';
import { projectRoot } from '../src/config/paths';
import { ImportFileError, importStaff } from '../src/people/staffImport';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { ask } from './helpers/ask';
import { button, cardProblems } from './helpers/cards';
import { fileAttachment, fileServer } from './helpers/fileServer';
import { removeDir, tempDir } from './helpers/tmp';

const HEADER = 'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code';
const person = (i: number, team = 'Finance') => `P${i},Person ${i},p${i}@nhs.net,,${team},all-staff,,`;
const TEN = [HEADER, ...Array.from({ length: 10 }, (_, i) => person(i + 1))].join('\n');

describe('leavers: a full staff import', () => {
  onlyLoopback();
  let bot: TestBot;
  const groups = () => ({ staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
  beforeEach(async () => {
    bot = await startTestBot();
    await importStaff(bot.app.directory, TEN, groups());
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('marks people missing from the file as left: out of compliance figures and audiences, kept for history, back when they return', async () => {
    const nine = TEN.split('\n')
      .filter((l) => !l.startsWith('P10,'))
      .join('\n');
    const report = await importStaff(bot.app.directory, nine, { ...groups(), full: true });
    expect(report).toMatchObject({ unchanged: 9, left: 1 });
    expect(await bot.app.directory.get('P10')).toMatchObject({ name: 'Person 10', leftAt: expect.any(String) });
    expect((await bot.app.directory.roster()).map((p) => p.id)).not.toContain('P10');
    await bot.say('organisation compliance', { oid: LEAD_OID });
    expect(
      cardText(cardOf(await bot.connector.waitFor((a) => /Training compliance by team/.test(cardText(cardOf(a)))))),
    ).toContain('Finance (9)');
    bot.connector.clear();
    await bot.say('team compliance Finance', { oid: LEAD_OID });
    expect(cardText(cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined)))).toContain('9 people');
    expect(await bot.app.briefings.engine.resolveAudience({ kind: 'everyone' })).toHaveLength(9);

    // Running it again changes nothing; a normal import with them in brings them back.
    expect(await importStaff(bot.app.directory, nine, { ...groups(), full: true })).toMatchObject({
      unchanged: 9,
      left: 0,
    });
    expect(await importStaff(bot.app.directory, TEN, groups())).toMatchObject({ updated: 1, unchanged: 9 });
    expect((await bot.app.directory.get('P10'))?.leftAt).toBeUndefined();
  });

  it('refuses a full import that would remove more than 10% of staff unless confirmed, and never counts a rejected row as a leaver', async () => {
    const truncated = TEN.split('\n').slice(0, 6).join('\n'); // P1-P5
    await expect(importStaff(bot.app.directory, truncated, { ...groups(), full: true })).rejects.toThrow(
      ImportFileError,
    );
    await expect(importStaff(bot.app.directory, truncated, { ...groups(), full: true })).rejects.toThrow(
      /would mark 5 of 10 people \(50%\) as left.*--confirm/,
    );
    expect(await bot.app.directory.roster()).toHaveLength(10);

    const withBadRow = `${TEN.replace('P3,Person 3,p3@nhs.net', 'P3,Person 3,not-an-email')}`;
    const report = await importStaff(bot.app.directory, withBadRow, { ...groups(), full: true });
    expect(report).toMatchObject({ left: 0 });
    expect(report.rejected).toHaveLength(1);

    expect(await importStaff(bot.app.directory, truncated, { ...groups(), full: true, confirm: true })).toMatchObject({
      left: 5,
    });
    expect(await bot.app.directory.roster()).toHaveLength(5);
  });
});

describe('npm run import -- staff --full', () => {
  it('counts leavers in the summary and asks for --confirm before removing more than 10%', () => {
    const dir = tempDir();
    try {
      const run = (args: string[]) =>
        spawnSync(process.execPath, [path.join(projectRoot(), 'dist', 'scripts', 'import.js'), ...args], {
          env: { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data') },
          encoding: 'utf8',
        });
      fs.writeFileSync(path.join(dir, 'ten.csv'), TEN);
      fs.writeFileSync(path.join(dir, 'five.csv'), TEN.split('\n').slice(0, 6).join('\n'));
      expect(run(['staff', path.join(dir, 'ten.csv')]).status).toBe(0);
      const refused = run(['staff', '--full', path.join(dir, 'five.csv')]);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/would mark 5 of 10 people \(50%\) as left/);
      const confirmed = run(['staff', '--full', '--confirm', path.join(dir, 'five.csv')]);
      expect(confirmed.stdout).toContain(
        'Staff import: 0 added, 0 updated, 5 unchanged, 0 rejected, 5 marked as left.',
      );
      expect(confirmed.status).toBe(0);
    } finally {
      removeDir(dir);
    }
  });
});

describe('leavers from the chat: a lead sends a staff file, then confirms who has left', () => {
  onlyLoopback();
  let bot: TestBot;
  let files: Awaited<ReturnType<typeof fileServer>>;
  const lines = TEN.split('\n');
  const FILES = {
    '/ten.csv': TEN,
    '/nine.csv': lines.filter((l) => !l.startsWith('P10,')).join('\n'),
    '/five.csv': lines.slice(0, 6).join('\n'),
  };
  const inLeadChat = (a: SentActivity) => a.conversationId === `a:personal-${LEAD_OID}`;

  beforeAll(async () => {
    files = await fileServer(FILES);
  });
  afterAll(async () => {
    await files.close();
  });
  beforeEach(async () => {
    bot = await startTestBot();
    await importStaff(bot.app.directory, TEN, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
    await bot.say('hello', { oid: LEAD_OID });
    await bot.say('hello', { oid: USER_OID });
  });
  afterEach(async () => {
    await bot.stop();
  });

  /** Sends a file in the lead's 1:1 chat; returns the row report and the leavers offer card (when one is expected). */
  async function send(
    path: keyof typeof FILES,
    expectOffer = true,
  ): Promise<{ report: string; offer?: Record<string, unknown> }> {
    const before = bot.connector.sent.length;
    await bot.post(
      bot.activity(
        { type: 'message', text: '', attachments: [fileAttachment(path.slice(1), `${files.url}${path}`)] },
        LEAD_OID,
      ),
    );
    const report = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && inLeadChat(a) && /Staff import/.test(a.activity.text ?? ''),
    );
    const isOffer = (a: SentActivity) =>
      bot.connector.sent.indexOf(a) >= before && inLeadChat(a) && cardText(cardOf(a)).includes('the whole staff list?');
    if (!expectOffer) {
      // The offer would follow the report from the same background job: give it time to (not) come.
      await new Promise((r) => setTimeout(r, 300));
      return {
        report: report.activity.text ?? '',
        offer: bot.connector.sent.find(isOffer) && cardOf(bot.connector.sent.find(isOffer)!),
      };
    }
    return { report: report.activity.text ?? '', offer: cardOf(await bot.connector.waitFor(isOffer)) };
  }
  const press = async (card: Record<string, unknown>, title: string, oid = LEAD_OID) =>
    (await ask(bot, oid, '', button(card, title).data as Record<string, unknown>)).reply;
  const roster = async () => (await bot.app.directory.roster()).length;

  it('keeps the import add-and-update only, then marks the one person not in the file as left after a confirm card, once', async () => {
    const { report, offer } = await send('/nine.csv');
    expect(report).toContain('Staff import: 0 added, 0 updated, 9 unchanged, 0 rejected.');
    expect(await roster()).toBe(10); // nobody marked as left by the import itself
    expect(cardProblems(offer!)).toEqual([]);
    expect(cardText(offer)).toContain('1 of 10 people in the staff list is not in this file.');
    const confirm = cardOf(await press(offer!, 'Also mark people not in this file as leavers'))!;
    expect(cardProblems(confirm)).toEqual([]);
    expect(cardText(confirm)).toContain(
      'This marks 1 of 10 people (10%) in the staff list as left: everyone not in the file.',
    );
    expect(cardText(confirm)).toContain('Not in the file: Person 10 (Finance).');
    expect(cardText(confirm)).not.toMatch(/more than 10%/);
    expect(await roster()).toBe(10); // still nothing until confirmed

    const done = await press(confirm, 'Mark 1 as left');
    expect(done.activity.text).toMatch(/^Marked 1 person as left\. They are kept for history/);
    expect(await bot.app.directory.get('P10')).toMatchObject({ leftAt: expect.any(String) });
    expect(await roster()).toBe(9);
    expect((await press(confirm, 'Mark 1 as left')).activity.text).toBe(
      'The people not in that file have already been marked as left.',
    );

    const audit = await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7));
    expect(audit.filter((r) => r.action === 'import.leavers')).toEqual([
      expect.objectContaining({
        actor: LEAD_OID,
        subject: expect.objectContaining({ via: 'chat', left: 1, notSaved: 0, of: 10 }),
      }),
    ]);
    expect(audit.filter((r) => r.action === 'import.staff')).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('Person 10');
  });

  it('asks a second, explicit time before marking more than 10% as left (the rule behind --confirm)', async () => {
    const { offer } = await send('/five.csv');
    const first = cardOf(await press(offer!, 'Also mark people not in this file as leavers'))!;
    expect(cardText(first)).toContain('This marks 5 of 10 people (50%) in the staff list as left');
    expect(cardText(first)).toContain(
      'That is more than 10% of the staff list: a file that was cut short, or the wrong file, would look like this.',
    );
    const second = cardOf(await press(first, 'Mark 5 as left'))!;
    expect(cardProblems(second)).toEqual([]);
    expect(cardText(second)).toContain('Are you sure?');
    expect(await roster()).toBe(10); // one press is not enough
    expect((await press(second, 'Yes, I am sure: mark 5 as left')).activity.text).toMatch(/^Marked 5 people as left/);
    expect(await roster()).toBe(5);
    const audit = await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7));
    expect(audit.find((r) => r.action === 'import.leavers')?.subject).toMatchObject({
      left: 5,
      of: 10,
      confirmedTwice: true,
    });
  });

  it('refuses a stale card: a newer import since (chat or command line), or a staff list that changed under it', async () => {
    const first = await send('/nine.csv');
    const card = cardOf(await press(first.offer!, 'Also mark people not in this file as leavers'))!;
    // A newer file in the chat (everyone in it: no offer of its own).
    expect((await send('/ten.csv', false)).offer).toBeUndefined();
    expect((await press(first.offer!, 'Also mark people not in this file as leavers')).activity.text).toMatch(
      /^A newer staff import has been made since that file/,
    );
    expect((await press(card, 'Mark 1 as left')).activity.text).toMatch(
      /^A newer staff import has been made since that file/,
    );
    expect(await roster()).toBe(10);

    // The command line, run while the bot is running on the same data folder, is a newer import too.
    const again = await send('/nine.csv');
    fs.writeFileSync(path.join(bot.dataDir, 'ten.csv'), TEN);
    // (Not spawnSync: the bot in this process must keep answering the command line's store requests.)
    const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(projectRoot(), 'dist', 'scripts', 'import.js'), 'staff', path.join(bot.dataDir, 'ten.csv')],
        { env: { PATH: process.env.PATH, DATA_DIR: bot.dataDir }, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(cli.stdout).toContain('importing through it');
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect((await press(again.offer!, 'Also mark people not in this file as leavers')).activity.text).toMatch(
      /^A newer staff import has been made since that file/,
    );
    expect(await roster()).toBe(10);
    const audit = await bot.app.audit.month(new Date().toISOString().slice(0, 7));
    expect(audit.filter((r) => r.action === 'import.staff' && r.subject.via === 'cli')).toEqual([
      expect.objectContaining({
        actor: expect.stringMatching(/^cli:/),
        subject: expect.objectContaining({ unchanged: 10 }),
      }),
    ]);

    // Someone joins the staff list (not through a file) after the card was shown: the count changed, so it is shown again.
    const third = await send('/nine.csv');
    const shown = cardOf(await press(third.offer!, 'Also mark people not in this file as leavers'))!;
    await bot.app.store.container('people').items.create({
      id: 'P11',
      employeeId: 'P11',
      name: 'Person 11',
      email: 'p11@nhs.net',
      team: 'Finance',
      staffGroup: 'all-staff',
      roles: [],
      importedAt: new Date().toISOString(),
    });
    const changed = cardOf(await press(shown, 'Mark 1 as left'))!;
    expect(cardText(changed)).toContain('The staff list has changed since that card. Here are the figures now.');
    expect(cardText(changed)).toContain('This marks 2 of 11 people (18%)');
    expect(await roster()).toBe(11);
  });

  it('staff cannot use the buttons, and the refusal is audited; in a group chat the card goes to the 1:1 chat', async () => {
    const { offer } = await send('/nine.csv');
    expect((await press(offer!, 'Also mark people not in this file as leavers', USER_OID)).activity.text).toBe(
      'Only safeguarding leads can change the staff list.',
    );
    const run = (button(offer!, 'Also mark people not in this file as leavers').data as { run: string }).run;
    expect(
      (await ask(bot, USER_OID, '', { verb: 'imports.leaversApply', run, count: 1, step: 'second' })).text,
    ).toMatch(/Only safeguarding leads/);
    expect(await roster()).toBe(10);
    const refusals = (await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7))).filter(
      (r) => r.action === 'access.refused',
    );
    expect(refusals.map((r) => r.subject.verb)).toEqual(['imports.leaversApply', 'imports.leaversReview']);

    const group = { id: '19:leavers-group', conversationType: 'groupChat', tenantId: 'tenant-1' };
    bot.connector.clear();
    await bot.post(
      bot.activity(
        {
          type: 'message',
          value: button(offer!, 'Also mark people not in this file as leavers').data,
          conversation: group,
        },
        LEAD_OID,
      ),
    );
    const inGroup = await bot.connector.waitFor((a) => a.conversationId === group.id);
    expect(inGroup.activity.text).toBe("I've sent this to you privately.");
    expect(
      bot.connector.sent
        .filter((a) => a.conversationId === group.id)
        .map((a) => JSON.stringify(a.activity))
        .join(''),
    ).not.toContain('Person 10');
    expect(cardText(cardOf(bot.connector.sent.find((a) => inLeadChat(a) && cardOf(a) !== undefined)!))).toContain(
      'Person 10 (Finance)',
    );
  });
});
