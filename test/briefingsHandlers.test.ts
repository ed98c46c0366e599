import type { BriefingDoc, DeliveryDoc } from '../src/briefings/store';
import { BRIEFINGS_VERBS as V } from '../src/briefings/verbs';
import { matchCommand } from '../src/chat/routes';
import type { Role } from '../src/people/roles';
import { cardText } from './helpers/connector';
import { fakeTurn, type FakeTurn } from './helpers/fakeTurn';
import { briefingsHarness, LIBRARY, type BriefingsHarness } from './helpers/briefingsFakes';

/**
 * The briefings handlers without the bot or a store: who may press what, buttons with wrong or
 * out-of-date data, the problems a lead is shown, and a lost etag race for every write.
 */
const LEAD_OID = '00000000-0000-0000-0000-0000000000aa'; // fakeTurn's person
const ALICE = 'a0000000-0000-4000-8000-00000000000a';
const BEN = 'b0000000-0000-4000-8000-00000000000b';
const LEAD: Role[] = ['safeguarding-lead'];
const REFUSAL = 'Only safeguarding leads can write and send briefings. You can read every briefing: type briefings.';
const NO_SUCH_DRAFT = 'I could not find that draft. Type briefing drafts to see yours.';
const NOT_UNDERSTOOD_SCHEDULED = 'I could not tell which briefing you meant. Type briefing drafts to see yours.';
const SCHEDULED_AT = '2026-11-24T10:15:00.000Z';
const SCHEDULED_LABEL = 'Tuesday 24 November 2026 at 10:15';

const { id: _id, version: _v, reviewDue: _r, sources: _s, ...prevent } = LIBRARY.find((b) => b.id === 'prevent')!;
const CONTENT = { ...prevent, title: 'Prevent' };

function seed(h: BriefingsHarness, fields: Partial<BriefingDoc> = {}): BriefingDoc {
  return h.store.put({
    id: 'b1',
    type: 'briefing',
    status: 'draft',
    content: CONTENT,
    version: 1,
    author: { aadObjectId: LEAD_OID, name: 'Lee Lead' },
    createdAt: '2026-11-20T09:00:00.000Z',
    updatedAt: '2026-11-20T09:00:00.000Z',
    ...fields,
  });
}
const scheduled = (h: BriefingsHarness) =>
  seed(h, { status: 'scheduled', sendAt: SCHEDULED_AT, audience: { kind: 'teams', values: ['Continuing Care'] } });

function delivery(h: BriefingsHarness, oid: string, fields: Partial<DeliveryDoc> = {}): DeliveryDoc {
  return h.store.putDelivery({
    id: oid,
    briefingId: 'b1',
    type: 'delivery',
    recipient: {
      aadObjectId: oid,
      employeeId: oid.slice(0, 2),
      name: oid === ALICE ? 'Alice Adams' : 'Ben Brown',
      team: 'Continuing Care',
    },
    state: 'delivered',
    attempts: 1,
    nextAttemptAt: '2026-11-20T09:00:00.000Z',
    activityId: oid === ALICE ? '10' : '20',
    ...fields,
  });
}

function staffed(): BriefingsHarness {
  const h = briefingsHarness();
  h.staff.push(
    { employeeId: 'A1', name: 'Alice Adams', team: 'Continuing Care', staffGroup: 'clinical', aadObjectId: ALICE },
    { employeeId: 'B1', name: 'Ben Brown', team: 'Continuing Care', staffGroup: 'all-staff', aadObjectId: BEN },
    { employeeId: 'F1', name: 'Fin Ford', team: 'Finance', staffGroup: 'all-staff' },
  );
  return h;
}

async function press(h: BriefingsHarness, verb: string, value: unknown, roles: Role[] = LEAD): Promise<FakeTurn> {
  const turn = fakeTurn({ roles, value });
  await h.action(verb).handle(turn);
  return turn;
}

/** Everything the person was shown, text and cards, in order. */
const shown = (turn: FakeTurn) => turn.sent.map((r) => ('text' in r ? r.text : cardText(r.card))).join('\n');

