import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { importStaff } from '../src/people/staffImport';
import { briefingCard } from '../src/briefings/cards';
import { loadBriefingLibrary } from '../src/briefings/content';
import type { BriefingDoc } from '../src/briefings/store';
import { button, cardProblems } from './helpers/cards';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { ask } from './helpers/ask';

const ALICE = 'a0000000-0000-4000-8000-00000000000a';
const BEN = 'b0000000-0000-4000-8000-00000000000b';
const CHLOE = 'c0000000-0000-4000-8000-00000000000c';
const DEV = 'd0000000-0000-4000-8000-00000000000d';
const ELLA = 'e0000000-0000-4000-8000-00000000000e';
const FIN = 'f0000000-0000-4000-8000-00000000000f';
const OUTSIDER = '90000000-0000-4000-8000-000000000009';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `L1,Lee Lead,lee@nhs.net,${LEAD_OID},Safeguarding,designated-professional,,`,
  `A1,Alice Adams,alice@nhs.net,${ALICE},Continuing Care,clinical,,`,
  `B1,Ben Brown,ben@nhs.net,${BEN},Continuing Care,all-staff,,`,
  `C1,Chloe Cole,chloe@nhs.net,${CHLOE},Continuing Care,clinical,,`,
  `D1,Dev Dean,dev@nhs.net,${DEV},Finance,all-staff,,`,
  `E1,Ella Evans,ella@nhs.net,${ELLA},Finance,all-staff,,`,
  `F1,Fin Ford,fin@nhs.net,${FIN},Finance,all-staff,,`,
  `G1,Gus Grant,gus@nhs.net,,Finance,all-staff,,`,
  `O1,Olu Outsider,olu@nhs.net,${OUTSIDER},Estates,all-staff,,`,
].join('\n');

const chat = (oid: string) => `a:personal-${oid}`;
const briefingsTo = (bot: TestBot, oid: string) =>
  bot.connector.sent.filter((s) => s.conversationId === chat(oid) && cardText(cardOf(s)).includes('7-minute briefing'));

/** Presses a card's Action.Execute the way Teams does: an invoke whose HTTP response carries the new card. */
async function execute(
  bot: TestBot,
  oid: string,
  verb: string,
  data: Record<string, unknown>,
): Promise<{ status: number; body: { statusCode: number; type: string; value: unknown } }> {
  const res = await bot.post(
    bot.activity(
      {
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
      },
      oid,
    ),
  );
  return { status: res.status, body: (await res.json()) as { statusCode: number; type: string; value: unknown } };
}

function ackData(sent: SentActivity): Record<string, unknown> {
  const actions = (cardOf(sent)!.actions ?? []) as { type: string; verb?: string; data?: Record<string, unknown> }[];
  const ack = actions.find((a) => a.type === 'Action.Execute' && a.verb === 'briefing.ack');
  if (!ack?.data) throw new Error('no "I\'ve read this" action on the card');
  return ack.data;
}

async function sendFromLibrary(
  bot: TestBot,
  libraryId: string,
  audience: Record<string, string>,
): Promise<BriefingDoc> {
  await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.start', libraryId } });
  const drafts = await bot.app.briefings.store.list({ status: ['draft'], author: LEAD_OID });
  const draft = drafts[0]!;
  await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.audience', draftId: draft.id, ...audience } });
  await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.send', draftId: draft.id, when: 'now' } });
  await bot.app.briefings.engine.work(draft.id);
  return (await bot.app.briefings.store.get(draft.id))!;
}

