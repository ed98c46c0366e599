import fs from 'node:fs';
import path from 'node:path';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { inChat, nextIn, withCard, withText } from './helpers/replies';
import { fileAttachment, fileServer } from './helpers/fileServer';
import { button, cardProblems } from './helpers/cards';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { tempDir } from './helpers/tmp';

type Card = Record<string, unknown>;
const LEAD2 = 'cccccccc-0000-4000-8000-000000000003';
const NEW_NUMBER = '01709 336081';

describe('the organisation keeps its own referral content (two leads, history, audit)', () => {
  onlyLoopback();
  let bot: TestBot;
  const env = { SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` };

  beforeEach(async () => {
    bot = await startTestBot(env);
    // Each lead has a 1:1 chat with the bot, so proposals can reach them.
    for (const oid of [LEAD_OID, LEAD2, USER_OID]) await bot.say('hello', { oid });
  });
  afterEach(async () => bot?.stop());

  const next = (oid: string, predicate: (a: SentActivity) => boolean, send: () => Promise<unknown>) =>
    nextIn(bot, oid, predicate, send);

  /** Lead 1 proposes a new MASH number (ticking that they called it) and returns the approval card lead 2 receives. */
  async function proposeNewMashNumber(checked = true): Promise<Card> {
    const list = cardOf(
      await next(LEAD_OID, withCard('Edit a contact'), () => bot.say('edit contact', { oid: LEAD_OID })),
    )!;
    expect(cardProblems(list)).toEqual([]);
    const mashEdit = JSON.stringify(list).includes('"contact":"mash"');
    expect(mashEdit).toBe(true);
    const form = cardOf(
      await next(LEAD_OID, withCard('Change:'), () =>
        bot.say('', { oid: LEAD_OID, value: { verb: 'content.contact.edit', contact: 'mash' } }),
      ),
    )!;
    expect(cardProblems(form)).toEqual([]);
    const data = button(form, 'Propose this change').data as Record<string, unknown>;
    const values = {
      name: 'Rotherham Multi-Agency Safeguarding Hub (MASH)',
      phone: NEW_NUMBER,
      hours: '24 hours',
      use: 'Referrals and advice about children, young people and unborn babies',
      phoneChecked: checked ? 'true' : 'false',
    };
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD_OID, value: { ...data, ...values } });
    if (!checked) {
      const again = await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withCard('must be checked')(a),
      );
      return cardOf(again)!;
    }
    const approval = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && withCard('needs your approval')(a),
    );
    await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withCard('Change proposed')(a),
    );
    return cardOf(approval)!;
  }

  async function staffMashNumber(): Promise<string> {
    const reply = await next(
      USER_OID,
      (a) => cardOf(a) !== undefined,
      () => bot.say('a baby with a bruise', { oid: USER_OID }),
    );
    return /Telephone (0[\d ]+)/.exec(cardText(cardOf(reply)))![1]!.trim();
  }

  it('a lead proposes a new number, cannot approve it themself, a second lead approves, and staff see it at once', async () => {
    expect(await staffMashNumber()).toBe('01709 336080');
    const approval = await proposeNewMashNumber();
    expect(cardProblems(approval)).toEqual([]);
    expect(cardText(approval)).toContain(
      `Rotherham Multi-Agency Safeguarding Hub (MASH) telephone: 01709 336080 → ${NEW_NUMBER}`,
    );
    expect(cardText(approval)).toContain('called by the proposer and confirmed as the right service');
    // Staff keep the approved version meanwhile.
    expect(await staffMashNumber()).toBe('01709 336080');
    // The proposer cannot approve their own change.
    const approve = button(approval, 'Approve').data;
    const own = await next(LEAD_OID, withText(/another safeguarding lead must approve/), () =>
      bot.say('', { oid: LEAD_OID, value: approve }),
    );
    expect(own.activity.text).toMatch(/You proposed this change/);
    expect(await staffMashNumber()).toBe('01709 336080');
    // The second lead approves; the proposer is told; staff see the new number straight away.
    const told = bot.connector.sent.length;
    const ok = await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: approve }));
    expect(ok.activity.text).toBe('Approved. Staff now see version 2.');
    await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= told && inChat(LEAD_OID)(a) && withText(/approved your change/)(a),
    );
    expect(await staffMashNumber()).toBe(NEW_NUMBER);
    // History shows both versions with who did what.
    const history = cardText(
      cardOf(await next(LEAD2, withCard('Referral content history'), () => bot.say('content history', { oid: LEAD2 }))),
    );
    expect(history).toMatch(
      /Version 2 \(live\)[\s\S]*Proposed by .*approved by .*new number called and confirmed[\s\S]*01709 336080 → 01709 336081/,
    );
    expect(history).toMatch(/Version 1[\s\S]*From the content files/);
    // One audit record per privileged step, with ids only.
    const month = new Date().toISOString().slice(0, 7);
    const records = await bot.app.audit.month(month);
    expect(records.map((r) => r.action).sort()).toEqual([
      'content.approval-refused',
      'content.approved',
      'content.proposed',
    ]);
    expect(records.find((r) => r.action === 'content.approved')!.actor).toBe(LEAD2);
    for (const r of records) expect(JSON.stringify(r)).not.toMatch(/01709|baby|bruise/);
  });

  it('rolls back by proposing an earlier version again, approved by another lead, and shows it all in the audit log and its CSV', async () => {
    const approval = await proposeNewMashNumber();
    await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: button(approval, 'Approve').data }));
    expect(await staffMashNumber()).toBe(NEW_NUMBER);
    const history = cardOf(
      await next(LEAD2, withCard('Referral content history'), () => bot.say('content history', { oid: LEAD2 })),
    )!;
    expect(cardProblems(history)).toEqual([]);
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD2, value: button(history, 'Propose this version again').data });
    const rollback = cardOf(
      await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withCard('needs your approval')(a),
      ),
    )!;
    expect(cardText(rollback)).toContain('Go back to version 1');
    expect(cardText(rollback)).toContain(`telephone: ${NEW_NUMBER} → 01709 336080`);
    const ok = await next(LEAD_OID, withText(/Approved/), () =>
      bot.say('', { oid: LEAD_OID, value: button(rollback, 'Approve').data }),
    );
    expect(ok.activity.text).toBe('Approved. Staff now see version 3.');
    expect(await staffMashNumber()).toBe('01709 336080');
    // The audit log, latest first, and the same as a CSV through a signed link.
    const log = await next(LEAD_OID, withText(/Audit log/), () => bot.say('audit log', { oid: LEAD_OID }));
    expect(log.activity.text).toMatch(
      /approved a content change \(version 3\)[\s\S]*proposed a content change \(back to version 1\)/,
    );
    const url = /\((http[^)]+exports\?token=[^)]+)\)/.exec(log.activity.text!)![1]!;
    const csv = await (await fetch(url.replace(/^http:\/\/localhost/, 'http://127.0.0.1'))).text();
    expect(csv.split(/\r?\n/)[0]!.replace(/^\uFEFF/, '')).toBe('at,actor,actor_name,action,subject');
    expect(csv.match(/content\.approved/g)).toHaveLength(2);
    expect(csv).not.toMatch(/01709/);
    const filtered = await next(LEAD_OID, withText(/Audit log|No audit records/), () =>
      bot.say('audit log declined', { oid: LEAD_OID }),
    );
    expect(filtered.activity.text).toMatch(/No audit records for "declined"/);
  });

  it('refuses a new number nobody has called, and keeps what was typed', async () => {
    const again = await proposeNewMashNumber(false);
    expect(cardText(again)).toMatch(/call it, make sure it is the right service/);
    expect(JSON.stringify(again)).toContain(NEW_NUMBER);
    expect(await bot.app.liveContent.currentVersion).toBe(1);
  });

  it('lets a lead decline with a reason, and the proposer is told; nothing changes', async () => {
    const approval = await proposeNewMashNumber();
    const decline = button(approval, 'Decline').data as Record<string, unknown>;
    const none = await next(LEAD2, withText(/give a reason/), () => bot.say('', { oid: LEAD2, value: decline }));
    expect(none.activity.text).toMatch(/Please give a reason/);
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD2, value: { ...decline, reason: 'That number is the old switchboard.' } });
    await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && withText(/Declined/)(a),
    );
    const toProposer = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withText(/declined your change/)(a),
    );
    expect(toProposer.activity.text).toContain('That number is the old switchboard.');
    expect(await staffMashNumber()).toBe('01709 336080');
  });

  it('two proposals on the same version cannot both go live: the second is withdrawn, not applied over the first', async () => {
    const first = await proposeNewMashNumber();
    // A second proposal on version 1, from the other lead: the SPA's hours.
    const form = cardOf(
      await next(LEAD2, withCard('Change:'), () =>
        bot.say('', { oid: LEAD2, value: { verb: 'content.contact.edit', contact: 'adult-spa' } }),
      ),
    )!;
    const data = button(form, 'Propose this change').data as Record<string, unknown>;
    const before = bot.connector.sent.length;
    await bot.say('', {
      oid: LEAD2,
      value: {
        ...data,
        name: 'Rotherham Council adult social care single point of access (SPA)',
        phone: '01709 822330',
        hours: 'Monday to Friday',
        use: 'Advice and referrals about adults at risk of abuse or neglect',
      },
    });
    const second = cardOf(
      await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && withCard('needs your approval')(a),
      ),
    )!;
    await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: button(first, 'Approve').data }));
    const stale = await next(LEAD_OID, withText(/went live first/), () =>
      bot.say('', { oid: LEAD_OID, value: button(second, 'Approve').data }),
    );
    expect(stale.activity.text).toMatch(/now version 2/);
    expect(bot.app.liveContent.currentVersion).toBe(2);
    expect(await staffMashNumber()).toBe(NEW_NUMBER);
  });

  it('staff cannot propose changes or read the history, and the refusal is audited', async () => {
    const reply = await next(USER_OID, withText(/Only safeguarding leads|only for/i), () =>
      bot.say('edit contact', { oid: USER_OID }),
    );
    expect(reply.activity.text).toMatch(/safeguarding lead/i);
    await next(USER_OID, withText(/Only safeguarding leads|only for/i), () => bot.say('audit log', { oid: USER_OID }));
    await next(USER_OID, withText(/Only safeguarding leads/), () =>
      bot.say('', { oid: USER_OID, value: { verb: 'content.approve', proposal: 'referral:p:x' } }),
    );
    const records = await bot.app.audit.month(new Date().toISOString().slice(0, 7));
    expect(records.filter((r) => r.action === 'content.refused' && r.actor === USER_OID)).toHaveLength(3);
  });
});

describe('a lead sends a replacement content file', () => {
  onlyLoopback();
  let bot: TestBot;
  let files: Awaited<ReturnType<typeof fileServer>>;
  const shipped = (f: string) =>
    JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'content', 'referral', f), 'utf8'));
  const FILES: Record<string, string> = {};
  beforeAll(async () => {
    const contacts = shipped('contacts.json');
    const hours = structuredClone(contacts);
    hours.contacts.find((c: { id: string }) => c.id === 'adult-spa').hours = 'Monday to Friday, 8.30am to 5pm';
    FILES['/hours/contacts.json'] = JSON.stringify(hours);
    const number = structuredClone(contacts);
    number.contacts.find((c: { id: string }) => c.id === 'mash').phone = NEW_NUMBER;
    FILES['/number/contacts.json'] = JSON.stringify(number);
    const routes = shipped('routes.json');
    const badDate = structuredClone(routes);
    badDate.routes[1].lastReviewed = '2026-02-30';
    FILES['/broken/routes.json'] = JSON.stringify(badDate);
    const badRef = structuredClone(routes);
    badRef.routes[0].contacts[0].contact = 'lado';
    FILES['/badref/routes.json'] = JSON.stringify(badRef);
    FILES['/notjson/pathway.json'] = '{ "organisation": ';
    files = await fileServer(FILES);
    bot = await startTestBot({ SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` });
    for (const oid of [LEAD_OID, LEAD2, USER_OID]) await bot.say('hello', { oid });
  });
  afterAll(async () => {
    await bot.stop();
    await files.close();
  });
  const send = async (name: string, where: string, oid = LEAD_OID, pattern = /./) => {
    const before = bot.connector.sent.length;
    await bot.post(
      bot.activity({ type: 'message', text: '', attachments: [fileAttachment(name, `${files.url}${where}`)] }, oid),
    );
    return bot.connector.waitFor(
      (a) =>
        bot.connector.sent.indexOf(a) >= before &&
        a.conversationId === `a:personal-${oid}` &&
        pattern.test(a.activity.text ?? cardText(cardOf(a))),
    );
  };

  it('proposes a valid file to the other leads, with what it changes', async () => {
    const before = bot.connector.sent.length;
    await send('contacts.json', '/hours/contacts.json', LEAD_OID, /Change proposed|approve/);
    const approval = await bot.connector.waitFor(
      (a) =>
        bot.connector.sent.indexOf(a) >= before &&
        a.conversationId === `a:personal-${LEAD2}` &&
        cardText(cardOf(a)).includes('needs your approval'),
    );
    expect(cardText(cardOf(approval))).toContain('contacts.json replaced from a file');
    expect(cardText(cardOf(approval))).toContain(
      'single point of access (SPA) hours: (none) → Monday to Friday, 8.30am to 5pm',
    );
    expect(bot.app.liveContent.currentVersion).toBe(1);
  });

  it('refuses a file that changes a telephone number: numbers change one at a time, called first', async () => {
    const reply = await send('contacts.json', '/number/contacts.json', LEAD_OID, /telephone number/);
    expect(reply.activity.text).toMatch(/changes a telephone number .*01709 336080 → 01709 336081.*edit contact/);
  });

  it('names the file, the path and the problem for an invalid file, and changes nothing', async () => {
    const reply = await send('routes.json', '/broken/routes.json', LEAD_OID, /not valid/);
    expect(reply.activity.text).toMatch(/routes\.json: routes\[1\]\.lastReviewed: is not a real date/);
    const ref = await send('routes.json', '/badref/routes.json', LEAD_OID, /not valid/);
    expect(ref.activity.text).toMatch(/routes\.json: routes\[0\]\.contacts\[0\]\.contact: unknown contact "lado"/);
    const notJson = await send('pathway.json', '/notjson/pathway.json', LEAD_OID, /not valid JSON/);
    expect(notJson.activity.text).toMatch(/pathway\.json is not valid JSON/);
    expect(bot.app.liveContent.currentVersion).toBe(1);
  });

  it('refuses a content file from anyone but a lead', async () => {
    const reply = await send('contacts.json', '/hours/contacts.json', USER_OID, /safeguarding leads/);
    expect(reply.activity.text).toMatch(/Only safeguarding leads can change the referral content/);
  });
});