const LEAD_VERBS = Object.values(V).filter((v) => v !== V.search && v !== V.open && v !== V.ack);

describe('who may press what', () => {
  test.each(LEAD_VERBS)(
    'staff pressing %s are refused before the data is read, and nothing is written',
    async (verb) => {
      const h = staffed();
      seed(h);
      const turn = await press(h, verb, 'not even an object', []);
      expect(turn.texts()).toEqual([REFUSAL]);
      expect(h.store.writes).toBe(0);
    },
  );

  test.each(['new briefing', 'briefing drafts', 'briefing reports'])('staff typing "%s" are refused', async (name) => {
    const turn = fakeTurn({ roles: [] });
    await staffed().command(name).handle(turn);
    expect(turn.texts()).toEqual([REFUSAL]);
  });

  test('every lead action declares the permission the refusal audit reads, and is privileged', () => {
    const h = staffed();
    for (const verb of LEAD_VERBS)
      expect(h.action(verb)).toMatchObject({ verb, permission: 'briefings.send', privileged: true });
    expect(h.action(V.search).permission).toBeUndefined();
    expect(h.action(V.open).permission).toBeUndefined();
  });

  test('"briefings <words>" searches for the words, trimmed; the other commands match first', async () => {
    const h = staffed();
    const command = h.command('briefings');
    expect(matchCommand(command, '  7-minute Briefings   county lines  ')).toEqual({ args: 'county lines' });
    expect(matchCommand(command, 'briefing')).toEqual({ args: undefined });
    const turn = fakeTurn({ args: 'county lines' });
    await command.handle(turn);
    expect(shown(turn)).toContain('Briefings matching "county lines"');
    expect(shown(turn)).toContain('Child criminal exploitation and county lines');
  });
});

describe('a button whose data does not match', () => {
  test.each([
    [V.open, { ref: 'elsewhere:x' }, 'I could not tell which briefing you meant. Type briefings to see the list.'],
    [V.start, { libraryId: '' }, 'That briefing is no longer in the library. Type briefings to see the list.'],
    [V.edit, {}, NO_SUCH_DRAFT],
    [V.preview, { draftId: 7 }, NO_SUCH_DRAFT],
    [V.audienceCard, { draftId: 'x'.repeat(101) }, NO_SUCH_DRAFT],
    [V.audience, { kind: 'everyone' }, NO_SUCH_DRAFT],
    [V.send, { when: 'now' }, NO_SUCH_DRAFT],
    [V.confirmCard, undefined, NO_SUCH_DRAFT],
    [V.save, { title: 'x'.repeat(201) }, 'Some of that was too long to save. Please shorten it and try again.'],
    [V.report, { briefingId: '' }, 'I could not find that briefing. Type briefing reports to see them all.'],
    [V.remind, {}, 'Reminders can be sent once a briefing has finished sending.'],
    [V.cancel, { briefingId: 1 }, NOT_UNDERSTOOD_SCHEDULED],
    [V.changeTime, {}, NOT_UNDERSTOOD_SCHEDULED],
    [V.reschedule, { briefingId: 'b1', date: 'x'.repeat(21) }, NOT_UNDERSTOOD_SCHEDULED],
  ])('%s with %j says so', async (verb, value, reply) => {
    const h = staffed();
    seed(h);
    const turn = await press(h, verb, value);
    expect(turn.texts()).toEqual([reply]);
    expect(h.store.writes).toBe(0);
  });

  test('a search whose words are not text shows the whole list', async () => {
    const turn = await press(staffed(), V.search, { query: 5 }, []);
    expect(shown(turn)).toContain('Recent briefings first, then the library. Open one to read it.');
  });

  test('"I\'ve read this" with the wrong data answers in words', async () => {
    expect(
      await staffed()
        .execute(V.ack)
        .handle(fakeTurn({ value: { briefingId: 1 } })),
    ).toEqual({ text: 'I could not tell which briefing this was. Type briefings to find it.' });
  });
});

