import { importStaff } from '../src/people/staffImport';
import type { AuditRecord } from '../src/audit';
import { ask } from './helpers/ask';
import { button } from './helpers/cards';
import { cardOf, cardText } from './helpers/connector';
import { fileAttachment, fileServer } from './helpers/fileServer';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';

const BEN = 'b0000000-0000-4000-8000-00000000000b';
const LEAD2 = 'cccccccc-0000-4000-8000-000000000003';
const MANAGER = 'a1a1a1a1-0000-4000-8000-000000000011';
/** Typed into a briefing's title and a decline reason: it must reach no audit record. */
const DISTINCTIVE = 'Quokka-Zebra-7731';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `L1,Lee Lead,lee@nhs.net,${LEAD_OID},Safeguarding,designated-professional,,`,
  `B1,Ben Brown,ben@nhs.net,${BEN},Continuing Care,all-staff,,`,
  `U1,Sam Taylor,sam@nhs.net,${USER_OID},Continuing Care,all-staff,,`,
  `M1,Mia Manager,mia@nhs.net,${MANAGER},Continuing Care,clinical,manager,`,
].join('\n');
const BRIEFING = {
  title: `Self-neglect ${DISTINCTIVE}`,
  tags: 'adults',
  background: 'Self-neglect covers a wide range of behaviour: neglecting personal hygiene, health or surroundings.',
  whyItMatters: 'It can lead to serious harm and is a category of abuse under the Care Act.',
  keyPoints: 'Respect choices\nAssess capacity\nThink about others at risk',
  remember: 'Hoarding is one form',
  whatToDo: 'Talk to the adult safeguarding lead',
  reflection: 'When does a lifestyle choice become a risk?',
  links: '',
};