describe('live content across restarts and instances', () => {
  onlyLoopback();

  it('keeps every version across a restart, and another instance on the same store picks up an approval within seconds without restarting', async () => {
    const dir = tempDir();
    const env = { SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` };
    const one = await startTestBot(env, dir);
    for (const oid of [LEAD_OID, LEAD2]) await one.say('hello', { oid });
    // Propose and approve straight through the service's store, as the HTTP test above does by cards.
    const live = one.app.liveContent;
    const store = (live as unknown as { store: import('../src/content/store').ContentStore }).store;
    const body = JSON.parse(JSON.stringify((await store.version('referral', 1))!.body)) as {
      contacts: { contacts: { id: string; phone?: string }[] };
    };
    body.contacts.contacts.find((c) => c.id === 'mash')!.phone = NEW_NUMBER;
    const p = await store.propose({
      set: 'referral',
      basedOn: 1,
      body,
      changes: [{ text: 'MASH telephone', phoneChanged: true }],
      proposedBy: LEAD_OID,
      proposedAt: new Date().toISOString(),
      phoneConfirmed: true,
    });
    // A second instance's live content on the same store (as a second App Service instance shares Cosmos DB):
    // it is told nothing, and finds the new version by its own periodic point read.
    const { LiveReferralContent } = await import('../src/content/live');
    const { ContentStore } = await import('../src/content/store');
    const { createLogger } = await import('../src/logging/logger');
    const files = (live as unknown as { files: import('../src/referral/content').ReferralContent }).files;
    const two = new LiveReferralContent(new ContentStore(one.app.store), files, createLogger('silent'));
    await two.start(new Date(), 100);
    try {
      expect(two.currentVersion).toBe(1);
      expect((await store.approve('referral', p.id, { aadObjectId: LEAD2 }, new Date())).outcome).toBe('approved');
      const deadline = Date.now() + 5000;
      while (two.get().contacts.get('mash')!.phone !== NEW_NUMBER && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(two.get().contacts.get('mash')!.phone).toBe(NEW_NUMBER);
      expect(two.currentVersion).toBe(2);
    } finally {
      two.stop();
    }
    await one.stop({ keepData: true });
    const again = await startTestBot(env, dir);
    try {
      expect(again.app.liveContent.currentVersion).toBe(2);
      expect(again.app.liveContent.get().contacts.get('mash')!.phone).toBe(NEW_NUMBER);
    } finally {
      await again.stop();
    }
  });
});