describe('an out-of-date button', () => {
  test.each<{
    what: string;
    seed: (h: BriefingsHarness) => unknown;
    verb: string;
    value: Record<string, unknown>;
    reply: string;
  }>([
    {
      what: 'editing a sent briefing',
      seed: (h) => seed(h, { status: 'sent' }),
      verb: V.edit,
      value: { draftId: 'b1' },
      reply: '"Prevent" has already been sent, so it can no longer be changed.',
    },
    {
      what: 'sending a scheduled one',
      seed: scheduled,
      verb: V.send,
      value: { draftId: 'b1', when: 'now' },
      reply: `"Prevent" has already been scheduled for ${SCHEDULED_LABEL}, so it can no longer be changed.`,
    },
    {
      what: 'a draft that is gone',
      seed: () => undefined,
      verb: V.audienceCard,
      value: { draftId: 'b1' },
      reply: NO_SUCH_DRAFT,
    },
    {
      what: 'a library briefing that is gone',
      seed: () => undefined,
      verb: V.start,
      value: { libraryId: 'retired' },
      reply: 'That briefing is no longer in the library. Type briefings to see the list.',
    },
    {
      what: 'opening a sent briefing that is gone',
      seed: () => undefined,
      verb: V.open,
      value: { ref: 'sent:b1' },
      reply: 'I could not find that briefing. Type briefings to see the list.',
    },
    {
      what: 'cancelling one already sending',
      seed: (h) => seed(h, { status: 'sending', sendAt: SCHEDULED_AT }),
      verb: V.cancel,
      value: { briefingId: 'b1' },
      reply: 'It has already started sending, so it can no longer be cancelled.',
    },
    {
      what: 'moving one already sent',
      seed: (h) => seed(h, { status: 'sent' }),
      verb: V.changeTime,
      value: { briefingId: 'b1' },
      reply: 'It has already started sending, so its time can no longer be changed.',
    },
    {
      what: 'cancelling one cancelled already',
      seed: (h) => seed(h),
      verb: V.cancel,
      value: { briefingId: 'b1' },
      reply:
        '"Prevent" is not scheduled any more (it was cancelled and is back in the drafts). Type briefing drafts to schedule it again.',
    },
    {
      what: 'cancelling one that is gone',
      seed: () => undefined,
      verb: V.cancel,
      value: { briefingId: 'b1' },
      reply: 'I could not find that briefing. Type briefing drafts to see yours.',
    },
    {
      what: 'a report of a draft',
      seed: (h) => seed(h),
      verb: V.report,
      value: { briefingId: 'b1' },
      reply: 'I could not find that briefing. Type briefing reports to see them all.',
    },
    {
      what: 'reminders while still sending',
      seed: (h) => seed(h, { status: 'sending' }),
      verb: V.remind,
      value: { briefingId: 'b1' },
      reply: 'Reminders can be sent once a briefing has finished sending.',
    },
  ])('$what', async ({ seed: before, verb, value, reply }) => {
    const h = staffed();
    before(h);
    const turn = await press(h, verb, value);
    expect(turn.texts()).toEqual([reply]);
    expect(h.store.writes).toBe(0);
  });

  test('a change of time from a card shown before the time last changed is refused, with the time it has now', async () => {
    const h = staffed();
    scheduled(h);
    const turn = await press(h, V.reschedule, {
      briefingId: 'b1',
      sendAt: '2026-11-30T09:00:00.000Z',
      date: '2026-12-01',
      time: '09:00',
      confirmed: 'yes',
    });
    expect(shown(turn)).toContain(
      `Its time was changed since that card was shown: it is now ${SCHEDULED_LABEL}. Choose the new time again.`,
    );
    expect(h.store.writes).toBe(0);
  });
});