describe('the audit trail of privileged actions', () => {
  onlyLoopback();
  let bot: TestBot;
  let files: Awaited<ReturnType<typeof fileServer>>;
  const month = () => bot.clock.now.toISOString().slice(0, 7);
  const records = async (): Promise<AuditRecord[]> => bot.app.audit.month(month());

  beforeAll(async () => {
    files = await fileServer({ '/staff.csv': STAFF });
  });
  afterAll(async () => {
    await files.close();
  });
  beforeEach(async () => {
    bot = await startTestBot({
      BROADCAST_RETRY_BASE_MS: '20',
      BROADCAST_MESSAGES_PER_SECOND: '200',
      SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}`,
    });
    await importStaff(bot.app.directory, STAFF, {});
    for (const oid of [LEAD_OID, LEAD2, BEN, USER_OID, MANAGER]) await bot.say('hello', { oid });
    bot.connector.clear();
  });
  afterEach(async () => {
    await bot.stop();
  });

  async function draft(): Promise<string> {
    await ask(bot, LEAD_OID, '', { verb: 'briefings.save', ...BRIEFING });
    const [d] = await bot.app.briefings.store.list({ status: ['draft'], author: LEAD_OID });
    await ask(bot, LEAD_OID, '', {
      verb: 'briefings.audience',
      draftId: d!.id,
      kind: 'teams',
      teams: 'Continuing Care',
    });
    return d!.id;
  }

  it('records sending, scheduling and reminders with ids and counts, and never the title', async () => {
    const now = await draft();
    await ask(bot, LEAD_OID, '', { verb: 'briefings.send', draftId: now, when: 'now' });
    await bot.app.briefings.engine.work(now);
    const later = await draft();
    await ask(bot, LEAD_OID, '', {
      verb: 'briefings.send',
      draftId: later,
      when: 'later',
      date: '2099-03-02',
      time: '10:15',
      confirmed: 'yes',
    });
    await ask(bot, LEAD_OID, '', { verb: 'briefings.remind', briefingId: now });
    await bot.connector.waitFor((a) => /Reminders for .*: 3 sent/.test(a.activity.text ?? ''));

    const all = await records();
    const of = (action: string) => all.filter((r) => r.action === action);
    expect(of('briefing.sent')).toEqual([
      expect.objectContaining({ actor: LEAD_OID, subject: { briefing: now, recipients: 3 } }),
    ]);
    expect(of('briefing.scheduled')).toEqual([
      expect.objectContaining({
        actor: LEAD_OID,
        subject: { briefing: later, recipients: 3, sendAt: '2099-03-02T10:15:00.000Z' },
      }),
    ]);
    expect(of('briefing.reminded')).toEqual([
      expect.objectContaining({ actor: LEAD_OID, subject: { briefing: now, due: 3, reminded: 3 } }),
    ]);
    expect(JSON.stringify(all)).not.toContain(DISTINCTIVE);
    expect(JSON.stringify(all)).not.toMatch(/Self-neglect|Hoarding/);
  });

  it('records a staff import from the chat (kind, counts, who) and a staff member refused one', async () => {
    const before = bot.connector.sent.length;
    await bot.post(
      bot.activity(
        { type: 'message', text: '', attachments: [fileAttachment('staff.csv', `${files.url}/staff.csv`)] },
        LEAD_OID,
      ),
    );
    await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && /Staff import/.test(a.activity.text ?? ''),
    );
    await bot.post(
      bot.activity(
        { type: 'message', text: '', attachments: [fileAttachment('staff.csv', `${files.url}/staff.csv`)] },
        BEN,
      ),
    );
    await bot.connector.waitFor(
      (a) => a.conversationId === `a:personal-${BEN}` && /Only safeguarding leads/.test(a.activity.text ?? ''),
    );
    const all = await records();
    expect(all.filter((r) => r.action === 'import.staff')).toEqual([
      expect.objectContaining({
        actor: LEAD_OID,
        subject: { via: 'chat', added: 0, updated: 0, unchanged: 4, rejected: 0, notSaved: 0 },
      }),
    ]);
    expect(all.filter((r) => r.action === 'access.refused')).toEqual([
      expect.objectContaining({ actor: BEN, subject: { permission: 'people.import', file: 'any' } }),
    ]);
    expect(JSON.stringify(all)).not.toMatch(/Ben Brown|Lee Lead|staff\.csv/);
  });

  it('records refusals of privileged commands and buttons by name, never what was typed', async () => {
    await ask(bot, BEN, 'new briefing');
    await ask(bot, BEN, '', { verb: 'briefings.send', draftId: 'x', when: 'now' });
    await ask(bot, BEN, `team compliance ${DISTINCTIVE}`);
    await ask(bot, MANAGER, `team compliance ${DISTINCTIVE}`); // a manager, asking about another team
    await ask(bot, BEN, 'reopen assessment C87001');
    const refused = (await records()).filter((r) => r.action === 'access.refused').map((r) => [r.actor, r.subject]);
    expect(refused).toEqual(
      expect.arrayContaining([
        [BEN, { permission: 'briefings.send', command: 'new briefing' }],
        [BEN, { permission: 'briefings.send', verb: 'briefings.send' }],
        [BEN, { permission: 'training.team', command: 'team compliance' }],
        [MANAGER, { permission: 'training.team', reason: 'another team' }],
        [BEN, { permission: 'assessment.oversee', command: 'reopen assessment' }],
      ]),
    );
    expect(refused).toHaveLength(5);
    expect(JSON.stringify(await records())).not.toMatch(new RegExp(`${DISTINCTIVE}|C87001`));
  });

  it('a reason typed when declining a content change never reaches the trail', async () => {
    const form = cardOf((await ask(bot, LEAD_OID, '', { verb: 'content.contact.edit', contact: 'mash' })).reply)!;
    const propose = button(form, 'Propose this change').data as Record<string, unknown>;
    const before = bot.connector.sent.length;
    await bot.say('', {
      oid: LEAD_OID,
      value: {
        ...propose,
        name: 'Rotherham Multi-Agency Safeguarding Hub (MASH)',
        phone: '01709 336080',
        hours: 'Monday to Friday',
        use: 'Referrals and advice about children',
      },
    });
    const approval = cardOf(
      await bot.connector.waitFor(
        (a) =>
          bot.connector.sent.indexOf(a) >= before &&
          a.conversationId === `a:personal-${LEAD2}` &&
          cardText(cardOf(a)).includes('needs your approval'),
      ),
    )!;
    const declined = await ask(bot, LEAD2, '', {
      ...(button(approval, 'Decline').data as Record<string, unknown>),
      reason: `Those are not the hours ${DISTINCTIVE}`,
    });
    expect(declined.text).toMatch(/Declined/);
    const all = await records();
    expect(all.map((r) => r.action)).toEqual(['content.declined', 'content.proposed']);
    expect(JSON.stringify(all)).not.toMatch(new RegExp(`${DISTINCTIVE}|Monday to Friday|not the hours`));
  });

  it('records every export downloaded (which, by whom, when)', async () => {
    const link = await ask(bot, LEAD_OID, '', { verb: 'training.export', team: 'Continuing Care' });
    const url = /\((http[^)]+exports\?token=[^)]+)\)/
      .exec(link.text)![1]!
      .replace(/^http:\/\/localhost/, 'http://127.0.0.1');
    const at = bot.clock.now.toISOString();
    expect((await fetch(url)).status).toBe(200);
    const downloads = (await records()).filter((r) => r.action === 'export.downloaded');
    expect(downloads).toEqual([
      expect.objectContaining({
        actor: LEAD_OID,
        actorName: 'Lee Lead',
        subject: { export: 'training-team', team: 'Continuing Care' },
      }),
    ]);
    expect(downloads[0]!.at >= at).toBe(true);
    // A tampered link serves nothing and records nothing.
    expect((await fetch(url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
    expect((await records()).filter((r) => r.action === 'export.downloaded')).toHaveLength(1);
  });

  it('audit log filters by kind and by person, says which kinds there are, and its CSV has every record', async () => {
    const id = await draft();
    await ask(bot, LEAD_OID, '', {
      verb: 'briefings.send',
      draftId: id,
      when: 'later',
      date: '2099-03-02',
      time: '10:15',
      confirmed: 'yes',
    });
    await ask(bot, BEN, 'new briefing');
    const briefing = (await ask(bot, LEAD_OID, 'audit log briefing')).text;
    expect(briefing).toMatch(
      /Audit log, latest first \(briefing\): 1\n\n- .*Sam Taylor scheduled a briefing \(briefing [0-9a-f-]+, 3 people, for 2 Mar 2099, 10:15\)/,
    );
    expect(briefing).not.toContain('refused');
    const refusals = (await ask(bot, LEAD_OID, 'audit log refused')).text;
    expect(refusals).toMatch(/was refused a privileged action \(needs briefings\.send, command "new briefing"\)/);
    expect(refusals).not.toContain('scheduled');
    expect((await ask(bot, LEAD_OID, 'audit log export')).text).toMatch(
      /No audit records for "export" this month or last\. You can filter by kind \(content, briefing, import, training, assessment, export, refused\)/,
    );
    const { text } = await ask(bot, LEAD_OID, 'audit log');
    const url = /\((http[^)]+exports\?token=[^)]+)\)/
      .exec(text)![1]!
      .replace(/^http:\/\/localhost/, 'http://127.0.0.1');
    const csv = await (await fetch(url)).text();
    expect(csv).toMatch(/briefing\.scheduled/);
    expect(csv).toMatch(/access\.refused/);
    expect(csv).not.toContain(DISTINCTIVE);
    // Help names the kinds.
    expect((await ask(bot, LEAD_OID, 'help')).text).toContain(
      'audit log [content | briefing | import | training | assessment | export | refused | name]',
    );
  });

  it('a failing audit write loses nothing: the action stands, the person gets their answer, the error is logged with ids only', async () => {
    const id = await draft();
    const spy = jest.spyOn(bot.app.audit, 'record').mockRejectedValue(new Error('storage unavailable'));
    try {
      const { text } = await ask(bot, LEAD_OID, '', {
        verb: 'briefings.send',
        draftId: id,
        when: 'later',
        date: '2099-03-02',
        time: '10:15',
        confirmed: 'yes',
      });
      expect(text).toMatch(/^Scheduled: ".*" will go to 3 people on Monday 2 March 2099 at 10:15/);
    } finally {
      spy.mockRestore();
    }
    expect((await bot.app.briefings.store.get(id))!.status).toBe('scheduled');
    const logged = bot.logs.filter((l) => l.msg === 'audit record not written');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 50,
      audit: { action: 'briefing.scheduled', subject: { briefing: id, recipients: 3 } },
    });
    expect(JSON.stringify(logged)).not.toContain(DISTINCTIVE);
    expect(await records()).toEqual([]);
  });
});
