import { fileServer } from './helpers/fileServer';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';

const NURSE = 'b2b2b2b2-0000-4000-8000-000000000012';
const MANAGER = 'a1a1a1a1-0000-4000-8000-000000000011';
const FILES: Record<string, string> = {
  '/staff.csv': [
    'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
    `L1,Lee Lead,lee@nhs.net,${LEAD_OID},Safeguarding,designated-professional,,`,
    `N1,Noor Nurse,noor@nhs.net,${NURSE},Continuing Care,clinical,,`,
    `M1,Mia Manager,mia@nhs.net,${MANAGER},Continuing Care,clinical,manager,`,
    'X1,Bad Group,x@nhs.net,,Finance,astronaut,,',
  ].join('\n'),
  '/training.csv': [
    'employee_id,subject,level,completed_on,hours,provider',
    'N1,children,3,2026-06-01,12,eLfH',
    'N1,maths,3,2026-06-01,12,eLfH',
  ].join('\n'),
  '/team-training.csv': [
    'employee_id,subject,level,completed_on,hours,provider',
    'N1,adults,3,2026-06-01,8,eLfH',
    'L1,adults,5,2026-06-01,24,eLfH',
  ].join('\n'),
  '/own-training.csv': [
    'employee_id,subject,level,completed_on,hours,provider',
    'N1,prevent,1,2026-05-01,1,Home Office',
    'M1,children,3,2026-05-01,12,Local study day',
  ].join('\n'),
  '/lead-own.csv': ['employee_id,subject,level,completed_on,hours,provider', 'L1,children,5,2026-05-01,24,eLfH'].join(
    '\n',
  ),
  '/bad-dates.csv': [
    'employee_id,subject,level,completed_on,hours,provider',
    'N1,adults,3,2020-13-45,8,eLfH',
    'N1,adults,3,not-a-date,8,eLfH',
    'N1,prevent,3,2026-05-05,1,eLfH',
  ].join('\n'),
  '/other.csv': 'date,amount\n2026-01-01,3',
};

// 1,000 rows, every one wrong in every cell: its full row report is far over Teams' message limit.
FILES['/all-wrong.csv'] = [
  'employee_id,subject,level,completed_on,hours,provider',
  ...Array.from({ length: 1000 }, (_, i) => `bad id ${i},maths,9,someday,lots,`),
].join('\n');

