import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../src/config/paths';
import { importStaff } from '../src/people/staffImport';
import { importTraining, parseTrainingCsv } from '../src/training/importTraining';
import { completionId } from '../src/training/store';
import { cardProblems } from './helpers/cards';
import { cardOf, cardText } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { removeDir, tempDir } from './helpers/tmp';

const MANAGER = 'a1a1a1a1-0000-4000-8000-000000000011';
const NURSE = 'b2b2b2b2-0000-4000-8000-000000000012';
const CLERK = 'c3c3c3c3-0000-4000-8000-000000000013';
const OTHER_MANAGER = 'd4d4d4d4-0000-4000-8000-000000000014';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `M1,Mia Manager,mia@nhs.net,${MANAGER},Continuing Care,clinical,manager,`,
  `N1,Noor Nurse,noor@nhs.net,${NURSE},Continuing Care,clinical,,`,
  `C1,Cal Clerk,cal@nhs.net,${CLERK},Continuing Care,all-staff,,`,
  `O1,Olu Other,olu@nhs.net,${OTHER_MANAGER},Finance,all-staff,manager,`,
].join('\n');
const TRAINING = [
  'employee_id,subject,level,completed_on,hours,provider',
  'M1,children,3,2026-06-01,12,eLfH',
  'M1,adults,3,2026-06-01,8,eLfH',
  'M1,prevent,3,2025-01-10,1,eLfH',
  'N1,children,3,2023-10-01,12,eLfH', // expired
  'N1,adults,3,2026-02-01,8,eLfH',
  'N1,prevent,3,2026-02-01,1,eLfH',
  'C1,children,1,2024-01-10,2,eLfH', // due soon (expires 2027-01-10)
  'C1,adults,1,2025-05-05,2,eLfH',
  'C1,prevent,1,2025-05-05,1,eLfH',
].join('\n');

describe('the training import', () => {
  const rules = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'content', 'training', 'rules.json'), 'utf8'));

  it('rejects malformed rows with their line numbers', () => {
    const { people, rows, rejected } = parseTrainingCsv(
      [
        'employee_id,subject,level,completed_on,hours,provider',
        'M1,children,3,2026-06-01,12,eLfH',
        'M1,maths,3,2026-06-01,12,eLfH',
        'M1,children,7,2026-06-01,12,eLfH',
        'M1,prevent,2,2026-06-01,1,eLfH',
        'M1,children,3,2026-02-30,12,eLfH',
        'M1,children,3,2027-01-01,12,eLfH',
        'M1,children,3,2026-06-01,lots,eLfH',
        'M1,children,3,2026-06-01,12,eLfH',
        'M1,children,3',
      ].join('\n'),
      rules,
      '2026-11-23',
    );
    expect(rows).toBe(1);
    expect(people.get('M1')).toEqual([
      { line: 2, subject: 'children', level: 3, completedOn: '2026-06-01', hours: 12, provider: 'eLfH' },
    ]);
    expect(rejected.map((r) => [r.line, r.reason])).toEqual([
      [3, 'subject must be children, adults or prevent'],
      [4, 'level must be a whole number from 1 to 5'],
      [5, 'Prevent has no level 2 (levels: 1, 3)'],
      [6, 'completed_on is not a real date'],
      [7, 'completed_on is in the future'],
      [8, 'hours must be a number such as 2 or 1.5'],
      [9, 'repeats line 2'],
      [10, 'has 3 columns, expected 6'],
    ]);
  });
});