describe('7-minute briefings', () => {
  onlyLoopback();
  let bot: TestBot;

  beforeEach(async () => {
    bot = await startTestBot({ BROADCAST_RETRY_BASE_MS: '20', BROADCAST_MESSAGES_PER_SECOND: '200' });
    await importStaff(bot.app.directory, STAFF, {});
    // Everyone but Ella has opened a chat with the bot (so it holds their conversation reference).
    for (const oid of [LEAD_OID, ALICE, BEN, CHLOE, DEV, FIN, OUTSIDER]) await bot.say('hello', { oid });
    bot.connector.clear();
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('every library briefing has all seven parts, cites sources and renders as a valid card under 40 KB', () => {
    const library = loadBriefingLibrary(path.join(projectRoot(), 'content', 'briefings'));
    expect(library.length).toBeGreaterThanOrEqual(8);
    for (const b of library) {
      expect(b.sources.length).toBeGreaterThan(0);
      const card = briefingCard(b, { ack: { briefingId: 'x', deliveryId: 'y' }, footer: 'From Lee Lead' });
      expect(cardProblems(card)).toEqual([]);
      expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(40 * 1024);
      // Long parts are collapsed: only the background shows until the reader opens a part.
      const hidden = JSON.stringify(card).match(/"isVisible":false/g) ?? [];
      expect(hidden.length).toBeGreaterThanOrEqual(5);
    }
  });

  it('lets staff list, search and open briefings', async () => {
    await bot.say('briefings', { oid: BEN });
    const list = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('7-minute briefings'));
    expect(cardText(cardOf(list))).toContain('Safer sleep for babies');
    expect(cardText(cardOf(list))).not.toContain('Write a new briefing'); // not a lead
    expect(JSON.stringify(cardOf(list))).toContain('"id":"query"'); // the search box

    bot.connector.clear();
    await bot.say('', { oid: BEN, value: { verb: 'briefings.search', query: 'county lines' } });
    const found = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('matching'));
    expect(cardText(cardOf(found))).toContain('Child criminal exploitation and county lines');
    expect(cardText(cardOf(found))).not.toContain('Safer sleep');

    bot.connector.clear();
    await bot.say('', { oid: BEN, value: { verb: 'briefings.open', ref: 'library:fgm' } });
    const opened = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Female genital mutilation'));
    expect(cardText(cardOf(opened))).toContain('Why it matters');
    expect(cardProblems(cardOf(opened)!)).toEqual([]);
  });

  it('only safeguarding leads can write or send a briefing', async () => {
    await bot.say('new briefing', { oid: BEN });
    const refused = await bot.connector.waitFor((a) => /Only safeguarding leads/.test(a.activity.text ?? ''));
    expect(refused).toBeDefined();
    bot.connector.clear();
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.start', libraryId: 'prevent' } });
    const [draft] = await bot.app.briefings.store.list({ status: ['draft'] });
    await bot.say('', { oid: BEN, value: { verb: 'briefings.send', draftId: draft!.id, when: 'now' } });
    await bot.connector.waitFor(
      (a) => a.conversationId === chat(BEN) && /Only safeguarding leads/.test(a.activity.text ?? ''),
    );
    expect((await bot.app.briefings.store.get(draft!.id))!.status).toBe('draft');
    expect(bot.logs.some((l) => l.msg === 'refused' && l.permission === 'briefings.send')).toBe(true);
  });

  it('sends a library briefing to a team, shows the lead the count and progress, and records acknowledgements', async () => {
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.start', libraryId: 'safe-sleep' } });
    const [draft] = await bot.app.briefings.store.list({ status: ['draft'] });
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.audience', draftId: draft!.id, kind: 'teams', teams: 'Continuing Care' },
    });
    const confirm = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Ready to send'));
    expect(cardText(cardOf(confirm))).toContain('3 people');
    expect(cardProblems(cardOf(confirm)!)).toEqual([]);

    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.send', draftId: draft!.id, when: 'now' } });
    await bot.app.briefings.engine.work(draft!.id);

    for (const oid of [ALICE, BEN, CHLOE]) expect(briefingsTo(bot, oid)).toHaveLength(1);
    for (const oid of [DEV, FIN, OUTSIDER]) expect(briefingsTo(bot, oid)).toHaveLength(0);
    expect(cardProblems(cardOf(briefingsTo(bot, BEN)[0]!)!)).toEqual([]);
    const progress = bot.connector.sent.find(
      (s) => s.conversationId === chat(LEAD_OID) && cardText(cardOf(s)).includes('Briefing: Safer sleep'),
    );
    expect(progress).toBeDefined();
    const final = bot.connector.updated.filter((u) => u.replyToId).at(-1)!;
    expect(cardText(cardOf(final))).toContain('Finished: delivered to 3 of 3 people.');
    expect(JSON.stringify(cardOf(final))).toContain('"color":"Good"');
    expect(final.replyToId).toBe(progress!.activity.id ?? final.replyToId);
    expect(cardProblems(cardOf(final)!)).toEqual([]);

    // Ben presses "I've read this": the response replaces his card with the acknowledgement.
    const data = ackData(briefingsTo(bot, BEN)[0]!);
    const { status, body } = await execute(bot, BEN, 'briefing.ack', data);
    expect(status).toBe(200);
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(body.value as Record<string, unknown>)).toMatch(/You confirmed you read this on/);
    expect(JSON.stringify(body.value)).not.toContain('briefing.ack');

    // Someone outside the audience cannot acknowledge on Ben's behalf.
    const outsider = await execute(bot, OUTSIDER, 'briefing.ack', data);
    expect(outsider.body.type).toBe('application/vnd.microsoft.activity.message');
    expect(String(outsider.body.value)).toMatch(/not sent to you/);

    // Alice's Teams reports she has read up to the briefing.
    const aliceMessageId = (await bot.app.briefings.store.delivery(draft!.id, ALICE))!.activityId!;
    await bot.post(
      bot.activity(
        { type: 'event', name: 'application/vnd.microsoft/readReceipt', value: { lastReadMessageId: aliceMessageId } },
        ALICE,
      ),
    );

    bot.connector.clear();
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.report', briefingId: draft!.id } });
    const report = cardText(
      cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Briefing report'))),
    );
    expect(report).toContain('Delivered\n3');
    expect(report).toContain('Acknowledged\n1 (33%)');
    expect(report).toContain('Seen (Teams read receipt)\n2 (67%)');
    expect(report).toContain('1 of 3 acknowledged (33%)');
    expect(report).toMatch(/Alice Adams \(Continuing Care\), Chloe Cole \(Continuing Care\)/);
    expect(report).not.toContain('Ben Brown');
  });

  it('records "I\'ve read this" pressed before the engine has recorded the delivery, and sends the card once', async () => {
    // Teams is slow to answer the send to Ben; he has the card already and presses the button meanwhile.
    let pressed: { status: number; body: { type: string; value: unknown } } | undefined;
    bot.connector.holdNext(chat(BEN), async (sent) => {
      pressed = await execute(bot, BEN, 'briefing.ack', ackData(sent));
    });
    const briefing = await sendFromLibrary(bot, 'safe-sleep', { kind: 'teams', teams: 'Continuing Care' });
    expect(pressed?.status).toBe(200);
    expect(cardText(pressed!.body.value as Record<string, unknown>)).toMatch(/You confirmed you read this on/);
    expect(briefing.status).toBe('sent');
    const ben = (await bot.app.briefings.store.deliveriesOf(briefing.id)).find((d) => d.recipient.aadObjectId === BEN)!;
    // Both the delivery and the acknowledgement are kept; nothing is left claimed to be sent again.
    expect(ben.state).toBe('delivered');
    expect(ben.acknowledgedAt).toBeDefined();
    expect(briefingsTo(bot, BEN)).toHaveLength(1);
  });

  it('puts every recipient in the right final state when Teams throttles, fails, loses or blocks a chat', async () => {
    bot.connector.failConversation(chat(ALICE), { status: 429, headers: { 'retry-after': '1' } });
    bot.connector.failConversation(chat(BEN), { status: 503 }, { status: 502 });
    bot.connector.failConversation(chat(CHLOE), { status: 404 });
    bot.connector.failConversation(chat(DEV), { status: 403 });
    bot.connector.failConversation(chat(FIN), { status: 404 });
    bot.connector.failConversation('a:recreated-2', { status: 404 });
    const started = Date.now();
    const briefing = await sendFromLibrary(bot, 'modern-slavery', { kind: 'everyone' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // Retry-After honoured

    const states = Object.fromEntries(
      (await bot.app.briefings.store.deliveriesOf(briefing.id)).map((d) => [d.recipient.name, d.reason ?? d.state]),
    );
    expect(states).toEqual({
      'Lee Lead': 'delivered',
      'Alice Adams': 'delivered',
      'Ben Brown': 'delivered',
      'Chloe Cole': 'delivered', // chat re-created after the 404, then sent once
      'Dev Dean': 'blocked',
      'Ella Evans': 'no-chat',
      'Fin Ford': 'chat-deleted', // re-created chat answered 404 too
      'Gus Grant': 'not-in-teams',
      'Olu Outsider': 'delivered',
    });
    expect(bot.connector.created).toHaveLength(2);
    expect(briefingsTo(bot, CHLOE)).toHaveLength(0);
    expect(
      bot.connector.sent.filter(
        (s) => s.conversationId === 'a:recreated-1' && cardText(cardOf(s)).includes('7-minute briefing'),
      ),
    ).toHaveLength(1);
    for (const oid of [ALICE, BEN, OUTSIDER]) expect(briefingsTo(bot, oid)).toHaveLength(1);
    expect(briefing.status).toBe('sent');

    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.report', briefingId: briefing.id } });
    const report = cardText(
      cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Briefing report'))),
    );
    // Who was not reached, by name and why (the report is only ever in the lead's 1:1 chat).
    expect(report).toContain('Not reached\nDev Dean (');
    expect(report).toMatch(
      /Dev Dean \([^)]*\): blocked the bot; Ella Evans \([^)]*\): has not opened a chat with the bot yet; Fin Ford \([^)]*\): chat deleted \(could not be re-opened\); Gus Grant \([^)]*\): has no Teams account in the staff list\./,
    );
    // Delivered to some, not all: the finished progress line is not green.
    const finished = [...bot.connector.sent, ...bot.connector.updated].filter((s) =>
      /Finished: delivered to 5 of 9 people\./.test(cardText(cardOf(s))),
    );
    expect(finished.length).toBeGreaterThan(0);
    expect(JSON.stringify(cardOf(finished[finished.length - 1]!))).toContain('"color":"Warning"');
    expect(report).toContain('Not delivered: blocked the bot\n1');
    expect(report).toContain('Not delivered: chat deleted (could not be re-opened)\n1');
    expect(report).toContain('Not delivered: has not opened a chat with the bot yet\n1');
    expect(report).not.toMatch(/not installed/i);
  });

  it('reminds only those who have not acknowledged, and never twice in 24 hours', async () => {
    const briefing = await sendFromLibrary(bot, 'fgm', { kind: 'teams', teams: 'Continuing Care' });
    await execute(bot, ALICE, 'briefing.ack', ackData(briefingsTo(bot, ALICE)[0]!));
    bot.connector.clear();
    const reminders = () =>
      bot.connector.sent
        .filter((s) => /^A gentle reminder/.test(s.activity.text ?? ''))
        .map((s) => s.conversationId)
        .sort();

    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.remind', briefingId: briefing.id } });
    await bot.connector.waitFor((a) =>
      /Reminders for "Female genital mutilation \(FGM\)": 2 sent/.test(a.activity.text ?? ''),
    );
    expect(reminders()).toEqual([chat(BEN), chat(CHLOE)].sort());

    bot.connector.clear();
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.remind', briefingId: briefing.id } });
    await bot.connector.waitFor((a) => /had a reminder in the last 24 hours/.test(a.activity.text ?? ''));
    expect(reminders()).toEqual([]);

    bot.clock.advanceHours(25);
    bot.connector.clear();
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.remind', briefingId: briefing.id } });
    await bot.connector.waitFor((a) => /2 sent/.test(a.activity.text ?? ''));
    expect(reminders()).toEqual([chat(BEN), chat(CHLOE)].sort());
  });

  it('schedules a briefing in UK time and sends it when the time comes', async () => {
    bot.clock.now = new Date('2026-11-23T09:00:00Z');
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.start', libraryId: 'prevent' } });
    const [draft] = await bot.app.briefings.store.list({ status: ['draft'] });
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.audience', draftId: draft!.id, kind: 'staffGroups', staffGroups: 'clinical' },
    });
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.send', draftId: draft!.id, when: 'later', date: '2026-11-23', time: '08:30' },
    });
    await bot.connector.waitFor((a) => /already passed/.test(cardText(cardOf(a))));
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.send', draftId: draft!.id, when: 'later', date: '2026-11-24', time: '10:15' },
    });
    // Schedule asks to confirm the time in words first; nothing is committed yet.
    const ask = cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Schedule "Prevent')))!;
    expect(cardText(ask)).toContain('It will go to 2 people (staff groups: ');
    expect(cardText(ask)).toContain(
      'on Tuesday 24 November 2026 at 10:15 (UK time). Nothing is scheduled until you confirm.',
    );
    expect((await bot.app.briefings.store.get(draft!.id))!.status).toBe('draft');
    const change = button(ask, 'Change the time');
    bot.connector.clear();
    await bot.say('', { oid: LEAD_OID, value: change.data as Record<string, unknown> });
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Ready to send'));
    await bot.say('', { oid: LEAD_OID, value: button(ask, 'Yes, schedule it').data as Record<string, unknown> });
    await bot.connector.waitFor((a) =>
      /Scheduled: "Prevent: radicalisation is a safeguarding issue" will go to 2 people on Tuesday 24 November 2026 at 10:15/.test(
        a.activity.text ?? '',
      ),
    );
    expect((await bot.app.briefings.store.get(draft!.id))!.sendAt).toBe('2026-11-24T10:15:00.000Z');
    // A lead can see the scheduled briefing from their drafts.
    bot.connector.clear();
    await bot.say('briefing drafts', { oid: LEAD_OID });
    const drafts = cardOf(
      await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Your drafts and scheduled briefings')),
    )!;
    await bot.say('', { oid: LEAD_OID, value: button(drafts, 'View').data as Record<string, unknown> });
    const view = cardText(
      cardOf(
        await bot.connector.waitFor((a) =>
          cardText(cardOf(a)).includes('There is nothing to report until it has been sent'),
        ),
      ),
    );
    expect(view).toContain('Scheduled for Tuesday 24 November 2026 at 10:15');
    expect(view).toContain('Prevent');
    expect(view).toContain('2 people today');

    await bot.app.briefings.engine.tick();
    expect(briefingsTo(bot, ALICE)).toHaveLength(0);
    bot.clock.now = new Date('2026-11-24T10:16:00Z');
    await bot.app.briefings.engine.tick();
    await bot.app.briefings.engine.work(draft!.id);
    expect(briefingsTo(bot, ALICE)).toHaveLength(1);
    expect(briefingsTo(bot, CHLOE)).toHaveLength(1);
    expect(briefingsTo(bot, BEN)).toHaveLength(0);
  });

  it('checks a briefing written in cards, refuses patient data, and keeps the draft across a restart', async () => {
    const fields = {
      title: 'Self-neglect',
      tags: 'adults, neglect',
      background: 'Self-neglect covers a wide range of behaviour: neglecting personal hygiene, health or surroundings.',
      whyItMatters: 'It can lead to serious harm and is a category of abuse under the Care Act.',
      keyPoints: 'Respect choices\nAssess capacity',
      remember: 'Hoarding is one form',
      whatToDo: 'Talk to the adult safeguarding lead',
      reflection: 'When does a lifestyle choice become a risk?',
      links: 'Care Act guidance | https://www.gov.uk/government/publications/care-act-statutory-guidance',
    };
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.save', ...fields } });
    const fix = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Please fix'));
    expect(cardText(cardOf(fix))).toContain('Key points: must be exactly three key points');
    expect(cardText(cardOf(fix))).toContain('Respect choices'); // nothing the lead typed is lost

    bot.connector.clear();
    await bot.say('', {
      oid: LEAD_OID,
      value: {
        verb: 'briefings.save',
        ...fields,
        keyPoints: 'Respect choices\nAssess capacity\nThink about others at risk',
        background: `${fields.background} For example NHS number 943 476 5919.`,
      },
    });
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('may identify a patient'));
    expect(await bot.app.briefings.store.list({ status: ['draft'] })).toHaveLength(0);

    bot.connector.clear();
    await bot.say('', {
      oid: LEAD_OID,
      value: {
        verb: 'briefings.save',
        ...fields,
        keyPoints: 'Respect choices\nAssess capacity\nThink about others at risk',
      },
    });
    await bot.connector.waitFor(
      (a) => cardText(cardOf(a)).includes('Self-neglect') && cardText(cardOf(a)).includes('Choose who gets it'),
    );

    const dataDir = bot.dataDir;
    await bot.stop({ keepData: true });
    bot = await startTestBot({}, dataDir);
    await bot.say('briefing drafts', { oid: LEAD_OID });
    const drafts = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Your drafts'));
    expect(cardText(cardOf(drafts))).toContain('Self-neglect');
    expect(JSON.stringify(cardOf(drafts))).not.toContain('"id":"query"');
  });

  describe('cancelling or changing the time of a scheduled briefing', () => {
    const month = () => bot.clock.now.toISOString().slice(0, 7);

    /** Schedules a library briefing for the clinical staff group (Alice and Chloe) and returns it. */
    async function schedule(libraryId: string, date = '2026-11-24', time = '10:15'): Promise<BriefingDoc> {
      const known = new Set((await bot.app.briefings.store.list({ status: ['draft'] }, 500)).map((b) => b.id));
      await ask(bot, LEAD_OID, '', { verb: 'briefings.start', libraryId });
      const draft = (await bot.app.briefings.store.list({ status: ['draft'] }, 500)).find((b) => !known.has(b.id))!;
      await ask(bot, LEAD_OID, '', {
        verb: 'briefings.audience',
        draftId: draft.id,
        kind: 'staffGroups',
        staffGroups: 'clinical',
      });
      const { text } = await ask(bot, LEAD_OID, '', {
        verb: 'briefings.send',
        draftId: draft.id,
        when: 'later',
        date,
        time,
        confirmed: 'yes',
      });
      expect(text).toMatch(/^Scheduled: /);
      return (await bot.app.briefings.store.get(draft.id))!;
    }

    /** The scheduled briefing's card, as a lead opens it from briefing drafts. */
    async function scheduledCard(): Promise<Record<string, unknown>> {
      const drafts = cardOf((await ask(bot, LEAD_OID, 'briefing drafts')).reply)!;
      const card = cardOf(
        (await ask(bot, LEAD_OID, '', button(drafts, 'View').data as Record<string, unknown>)).reply,
      )!;
      expect(cardProblems(card)).toEqual([]);
      return card;
    }
    const press = async (
      oid: string,
      card: Record<string, unknown>,
      title: string,
      extra: Record<string, unknown> = {},
    ) => (await ask(bot, oid, '', { ...(button(card, title).data as Record<string, unknown>), ...extra })).reply;

    beforeEach(() => {
      bot.clock.now = new Date('2026-11-23T09:00:00Z');
    });

    it('a lead cancels it from its card: back in the drafts, never sent, audited; staff cannot', async () => {
      const briefing = await schedule('prevent');
      const card = await scheduledCard();
      expect(cardText(card)).toContain('Scheduled for Tuesday 24 November 2026 at 10:15');

      // Staff cannot, whatever they send.
      expect((await press(BEN, card, 'Cancel')).activity.text).toMatch(/Only safeguarding leads/);
      expect((await bot.app.briefings.store.get(briefing.id))!.status).toBe('scheduled');

      const cancelled = await press(LEAD_OID, card, 'Cancel');
      expect(cancelled.activity.text).toBe(
        'Cancelled: "Prevent: radicalisation is a safeguarding issue" will not be sent on Tuesday 24 November 2026 at 10:15. It is back in your drafts: type briefing drafts to change it, or to send or schedule it again.',
      );
      const after = (await bot.app.briefings.store.get(briefing.id))!;
      expect(after.status).toBe('draft');
      expect(after.sendAt).toBeUndefined();
      // Pressed again (a second device): nothing to cancel.
      expect((await press(LEAD_OID, card, 'Cancel')).activity.text).toMatch(
        /is not scheduled any more \(it was cancelled and is back in the drafts\)/,
      );
      expect((await press(LEAD_OID, card, 'Change the time')).activity.text).toMatch(/is not scheduled any more/);
      const drafts = cardText(cardOf((await ask(bot, LEAD_OID, 'briefing drafts')).reply));
      expect(drafts).toMatch(/Prevent: radicalisation is a safeguarding issue\nDraft, last saved/);

      // The time comes and goes: nobody gets it.
      bot.clock.now = new Date('2026-11-24T10:16:00Z');
      await bot.app.briefings.engine.tick();
      await bot.app.briefings.engine.work(briefing.id);
      expect(briefingsTo(bot, ALICE)).toHaveLength(0);
      expect(await bot.app.briefings.store.deliveriesOf(briefing.id)).toHaveLength(0);

      const audit = await bot.app.audit.month(month());
      expect(audit.filter((r) => r.action === 'briefing.cancelled')).toEqual([
        expect.objectContaining({
          actor: LEAD_OID,
          subject: { briefing: briefing.id, sendAt: '2026-11-24T10:15:00.000Z' },
        }),
      ]);
      expect(audit.filter((r) => r.action === 'access.refused').map((r) => [r.actor, r.subject.verb])).toEqual([
        [BEN, 'briefings.cancel'],
      ]);
    });

    it('a lead changes the time: UK time, not in the past, confirmed in words, audited; a stale card is refused', async () => {
      const briefing = await schedule('prevent');
      const card = await scheduledCard();
      const form = cardOf(await press(LEAD_OID, card, 'Change the time'))!;
      expect(cardProblems(form)).toEqual([]);
      expect(cardText(form)).toContain('It is scheduled for Tuesday 24 November 2026 at 10:15 (UK time), to 2 people.');
      expect(JSON.stringify(form)).toMatch(/"id":"date","label":"Date","value":"2026-11-24"/);
      expect(JSON.stringify(form)).toMatch(/"id":"time","label":"Time \(UK\)","value":"10:15"/);

      const problem = async (date: string, time: string) =>
        cardText(cardOf(await press(LEAD_OID, form, 'Change the time', { date, time })));
      expect(await problem('2026-11-23', '08:30')).toContain('That time has already passed. Choose a later time.');
      expect(await problem('2027-03-28', '01:30')).toContain(
        '01:30 on 2027-03-28 does not exist in the UK: the clocks go forward that night.',
      );
      expect(await problem('', '')).toContain('Choose both a date and a time.');
      expect(await problem('2026-11-24', '10:15')).toContain(
        'It is already scheduled for Tuesday 24 November 2026 at 10:15.',
      );

      // In summer time the UK is an hour ahead of UTC.
      const ask1 = cardOf(await press(LEAD_OID, form, 'Change the time', { date: '2027-06-01', time: '14:00' }))!;
      expect(cardProblems(ask1)).toEqual([]);
      expect(cardText(ask1)).toContain(
        'It will go to 2 people on Tuesday 1 June 2027 at 14:00 (UK time) instead of Tuesday 24 November 2026 at 10:15. Nothing changes until you confirm.',
      );
      expect((await bot.app.briefings.store.get(briefing.id))!.sendAt).toBe('2026-11-24T10:15:00.000Z');
      const changed = await press(LEAD_OID, ask1, 'Yes, change the time');
      expect(changed.activity.text).toBe(
        'Changed: "Prevent: radicalisation is a safeguarding issue" will now go to 2 people on Tuesday 1 June 2027 at 14:00 (it was Tuesday 24 November 2026 at 10:15).',
      );
      expect((await bot.app.briefings.store.get(briefing.id))!.sendAt).toBe('2027-06-01T13:00:00.000Z');

      // The same confirm card again, or the old form: the time has moved on since, so nothing changes.
      expect(cardText(cardOf(await press(LEAD_OID, ask1, 'Yes, change the time')))).toContain(
        'Its time was changed since that card was shown: it is now Tuesday 1 June 2027 at 14:00.',
      );
      expect((await bot.app.briefings.store.get(briefing.id))!.sendAt).toBe('2027-06-01T13:00:00.000Z');

      // Not at the old time; at the new one.
      bot.clock.now = new Date('2026-11-24T10:16:00Z');
      await bot.app.briefings.engine.tick();
      expect(await bot.app.briefings.store.deliveriesOf(briefing.id)).toHaveLength(0);
      bot.clock.now = new Date('2027-06-01T13:01:00Z');
      await bot.app.briefings.engine.tick();
      await bot.app.briefings.engine.work(briefing.id);
      expect(briefingsTo(bot, ALICE)).toHaveLength(1);
      expect(briefingsTo(bot, CHLOE)).toHaveLength(1);

      const moved = (await bot.app.audit.month('2026-11')).filter((r) => r.action === 'briefing.rescheduled');
      expect(moved).toEqual([
        expect.objectContaining({
          actor: LEAD_OID,
          subject: { briefing: briefing.id, from: '2026-11-24T10:15:00.000Z', to: '2027-06-01T13:00:00.000Z' },
        }),
      ]);
    });

    it('once the engine has started it, it can no longer be cancelled or moved, and it is sent to everyone', async () => {
      const briefing = await schedule('fgm');
      const card = await scheduledCard();
      bot.clock.now = new Date('2026-11-24T10:16:00Z');
      await bot.app.briefings.engine.tick();
      expect((await press(LEAD_OID, card, 'Cancel')).activity.text).toBe(
        'It has already started sending, so it can no longer be cancelled.',
      );
      expect((await press(LEAD_OID, card, 'Change the time')).activity.text).toBe(
        'It has already started sending, so its time can no longer be changed.',
      );
      expect(
        (
          await ask(bot, LEAD_OID, '', {
            verb: 'briefings.reschedule',
            briefingId: briefing.id,
            sendAt: briefing.sendAt,
            date: '2026-12-01',
            time: '09:00',
            confirmed: 'yes',
          })
        ).text,
      ).toMatch(/already started sending, so its time can no longer be changed/);
      await bot.app.briefings.engine.work(briefing.id);
      expect(briefingsTo(bot, ALICE)).toHaveLength(1);
      expect(briefingsTo(bot, CHLOE)).toHaveLength(1);
      expect(
        (await bot.app.audit.month(month())).filter(
          (r) => r.action === 'briefing.cancelled' || r.action === 'briefing.rescheduled',
        ),
      ).toEqual([]);
    });

    it("a cancel or a new time written while the engine was about to start it wins: the engine's stale claim is refused by etag", async () => {
      const cancelled = await schedule('fgm');
      const moved = await schedule('safe-sleep');
      bot.clock.now = new Date('2026-11-24T10:16:00Z');
      // The engine has read both as due (its tick's list), then the lead acts first.
      const staleCancelled = (await bot.app.briefings.store.get(cancelled.id))!;
      const staleMoved = (await bot.app.briefings.store.get(moved.id))!;
      expect((await ask(bot, LEAD_OID, '', { verb: 'briefings.cancel', briefingId: cancelled.id })).text).toMatch(
        /^Cancelled: /,
      );
      expect(
        (
          await ask(bot, LEAD_OID, '', {
            verb: 'briefings.reschedule',
            briefingId: moved.id,
            sendAt: moved.sendAt,
            date: '2026-11-30',
            time: '09:00',
            confirmed: 'yes',
          })
        ).text,
      ).toMatch(/^Changed: /);
      expect(await bot.app.briefings.engine.startSending(staleCancelled)).toBe(false);
      expect(await bot.app.briefings.engine.startSending(staleMoved)).toBe(false);
      await bot.app.briefings.engine.tick();
      expect((await bot.app.briefings.store.get(cancelled.id))!.status).toBe('draft');
      expect((await bot.app.briefings.store.get(moved.id))!.status).toBe('scheduled');
      expect(await bot.app.briefings.store.deliveriesOf(cancelled.id)).toHaveLength(0);
      expect(await bot.app.briefings.store.deliveriesOf(moved.id)).toHaveLength(0);
      expect(briefingsTo(bot, ALICE)).toHaveLength(0);
    });

    it('pressed at the very moment the engine starts it: exactly one of the two happens, every time', async () => {
      const outcomes = { cancelled: 0, sent: 0 };
      for (let round = 0; round < 10; round++) {
        bot.clock.now = new Date('2026-11-23T09:00:00Z');
        const briefing = await schedule('prevent');
        bot.clock.now = new Date('2026-11-24T10:16:00Z');
        // The engine's pass starts a little later each round, so the moment it meets the cancel moves through the turn.
        const [reply] = await Promise.all([
          ask(bot, LEAD_OID, '', { verb: 'briefings.cancel', briefingId: briefing.id }),
          new Promise((r) => setTimeout(r, round * 3)).then(() => bot.app.briefings.engine.tick()),
        ]);
        await bot.app.briefings.engine.work(briefing.id);
        const after = (await bot.app.briefings.store.get(briefing.id))!;
        const deliveries = await bot.app.briefings.store.deliveriesOf(briefing.id);
        if (/^Cancelled: /.test(reply.text)) {
          outcomes.cancelled++;
          expect(after.status).toBe('draft');
          expect(deliveries).toHaveLength(0);
        } else {
          outcomes.sent++;
          expect(reply.text).toMatch(/^It has already started sending, so it can no longer be cancelled\./);
          expect(after.status).toBe('sent');
          expect(deliveries.filter((d) => d.state === 'delivered')).toHaveLength(2);
        }
      }
      expect(outcomes.cancelled + outcomes.sent).toBe(10);
      const audited = (await bot.app.audit.month(month())).filter((r) => r.action === 'briefing.cancelled');
      expect(audited).toHaveLength(outcomes.cancelled);
    });
  });
});