describe('imports from a CSV attached in the chat', () => {
  onlyLoopback();
  let bot: TestBot;
  let files: Awaited<ReturnType<typeof fileServer>>;
  beforeAll(async () => {
    files = await fileServer(FILES);
    bot = await startTestBot();
  });
  afterAll(async () => {
    await bot.stop();
    await files.close();
  });

  const attach = (name: string, path: string, oid = LEAD_OID) =>
    bot.post(
      bot.activity(
        {
          type: 'message',
          text: '',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.teams.file.download.info',
              name,
              content: { downloadUrl: `${files.url}${path}`, fileType: 'csv' },
            },
          ],
        },
        oid,
      ),
    );
  const reply = (pattern: RegExp) => bot.connector.waitFor((a) => pattern.test(a.activity.text ?? ''));

  it('imports a staff list and then training records, with the same row report as the command line', async () => {
    await attach('staff.csv', '/staff.csv');
    const staff = await reply(/Staff import/);
    expect(staff.activity.text).toContain('Staff import: 3 added, 0 updated, 0 unchanged, 1 rejected.');
    expect(staff.activity.text).toMatch(/line 5: .*astronaut/);
    expect((await bot.app.directory.get('N1'))?.team).toBe('Continuing Care');

    bot.connector.clear();
    await attach('training.csv', '/training.csv');
    const training = await reply(/Training import/);
    expect(training.activity.text).toContain('Training import: 1 added, 0 updated, 0 unchanged, 1 rejected.');
    expect(training.activity.text).toContain('line 3: subject must be children, adults or prevent');
    expect(await bot.app.training.store.forPerson('N1')).toHaveLength(1);
  });

  it('summarises a long report in the chat and links the full row report as CSV', async () => {
    bot.connector.clear();
    await attach('all-wrong.csv', '/all-wrong.csv');
    const report = await reply(/^all-wrong.csv\n/);
    const text = report.activity.text!;
    expect(bot.connector.tooLarge).toBe(0);
    expect(Buffer.byteLength(text)).toBeLessThan(8 * 1024);
    expect(text).toContain('Training import: 0 added, 0 updated, 0 unchanged, 1,000 rejected.');
    expect(text).toContain('line 2: employee_id must be 1-32 letters');
    expect(text).toContain('line 11: ');
    expect(text).not.toContain('line 12: ');
    expect(text).toContain('…and 990 more.');
    const url = /\[Download the full row report \(CSV\)\]\((http:\/\/localhost:\d+\/exports\?token=[^)]+)\)/
      .exec(text)![1]!
      .replace('localhost', '127.0.0.1');
    const csv = await (await fetch(url)).text();
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('line,employee_id,problem');
    expect(rows).toHaveLength(1001);
    expect(rows[1]).toMatch(
      /^2,,"employee_id must be 1-32 letters.*subject must be children, adults or prevent.*provider is empty/,
    );
    expect(rows[1000]).toMatch(/^1001,/);
  });

  it('answers "Importing…" at once and sends the report when the import is done', async () => {
    bot.connector.clear();
    const started = Date.now();
    const res = await attach('training.csv', '/slow/training.csv');
    expect(res.status).toBeLessThan(300);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(bot.connector.sent.map((a) => a.activity.text)).toEqual([
      'Importing training.csv… I will send you the report here when it is done.',
    ]);
    expect((await reply(/^training.csv\n/)).activity.text).toContain(
      'Training import: 0 added, 0 updated, 1 unchanged, 1 rejected.',
    );
  });

  it('never repeats a file name that looks like patient details', async () => {
    bot.connector.clear();
    await attach('referral for 943 476 5919.csv', '/training.csv');
    expect((await reply(/^your file\n/)).activity.text).toContain('Training import:');
    expect(JSON.stringify(bot.connector.sent)).not.toContain('943 476 5919');
  });

  it('rejects a bad date as one row with its line and reason, and imports the rest', async () => {
    bot.connector.clear();
    await attach('bad-dates.csv', '/bad-dates.csv');
    const report = await reply(/^bad-dates.csv\n/);
    expect(report.activity.text).toContain('1 added, 0 updated, 0 unchanged, 2 rejected');
    expect(report.activity.text).toContain('line 2: completed_on is not a real date');
    expect(report.activity.text).toContain('line 3: completed_on must be a date written YYYY-MM-DD');
    expect(report.activity.text).not.toContain('Invalid time value');
  });

  it("lets a manager import their own team's training records, and nothing else", async () => {
    bot.connector.clear();
    await attach('team-training.csv', '/team-training.csv', MANAGER);
    const training = await reply(/Training import/);
    expect(training.activity.text).toContain('Training import: 1 added, 0 updated, 0 unchanged, 1 rejected.');
    expect(training.activity.text).toContain('line 3: employee_id L1 is not in your team (Continuing Care)');
    expect(await bot.app.training.store.forPerson('L1')).toHaveLength(0);
    await attach('staff.csv', '/staff.csv', MANAGER);
    await reply(/Only safeguarding leads can import the staff list/);
  });

  it('never lets anyone count their own training from a file, manager or lead', async () => {
    bot.connector.clear();
    // Mia records a course herself: it waits for someone else to confirm it.
    await bot.say('', {
      oid: MANAGER,
      value: {
        verb: 'training.record',
        subject: 'children',
        level: '3',
        completedOn: '2026-05-01',
        hours: '12',
        provider: 'Local study day',
      },
    });
    await reply(/^Recorded: /);
    // Then she sends her team's file with the same course on her own row.
    await attach('own-training.csv', '/own-training.csv', MANAGER);
    const report = await reply(/^own-training.csv\n/);
    expect(report.activity.text).toContain('1 added, 0 updated, 0 unchanged, 1 rejected');
    expect(report.activity.text).toMatch(/line 3: .*your own training record.*nobody can confirm their own training/);
    const mine = await bot.app.training.store.forPerson('M1');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'self', confirmed: false });

    await attach('lead-own.csv', '/lead-own.csv');
    expect((await reply(/^lead-own.csv\n/)).activity.text).toMatch(
      /0 added.*1 rejected[\s\S]*line 2: .*your own training record/,
    );
    expect(await bot.app.training.store.forPerson('L1')).toHaveLength(0);
  });

  it('refuses people who are not safeguarding leads or managers, and says why a file cannot be used', async () => {
    bot.connector.clear();
    await attach('staff.csv', '/staff.csv', NURSE);
    await reply(/Only safeguarding leads, and managers for their own team's training records, can import files/);
    expect(bot.logs.some((l) => l.msg === 'refused' && l.permission === 'people.import')).toBe(true);

    await attach('budget.csv', '/other.csv');
    expect((await reply(/could not tell what budget.csv holds/)).activity.text).toContain('employee_id,name,email');
    await attach('missing.csv', '/missing.csv');
    await reply(/could not open missing.csv/);
    await attach('staff.xlsx', '/staff.csv');
    await reply(/Save the spreadsheet as CSV/);
  });
});