describe('dates in the training import', () => {
  const rules = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'content', 'training', 'rules.json'), 'utf8'));
  const BAD_DATES = [
    'employee_id,subject,level,completed_on,hours,provider',
    'M1,children,3,2020-13-45,12,eLfH',
    'M1,adults,3,not-a-date,8,eLfH',
    'M1,prevent,3,0000-01-01,1,eLfH',
    'M1,children,3,9999-12-31,12,eLfH',
    'M1,adults,3,2026-02-29,8,eLfH',
    'M1,prevent,3,2026-06-01,1,eLfH',
  ].join('\n');

  it('rejects each bad date as a row with its line and reason, and imports the rest', () => {
    const { people, rejected } = parseTrainingCsv(BAD_DATES, rules, '2026-11-23');
    expect(rejected).toEqual([
      { line: 2, reason: 'completed_on is not a real date' },
      { line: 3, reason: 'completed_on must be a date written YYYY-MM-DD' },
      { line: 4, reason: 'completed_on is before 1950: check the year' },
      { line: 5, reason: 'completed_on is in the future' },
      { line: 6, reason: 'completed_on is not a real date' },
    ]);
    expect(people.get('M1')?.map((r) => r.line)).toEqual([7]);
  });

  it('says so from the command line, with exit code 2, instead of refusing the file', () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'staff.csv'), STAFF);
      fs.writeFileSync(path.join(dir, 'training.csv'), BAD_DATES);
      const run = (args: string[]) =>
        spawnSync(process.execPath, [path.join(projectRoot(), 'dist', 'scripts', 'import.js'), ...args], {
          env: { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data') },
          encoding: 'utf8',
        });
      expect(run(['staff', path.join(dir, 'staff.csv')]).status).toBe(0);
      const result = run(['training', path.join(dir, 'training.csv')]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('Training import: 1 added, 0 updated, 0 unchanged, 5 rejected.');
      expect(result.stdout).toContain('line 2: completed_on is not a real date');
      expect(result.status).toBe(2);
    } finally {
      removeDir(dir);
    }
  });
});