describe('what a lead is asked to put right', () => {
  const withAudience = (h: BriefingsHarness) => seed(h, { audience: { kind: 'teams', values: ['Continuing Care'] } });
  test.each<{
    what: string;
    seed: (h: BriefingsHarness) => unknown;
    verb: string;
    value: Record<string, unknown>;
    problem: string;
  }>([
    {
      what: 'no audience chosen',
      seed,
      verb: V.audience,
      value: { draftId: 'b1' },
      problem: 'Choose who should get the briefing.',
    },
    {
      what: 'teams, but none ticked',
      seed,
      verb: V.audience,
      value: { draftId: 'b1', kind: 'teams', teams: ' , ' },
      problem: 'Choose at least one team.',
    },
    {
      what: 'a team not in the staff list',
      seed,
      verb: V.audience,
      value: { draftId: 'b1', kind: 'teams', teams: 'Estates' },
      problem: 'Choose from the list: only teams in the staff list can get a briefing.',
    },
    {
      what: 'a staff group that does not exist',
      seed,
      verb: V.audience,
      value: { draftId: 'b1', kind: 'staffGroups', staffGroups: 'porters' },
      problem: 'Choose from the list: only staff groups can get a briefing.',
    },
    {
      what: 'patient details typed as a practice',
      seed,
      verb: V.audience,
      value: { draftId: 'b1', kind: 'practices', practices: '943 476 5919' },
      problem: 'That looks like it may identify a patient, so I have not saved it. Choose from the list.',
    },
    {
      what: 'sending with no audience',
      seed,
      verb: V.send,
      value: { draftId: 'b1', when: 'now' },
      problem: 'Choose who should get the briefing first.',
    },
    {
      what: 'sending at no known time',
      seed: withAudience,
      verb: V.send,
      value: { draftId: 'b1', when: 'whenever' },
      problem: 'Choose who should get the briefing first.',
    },
    {
      what: 'an audience that matches nobody',
      seed: (h) => seed(h, { audience: { kind: 'teams', values: ['Estates'] } }),
      verb: V.send,
      value: { draftId: 'b1', when: 'now' },
      problem: 'Nobody in the staff list matches that audience. Choose again.',
    },
    {
      what: 'scheduling with no date',
      seed: withAudience,
      verb: V.send,
      value: { draftId: 'b1', when: 'later', time: '10:00' },
      problem: 'Choose both a date and a time.',
    },
    {
      what: 'scheduling in the past',
      seed: withAudience,
      verb: V.send,
      value: { draftId: 'b1', when: 'later', date: '2026-11-22', time: '10:00' },
      problem: 'That time has already passed. Choose a later time, or send now.',
    },
    {
      what: 'scheduling, not yet confirmed',
      seed: withAudience,
      verb: V.send,
      value: { draftId: 'b1', when: 'later', date: '2026-11-24', time: '10:15' },
      problem: `It will go to 2 people (teams: Continuing Care) on ${SCHEDULED_LABEL} (UK time). Nothing is scheduled until you confirm.`,
    },
    {
      what: 'a new time in the past',
      seed: scheduled,
      verb: V.reschedule,
      value: { briefingId: 'b1', date: '2026-11-23', time: '08:00' },
      problem: 'That time has already passed. Choose a later time.',
    },
    {
      what: 'the time it already has',
      seed: scheduled,
      verb: V.reschedule,
      value: { briefingId: 'b1', date: '2026-11-24', time: '10:15' },
      problem: `It is already scheduled for ${SCHEDULED_LABEL}. Choose a different time, or keep it as it is.`,
    },
    {
      what: 'a new time in the missing hour',
      seed: scheduled,
      verb: V.reschedule,
      value: { briefingId: 'b1', date: '2027-03-28', time: '01:30' },
      problem: '01:30 on 2027-03-28 does not exist in the UK: the clocks go forward that night.',
    },
    {
      what: 'two key points',
      seed: () => undefined,
      verb: V.save,
      value: {
        title: 'Self-neglect',
        background: 'b',
        whyItMatters: 'w',
        keyPoints: 'one\ntwo',
        remember: 'r',
        whatToDo: 'd',
        reflection: 'q',
      },
      problem: 'Please fix: Key points: must be exactly three key points.',
    },
    {
      what: 'patient details in a draft',
      seed: () => undefined,
      verb: V.save,
      value: {
        title: 'Self-neglect',
        background: 'NHS number 943 476 5919',
        whyItMatters: 'w',
        keyPoints: 'a\nb\nc',
        remember: 'r',
        whatToDo: 'd',
        reflection: 'q',
      },
      problem: 'I have not saved it and have emptied those parts',
    },
  ])('$what', async ({ seed: before, verb, value, problem }) => {
    const h = staffed();
    before(h);
    const turn = await press(h, verb, value);
    expect(turn.cards()).toHaveLength(1);
    expect(shown(turn)).toContain(problem);
    expect(h.store.writes).toBe(0);
    expect(h.audited).toEqual([]);
  });
});

describe('a write that loses its etag race', () => {
  test('saving a draft someone else saved first: nothing of theirs is lost, and the lead sees the latest', async () => {
    const h = staffed();
    const draft = seed(h);
    h.store.loseNext(1, () =>
      h.store.put({ ...draft, content: { ...CONTENT, title: 'Prevent (their edit)' }, version: 2 }),
    );
    const turn = await press(h, V.save, {
      draftId: 'b1',
      title: 'Prevent (mine)',
      background: 'b',
      whyItMatters: 'w',
      keyPoints: 'a\nb\nc',
      remember: 'r',
      whatToDo: 'd',
      reflection: 'q',
    });
    expect(turn.texts()[0]).toBe(
      'Someone else saved this draft at the same moment, so your changes were not saved. Here is the latest version: edit it again if needed.',
    );
    expect(shown(turn)).toContain('Prevent (their edit)');
    expect((await h.store.get('b1'))!.content.title).toBe('Prevent (their edit)');
  });

  test('choosing the audience of a draft that changed meanwhile', async () => {
    const h = staffed();
    seed(h);
    h.store.loseNext();
    const turn = await press(h, V.audience, { draftId: 'b1', kind: 'everyone' });
    expect(turn.texts()).toEqual(['This draft changed while you were choosing. Please choose the audience again.']);
    expect((await h.store.get('b1'))!.audience).toBeUndefined();
  });

  test('sending a draft that changed at the same moment: not sent, not audited', async () => {
    const h = staffed();
    seed(h, { audience: { kind: 'everyone' } });
    h.store.loseNext();
    const turn = await press(h, V.send, { draftId: 'b1', when: 'now' });
    expect(turn.texts()).toEqual([
      'This draft changed at the same moment (perhaps sent from another device). Type briefing drafts to check it.',
    ]);
    expect(h.worked).toEqual([]);
    expect(h.audited).toEqual([]);
  });

  test("cancelling: a lost race to another lead's change of time is tried again on the new time", async () => {
    const h = staffed();
    const b = scheduled(h);
    h.store.loseNext(1, () => h.store.put({ ...b, sendAt: '2026-11-25T10:15:00.000Z' }));
    const turn = await press(h, V.cancel, { briefingId: 'b1' });
    expect(turn.texts()).toEqual([
      'Cancelled: "Prevent" will not be sent on Wednesday 25 November 2026 at 10:15. It is back in your drafts: type briefing drafts to change it, or to send or schedule it again.',
    ]);
    expect(h.audited).toEqual([['briefing.cancelled', { briefing: 'b1', sendAt: '2026-11-25T10:15:00.000Z' }]]);
  });

  test('cancelling: a lost race to the engine starting it is refused', async () => {
    const h = staffed();
    const b = scheduled(h);
    h.store.loseNext(1, () => h.store.put({ ...b, status: 'sending' }));
    expect((await press(h, V.cancel, { briefingId: 'b1' })).texts()).toEqual([
      'It has already started sending, so it can no longer be cancelled.',
    ]);
    expect(h.audited).toEqual([]);
  });

  test('cancelling: three lost races in a row give up', async () => {
    const h = staffed();
    scheduled(h);
    h.store.loseNext(3);
    expect((await press(h, V.cancel, { briefingId: 'b1' })).texts()).toEqual([
      'This briefing kept changing while I tried to cancel it. Type briefing drafts to check it.',
    ]);
    expect((await h.store.get('b1'))!.status).toBe('scheduled');
  });

  test.each([
    [
      'the engine started it',
      { status: 'sending' as const },
      'It has already started sending, so its time can no longer be changed.',
    ],
    [
      'another device moved it',
      { sendAt: '2026-11-26T10:15:00.000Z' },
      'This briefing changed at the same moment (perhaps from another device), so the time was not changed. Type briefing drafts to check it.',
    ],
  ])('a confirmed new time loses because %s', async (_why, change, reply) => {
    const h = staffed();
    const b = scheduled(h);
    h.store.loseNext(1, () => h.store.put({ ...b, ...change }));
    const turn = await press(h, V.reschedule, {
      briefingId: 'b1',
      sendAt: SCHEDULED_AT,
      date: '2026-12-01',
      time: '09:00',
      confirmed: 'yes',
    });
    expect(turn.texts()).toEqual([reply]);
    expect(h.audited).toEqual([]);
  });

  test('"I\'ve read this" pressed while the engine records the send: read again, and both are kept', async () => {
    const h = staffed();
    seed(h, { status: 'sending' });
    const d = delivery(h, ALICE, { state: 'sending', activityId: undefined, worker: 'w1' });
    h.store.loseNext(1, () => h.store.putDelivery({ ...d, state: 'delivered', activityId: '10' }));
    const reply = await h
      .execute(V.ack)
      .handle(fakeTurn({ aadObjectId: ALICE, value: { briefingId: 'b1', deliveryId: ALICE } }));
    expect(cardText((reply as { card: Record<string, unknown> }).card)).toMatch(
      /You confirmed you read this on Monday 23 November 2026 at 09:00/,
    );
    expect(await h.store.delivery('b1', ALICE)).toMatchObject({
      state: 'delivered',
      activityId: '10',
      acknowledgedAt: '2026-11-23T09:00:00.000Z',
    });
  });

  test('"I\'ve read this" that keeps losing asks the person to press again', async () => {
    const h = staffed();
    seed(h, { status: 'sent' });
    delivery(h, ALICE);
    h.store.loseNext(5);
    expect(
      await h.execute(V.ack).handle(fakeTurn({ aadObjectId: ALICE, value: { briefingId: 'b1', deliveryId: ALICE } })),
    ).toEqual({ text: 'Sorry, I could not record that just now. Please press the button again.' });
  });

  test('a reminder claimed by another press or instance first is not sent again', async () => {
    const h = staffed();
    seed(h, { status: 'sent' });
    delivery(h, ALICE);
    delivery(h, BEN);
    h.store.loseNext(1);
    const turn = await press(h, V.remind, { briefingId: 'b1' });
    expect(turn.texts()).toEqual(['Sending a gentle reminder to 2 people who have not acknowledged "Prevent".']);
    await until(() => h.notifier.delivered.some((d) => 'text' in d.reply && d.reply.text.startsWith('Reminders for')));
    expect(
      h.notifier.delivered
        .filter((d) => 'text' in d.reply && d.reply.text.startsWith('A gentle reminder'))
        .map((d) => d.to),
    ).toEqual([BEN]);
    expect(h.audited).toEqual([['briefing.reminded', { briefing: 'b1', due: 2, reminded: 1 }]]);
  });
});

describe('reading', () => {
  test('someone the briefing was not sent to cannot acknowledge it', async () => {
    const h = staffed();
    seed(h, { status: 'sent' });
    delivery(h, ALICE);
    const reply = await h
      .execute(V.ack)
      .handle(fakeTurn({ aadObjectId: BEN, value: { briefingId: 'b1', deliveryId: ALICE } }));
    expect(reply).toEqual({
      text: 'This briefing was not sent to you, so I cannot record that you have read it. You are welcome to read it: type briefings to find it.',
    });
    expect(h.store.writes).toBe(0);
  });

  test('a read receipt marks seen what was read, and only that', async () => {
    const h = staffed();
    seed(h, { status: 'sent' });
    delivery(h, ALICE, { activityId: '10' });
    h.store.putDelivery({ ...delivery(h, ALICE), briefingId: 'b2', activityId: '30' });
    await h.reading.readReceipt({ aadObjectId: ALICE, lastReadMessageId: '20' }, fakeTurn().log);
    expect((await h.store.delivery('b1', ALICE))!.seenAt).toBe('2026-11-23T09:00:00.000Z');
    expect((await h.store.delivery('b2', ALICE))!.seenAt).toBeUndefined();
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('timed out');
}