describe('training over HTTP', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot();
    bot.clock.now = new Date('2026-11-23T09:00:00Z');
    await importStaff(bot.app.directory, STAFF, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
  });
  afterEach(async () => {
    await bot.stop();
  });
  const ask = async (oid: string, text: string, value?: Record<string, unknown>) => {
    const before = bot.connector.sent.length;
    await bot.say(text, { oid, value });
    return bot.connector.sent.slice(before).filter((a) => a.conversationId === `a:personal-${oid}`);
  };

  it('imports training idempotently and refuses unknown people and staff groups', async () => {
    const first = await importTraining(
      bot.app.training.store,
      bot.app.directory,
      bot.app.trainingRules,
      `${TRAINING}\nZ9,children,1,2026-01-01,2,eLfH`,
      bot.clock.now,
    );
    expect(first).toMatchObject({ added: 9, updated: 0, unchanged: 0 });
    expect(first.rejected).toEqual([
      { line: 11, reason: 'employee_id Z9 is not in the staff list (import staff first)' },
    ]);
    const second = await importTraining(
      bot.app.training.store,
      bot.app.directory,
      bot.app.trainingRules,
      TRAINING,
      bot.clock.now,
    );
    expect(second).toMatchObject({ added: 0, updated: 0, unchanged: 9, rejected: [] });
    const staff = await importStaff(bot.app.directory, `${STAFF}\nX1,Xavi,x@nhs.net,,Finance,astronaut,,`, {
      staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id),
    });
    expect(staff.rejected).toEqual([
      {
        line: 6,
        reason:
          'staff_group astronaut is not one of all-staff, patient-contact, clinical-unregistered, clinical, named-professional, designated-professional',
      },
    ]);
  });

  it('shows each person their own status and what to do next', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    const card = cardOf((await ask(NURSE, 'my training'))[0]!)!;
    expect(cardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Noor Nurse · Registered clinical staff · Continuing Care');
    expect(text).toContain('Safeguarding children: overdue');
    expect(text).toContain('level 3 expired on 1 October 2026');
    expect(text).toContain('Book level 3 refresher training.');
    expect(text).toContain('Safeguarding adults: in date');
    const clerk = cardText(cardOf((await ask(CLERK, 'my training'))[0]!));
    expect(clerk).toContain('Safeguarding children: due soon');
    expect(clerk).toContain('Book level 1 refresher training before 10 January 2027.');
  });

  it('shows a manager their team, with a chart and who to chase, and refuses other teams and staff', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    const card = cardOf((await ask(MANAGER, 'team compliance'))[0]!)!;
    expect(cardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Training compliance: Continuing Care');
    expect(text).toContain('3 people · target 90%');
    expect(text).toContain('Safeguarding children: 67% compliant (below the target)');
    expect(text).toContain('In date 2 (due soon 1) · overdue or missing 1');
    expect(text).toContain('Safeguarding adults: 100% compliant (meets the target)');
    expect(text).toContain('Noor Nurse');
    expect(text).toContain('Safeguarding children: level 3 expired on 1 October 2026');
    expect(JSON.stringify(card)).toContain('"style":"attention"');

    expect((await ask(MANAGER, 'team compliance Finance'))[0]!.activity.text).toMatch(
      /your own team \(Continuing Care\)/,
    );
    expect((await ask(NURSE, 'team compliance'))[0]!.activity.text).toMatch(/for managers and safeguarding leads/);
    expect(cardText(cardOf((await ask(LEAD_OID, 'team compliance finance'))[0]!))).toContain(
      'Training compliance: Finance',
    );
    // Not compliant in three subjects is one row, not three.
    const finance = cardOf((await ask(LEAD_OID, 'team compliance finance'))[0]!)!;
    const facts = JSON.stringify(finance.body).match(/"title":"Olu Other"/g) ?? [];
    expect(facts).toHaveLength(1);
    expect(cardText(finance)).toMatch(/Safeguarding children: [^\n]*\. Safeguarding adults: [^\n]*\. Prevent: /);
    expect(cardText(cardOf((await ask(LEAD_OID, 'organisation compliance'))[0]!))).toContain(
      'Continuing Care (3): Safeguarding children 67%',
    );
    expect((await ask(MANAGER, 'organisation compliance'))[0]!.activity.text).toMatch(/for safeguarding leads/);

    // The organisation view is a card: every team with its % and a bar, worst first, a legend,
    // and each team opens its own card.
    const org = cardOf((await ask(LEAD_OID, 'organisation compliance'))[0]!)!;
    expect(cardProblems(org)).toEqual([]);
    const orgText = cardText(org);
    for (const key of ['In date', 'Due soon', 'Overdue or missing']) expect(orgText).toContain(key);
    const rows = (org.body as { selectAction?: { data: { verb: string; team: string } }; items?: unknown[] }[]).filter(
      (b) => b.selectAction?.data.verb === 'training.team',
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const percents = rows.map((r) => Number(/"text":"(\d+)%"/.exec(JSON.stringify(r))![1]));
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(JSON.stringify(rows[0])).toContain('"style":"attention"');
    const opened = cardText(cardOf((await ask(LEAD_OID, '', rows[0]!.selectAction!.data))[0]!));
    expect(opened).toContain(`Training compliance: ${rows[0]!.selectAction!.data.team}`);
    expect(opened).toContain('Overdue or missing');
    expect((await ask(MANAGER, '', { verb: 'training.team', team: 'Finance' }))[0]!.activity.text).toMatch(
      /your own team \(Continuing Care\)/,
    );
    expect(bot.logs.filter((l) => l.msg === 'refused').length).toBeGreaterThanOrEqual(3);
  });

  it('reminds overdue staff once a week', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    await ask(NURSE, 'help'); // Noor has a 1:1 chat with the bot
    const remind = (await ask(MANAGER, '', { verb: 'training.remind', team: 'Continuing Care' }))[0]!;
    expect(remind.activity.text).toBe('Reminded 1 person in Continuing Care: Noor Nurse.');
    const nudge = bot.connector.sent.find(
      (a) =>
        a.conversationId === `a:personal-${NURSE}` &&
        /safeguarding training needs attention/.test(a.activity.text ?? ''),
    );
    expect(nudge?.activity.text).toContain('Safeguarding children: level 3 expired on 1 October 2026');
    expect((await ask(MANAGER, '', { verb: 'training.remind', team: 'Continuing Care' }))[0]!.activity.text).toBe(
      'Reminded 0 people in Continuing Care. 1 person already had a reminder in the last 7 days, so not again: Noor Nurse.',
    );
    bot.clock.advanceHours(24 * 7 + 1);
    expect((await ask(MANAGER, '', { verb: 'training.remind', team: 'Continuing Care' }))[0]!.activity.text).toBe(
      'Reminded 1 person in Continuing Care: Noor Nurse.',
    );
    expect(
      (await ask(OTHER_MANAGER, '', { verb: 'training.remind', team: 'Continuing Care' }))[0]!.activity.text,
    ).toMatch(/your own team \(Finance\)/);
  });

  it('gives the manager a 15-minute CSV link for their team', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    const text = (await ask(MANAGER, '', { verb: 'training.export', team: 'Continuing Care' }))[0]!.activity.text!;
    const url = /\((http:\/\/localhost:\d+\/exports\?token=[^)]+)\)/.exec(text)![1]!.replace('localhost', '127.0.0.1');
    const csv = await (await fetch(url)).text();
    expect(csv.split('\r\n')[0]).toBe(
      'employee_id,name,team,staff_group,subject,required,held_level,hours,min_hours,expires,status,reasons',
    );
    expect(csv).toContain(
      'N1,Noor Nurse,Continuing Care,clinical,children,level 3,3,0,12,2026-10-01,overdue,level 3 expired on 1 October 2026; 0 of 12 hours in the last 3 years; no update in the last 12 months',
    );
    expect(
      (await ask(OTHER_MANAGER, '', { verb: 'training.export', team: 'Continuing Care' }))[0]!.activity.text,
    ).toMatch(/your own team/);
    bot.clock.advanceHours(0.3);
    expect((await fetch(url)).status).toBe(404);
  });

  it('lets staff record a course themselves, which counts only once their manager confirms it', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    await ask(MANAGER, 'help'); // the manager has a 1:1 chat with the bot
    const card = cardOf((await ask(NURSE, '', { verb: 'training.recordCard' }))[0]!)!;
    expect(cardProblems(card)).toEqual([]);

    // Checked by the same rules as the import, and nothing typed is lost.
    const bad = cardOf(
      (
        await ask(NURSE, '', {
          verb: 'training.record',
          subject: 'prevent',
          level: '2',
          completedOn: '2026-11-01',
          hours: '1',
          provider: 'Home Office',
        })
      )[0]!,
    )!;
    expect(cardText(bad)).toContain('Please check: Prevent has no level 2 (levels: 1, 3).');
    expect(cardText(bad)).toContain('Home Office');
    const future = cardOf(
      (
        await ask(NURSE, '', {
          verb: 'training.record',
          subject: 'children',
          level: '3',
          completedOn: '2027-01-01',
          hours: '12',
          provider: 'eLfH',
        })
      )[0]!,
    )!;
    expect(cardText(future)).toContain('the date is in the future');
    for (const [completedOn, problem] of [
      ['2020-13-45', 'Please check: the date is not a real date.'],
      ['not-a-date', 'Please check: the date must be a date written YYYY-MM-DD.'],
      ['0000-01-01', 'Please check: the date is before 1950: check the year.'],
    ]) {
      const reply = (
        await ask(NURSE, '', {
          verb: 'training.record',
          subject: 'children',
          level: '3',
          completedOn,
          hours: '12',
          provider: 'eLfH',
        })
      )[0]!;
      expect(cardText(cardOf(reply))).toContain(problem);
    }

    const recorded = await ask(NURSE, '', {
      verb: 'training.record',
      subject: 'children',
      level: '3',
      completedOn: '2026-11-10',
      hours: '12',
      provider: 'Local study day',
    });
    expect(recorded[0]!.activity.text).toMatch(
      /^Recorded: Safeguarding children level 3, 10 November 2026, 12 h, Local study day. It will count once your manager confirms it/,
    );
    const mine = cardText(cardOf((await ask(NURSE, 'my training'))[0]!));
    expect(mine).toContain('Safeguarding children: overdue'); // not counted yet
    expect(mine).toContain(
      'Waiting for your manager to confirm (not counted yet): Safeguarding children level 3, 10 November 2026',
    );

    const request = bot.connector.sent.find(
      (a) => a.conversationId === `a:personal-${MANAGER}` && cardText(cardOf(a)).includes('Training to confirm'),
    )!;
    expect(cardText(cardOf(request))).toContain('Noor Nurse recorded this training themselves');
    const confirmAction = (cardOf(request)!.actions as { title: string; data: Record<string, unknown> }[]).find(
      (a) => a.title === 'Confirm',
    )!;

    // Another team's manager, and the person themself, cannot confirm it.
    expect((await ask(OTHER_MANAGER, '', confirmAction.data))[0]!.activity.text).toMatch(
      /Only the person's manager or a safeguarding lead/,
    );
    expect((await ask(NURSE, '', confirmAction.data))[0]!.activity.text).toMatch(/nobody can confirm their own/);

    expect((await ask(MANAGER, '', confirmAction.data))[0]!.activity.text).toBe(
      'Confirmed: Safeguarding children level 3, 10 November 2026, 12 h, Local study day now counts for Noor Nurse.',
    );
    expect(cardText(cardOf((await ask(NURSE, 'my training'))[0]!))).toContain('Safeguarding children: in date');
    expect((await ask(MANAGER, '', confirmAction.data))[0]!.activity.text).toMatch(/already confirmed by Mia Manager/);

    // In the audit trail: the decision, once, with ids only, and both refusals (never the course's text).
    const audit = await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7));
    expect(audit.filter((r) => r.action === 'training.confirmed')).toEqual([
      expect.objectContaining({ actor: MANAGER, subject: { employee: 'N1', record: confirmAction.data.recordId } }),
    ]);
    const refusals = audit.filter((r) => r.action === 'access.refused');
    expect(refusals.find((r) => r.actor === OTHER_MANAGER)?.subject).toEqual({
      permission: 'training.team',
      verb: 'training.confirm',
      reason: 'not their team',
    });
    expect(refusals.find((r) => r.actor === NURSE)?.subject).toEqual({
      permission: 'training.team',
      verb: 'training.confirm',
    });
    expect(JSON.stringify(audit)).not.toMatch(/Local study day|Noor/);
  });

  it('counts people in the team the staff list now gives them, after a move and for new starters', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    // Noor moves to Finance and a new starter with no training joins Finance.
    const moved =
      STAFF.replace('Continuing Care,clinical,,', 'Finance,clinical,,') +
      '\nP1,Pat Starter,pat@nhs.net,,Finance,all-staff,,';
    await importStaff(bot.app.directory, moved, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });

    const finance = cardText(cardOf((await ask(LEAD_OID, 'team compliance finance'))[0]!));
    expect(finance).toContain('3 people');
    expect(finance).toContain('Noor Nurse');
    expect(finance).toContain('Safeguarding children: level 3 expired on 1 October 2026');
    expect(finance).toContain('Pat Starter');
    expect(finance).toContain('no level 1 training recorded');
    const care = cardText(cardOf((await ask(MANAGER, 'team compliance'))[0]!));
    expect(care).toContain('2 people');
    expect(care).not.toContain('Noor Nurse');
    // Found under her old team once; her record now carries the new one.
    expect((await bot.app.training.store.get('N1'))?.team).toBe('finance');

    const organisation = cardText(cardOf((await ask(LEAD_OID, 'organisation compliance'))[0]!));
    expect(organisation).toContain('Continuing Care (2): Safeguarding children 100%');
    expect(organisation).toContain('Finance (3): Safeguarding children 0%');
  });

  it('loses nothing when a manager confirms a course while an import is saving the same record', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    await ask(NURSE, '', {
      verb: 'training.record',
      subject: 'adults',
      level: '3',
      completedOn: '2026-11-02',
      hours: '2',
      provider: 'Team day',
    });
    const store = bot.app.training.store;
    const readMany = store.readMany.bind(store);
    // The import reads Noor's record, then her manager's confirmation lands before the import writes.
    store.readMany = async (ids) => {
      const records = await readMany(ids);
      await store.update('N1', 'Continuing Care', (list) =>
        list.map((c) => (c.source === 'self' ? { ...c, confirmed: true, decidedBy: 'Mia Manager' } : c)),
      );
      return records;
    };
    const report = await importTraining(
      store,
      bot.app.directory,
      bot.app.trainingRules,
      `${TRAINING}\nN1,children,3,2026-11-01,12,eLfH`,
      bot.clock.now,
    );
    store.readMany = readMany;
    expect(report).toMatchObject({ added: 1, unchanged: 9, failed: [] });
    const courses = await store.forPerson('N1');
    expect(courses).toHaveLength(5);
    expect(courses.find((c) => c.source === 'self')).toMatchObject({
      provider: 'Team day',
      confirmed: true,
      decidedBy: 'Mia Manager',
    });
    expect(cardText(cardOf((await ask(NURSE, 'my training'))[0]!))).toContain('Safeguarding children: in date');
  });

  it('tells a manager when a course they are asked to confirm has since come in from the import', async () => {
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    await ask(MANAGER, 'help');
    await ask(NURSE, '', {
      verb: 'training.record',
      subject: 'children',
      level: '3',
      completedOn: '2026-11-10',
      hours: '12',
      provider: 'eLfH',
    });
    const request = bot.connector.sent.find(
      (a) => a.conversationId === `a:personal-${MANAGER}` && cardText(cardOf(a)).includes('Training to confirm'),
    )!;
    const confirm = (cardOf(request)!.actions as { title: string; data: Record<string, unknown> }[]).find(
      (a) => a.title === 'Confirm',
    )!;
    const report = await importTraining(
      bot.app.training.store,
      bot.app.directory,
      bot.app.trainingRules,
      `${TRAINING}\nN1,children,3,2026-11-10,12,ELFH`,
      bot.clock.now,
    );
    expect(report).toMatchObject({ added: 0, updated: 1, unchanged: 9 });
    expect((await ask(MANAGER, '', confirm.data))[0]!.activity.text).toBe(
      'That course has since arrived from the training records import, so it already counts.',
    );
    expect(cardText(cardOf((await ask(NURSE, 'my training'))[0]!))).toContain('Safeguarding children: in date');
  });

  it('shows Markdown in imported names and providers as typed, never as a link', async () => {
    const tricky =
      STAFF.replace('Noor Nurse', '[Click me](https://evil.example) **Noor**') +
      '\nF1,Fay Finance,fay@nhs.net,,**Finance** [x](https://evil.example),all-staff,,';
    await importStaff(bot.app.directory, tricky, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
    await importTraining(bot.app.training.store, bot.app.directory, bot.app.trainingRules, TRAINING, bot.clock.now);
    const team = cardText(cardOf((await ask(MANAGER, 'team compliance'))[0]!));
    expect(team).toContain('\\[Click me\\]\\(https://evil.example\\) \\*\\*Noor\\*\\*');
    expect(team).not.toContain('[Click me](');
    const organisation = cardText(cardOf((await ask(LEAD_OID, 'organisation compliance'))[0]!));
    expect(organisation).toContain('\\*\\*Finance\\*\\* \\[x\\]\\(https://evil.example\\) (1)');
    await ask(MANAGER, 'help');
    await ask(NURSE, '', {
      verb: 'training.record',
      subject: 'adults',
      level: '3',
      completedOn: '2026-11-02',
      hours: '2',
      provider: '[Team day](https://evil.example)',
    });
    const request = bot.connector.sent.find(
      (a) => a.conversationId === `a:personal-${MANAGER}` && cardText(cardOf(a)).includes('Training to confirm'),
    )!;
    const confirm = cardText(cardOf(request));
    expect(confirm).toContain('\\[Click me\\]');
    expect(confirm).toContain('\\[Team day\\]\\(https://evil.example\\)');
    expect(confirm).not.toMatch(/(^|[^\\])\[(Click me|Team day)\]\(/);
  });

  it("keeps the organisation list under Teams' message limit, with every team in the CSV it links", async () => {
    const long = 'A team with a long name for the organisation list as some directorates have'; // 77 characters
    const staff = [
      STAFF,
      ...Array.from(
        { length: 600 },
        (_, i) => `T${i},Person ${i},t${i}@nhs.net,,${long} ${String(i).padStart(3, '0')},all-staff,,`,
      ),
    ].join('\n');
    await importStaff(bot.app.directory, staff, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
    const reply = (await ask(LEAD_OID, 'organisation compliance'))[0]!;
    const text = cardText(cardOf(reply));
    expect(bot.connector.tooLarge).toBe(0);
    expect(Buffer.byteLength(JSON.stringify(reply.activity))).toBeLessThan(64 * 1024);
    expect(text).toMatch(/…and \d+ more teams, in the CSV\./);
    const url = /\[Download every team's figures \(CSV\)\]\((http:\/\/localhost:\d+\/exports\?token=[^)]+)\)/
      .exec(text)![1]!
      .replace('localhost', '127.0.0.1');
    const csv = (await (await fetch(url)).text()).trim().split('\r\n');
    expect(csv[0]).toMatch(/^team,people,children_compliant,/);
    expect(csv).toHaveLength(1 + 602);
  });

  it('keeps training saved by the earlier one-document-per-course version', async () => {
    const old = {
      employeeId: 'N1',
      subject: 'children',
      level: 3,
      completedOn: '2026-03-01',
      hours: 12,
      provider: 'eLfH',
      source: 'import',
      confirmed: true,
      importedAt: '2026-03-02T09:00:00.000Z',
    };
    await bot.app.training.store.container.items.create({ ...old, id: completionId('N1', old as never) });
    await bot.app.training.store.container.items.create({
      ...old,
      subject: 'adults',
      hours: 8,
      id: completionId('N1', { ...old, subject: 'adults' } as never),
    });
    expect(await bot.app.training.store.upgradeCourseDocuments()).toBe(2);
    expect(await bot.app.training.store.upgradeCourseDocuments()).toBe(0);
    const card = cardText(cardOf((await ask(NURSE, 'my training'))[0]!));
    expect(card).toContain('Safeguarding children: in date');
    expect(card).toContain('Safeguarding adults: in date');
    expect(await bot.app.training.store.forPerson('N1')).toHaveLength(2);
  });

  it('imports training from the command line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'staff.csv'), STAFF);
    fs.writeFileSync(path.join(dir, 'training.csv'), TRAINING);
    const run = (args: string[]) =>
      spawnSync(process.execPath, [path.join(projectRoot(), 'dist', 'scripts', 'import.js'), ...args], {
        env: { PATH: process.env.PATH, DATA_DIR: path.join(dir, 'data') },
        encoding: 'utf8',
      });
    expect(run(['staff', path.join(dir, 'staff.csv')]).status).toBe(0);
    const result = run(['training', path.join(dir, 'training.csv')]);
    expect(result.stdout).toContain('Training import: 9 added, 0 updated, 0 unchanged, 0 rejected.');
    expect(result.status).toBe(0);
    removeDir(dir);
  });
});
