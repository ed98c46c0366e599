import path from 'node:path';
import pino from 'pino';
import { matchCommand } from '../src/chat/routes';
import type { Capability, ConversationKind, Notifier, Reply } from '../src/chat/types';
import { projectRoot } from '../src/config/paths';
import { createReferralCapability, REFERRAL_VERBS, ReferralService } from '../src/referral';
import { loadReferralContent } from '../src/referral/content';
import { cardText } from './helpers/connector';
import { fakeTurn, type FakeTurn } from './helpers/fakeTurn';
import { FakeFollowUpStore } from './helpers/referralFakes';

/**
 * The referral journey's handlers without HTTP, a bot or a store: the immediate-danger line first,
 * stale buttons start again, the reminder form's own messages, and the reminder claimed once.
 */
const content = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
const DANGER = content.pathway.immediateDanger;
const STALE =
  'That option is no longer available, because the referral guidance has been updated. Here is the latest version.';
const NOW = new Date('2026-03-02T10:00:00Z');
const ROUTE_WITH_FOLLOW_UP = content.routes.find((r) => r.followUp)!;
const ROUTE_WITHOUT_FOLLOW_UP = content.routes.find((r) => !r.followUp)!;

function setup() {
  const followUps = new FakeFollowUpStore();
  const toPerson: { id: string; reply: Reply }[] = [];
  const notifier = {
    hasChat: async () => true,
    sendToPerson: async (id: string, reply: Reply) => {
      toPerson.push({ id, reply });
      return 'sent' as const;
    },
  } as unknown as Notifier;
  const clock = { now: NOW };
  const service = new ReferralService({
    content,
    followUps,
    notifier,
    log: pino({ level: 'silent' }),
    now: () => clock.now,
    retentionDays: 30,
  });
  const capability = createReferralCapability(service);
  return { followUps, toPerson, service, capability, clock };
}

async function press(
  capability: Capability,
  verb: string,
  value: Record<string, unknown> | unknown,
  opts: { kind?: ConversationKind; aadObjectId?: string } = {},
): Promise<FakeTurn> {
  const turn = fakeTurn({ value: value && typeof value === 'object' ? { verb, ...value } : value, ...opts });
  await capability.actions!.find((a) => a.verb === verb)!.handle(turn);
  return turn;
}

const firstText = (reply: Reply) => ('text' in reply ? reply.text : cardText(reply.card));

describe('the immediate-danger line comes first', () => {
  it('"worried" in the 1:1 chat: the danger card, with the 999 line and a call button', async () => {
    const { capability } = setup();
    const turn = fakeTurn({ text: 'worried' });
    await capability.commands!.find((c) => c.name === 'worried')!.handle(turn);
    expect(turn.cards()).toHaveLength(1);
    expect(cardText(turn.cards()[0]!)).toContain(DANGER);
    expect(JSON.stringify(turn.cards()[0])).toContain('tel:999');
  });

  it.each<ConversationKind>(['groupChat', 'channel'])(
    'in a %s: the 999 line at once, the guide privately',
    async (kind) => {
      const { capability, toPerson } = setup();
      const turn = fakeTurn({ text: 'worried', kind });
      await capability.commands!.find((c) => c.name === 'worried')!.handle(turn);
      expect(turn.texts()).toEqual([`${DANGER} I have sent you the step-by-step referral guide in our 1:1 chat.`]);
      expect(toPerson.map((s) => firstText(s.reply))).toEqual([expect.stringContaining(DANGER)]);
    },
  );
});

describe('stale and tampered buttons start again at the danger card', () => {
  test.each([
    { what: 'a step with no data', verb: REFERRAL_VERBS.step, value: undefined },
    { what: 'a step that does not exist', verb: REFERRAL_VERBS.step, value: { step: 'nowhere' } },
    {
      what: 'a route no longer in the content',
      verb: REFERRAL_VERBS.step,
      value: { step: 'route', route: 'gone-route' },
    },
    {
      what: 'an audience that does not exist',
      verb: REFERRAL_VERBS.step,
      value: { step: 'kind', audience: 'martian' },
    },
    { what: 'the area picker with a number', verb: REFERRAL_VERBS.area, value: { area: 7 } },
    {
      what: '"I\'ve made a referral" on a route without a follow-up',
      verb: REFERRAL_VERBS.made,
      value: { route: ROUTE_WITHOUT_FOLLOW_UP.id },
    },
    {
      what: '"Set the reminder" on a route no longer there',
      verb: REFERRAL_VERBS.record,
      value: { route: 'gone-route' },
    },
  ])('$what', async ({ verb, value }) => {
    const { capability } = setup();
    const turn = await press(capability, verb, value);
    expect(turn.texts()).toEqual([STALE]);
    expect(cardText(turn.cards()[0]!)).toContain(DANGER);
  });
});

describe('the reminder form', () => {
  test.each([
    {
      what: 'a reference over 40 characters',
      value: { route: ROUTE_WITH_FOLLOW_UP.id, reference: 'x'.repeat(41) },
      reply: 'Your reference can be at most 40 characters. Nothing was saved; please try again.',
    },
    {
      what: 'a reference with other characters',
      value: { route: ROUTE_WITH_FOLLOW_UP.id, reference: 'log <1>' },
      reply:
        'Your reference can only contain letters, numbers, spaces and / _ . : # - Nothing was saved; please try again.',
    },
    {
      what: 'a bad reference on a tampered route still says what is wrong with the reference',
      value: { route: 'r'.repeat(81), reference: 'log <1>' },
      reply:
        'Your reference can only contain letters, numbers, spaces and / _ . : # - Nothing was saved; please try again.',
    },
    {
      what: 'a reference that could be an NHS number',
      value: { route: ROUTE_WITH_FOLLOW_UP.id, reference: '943 476 5919' },
      reply:
        'That reference looks like it could identify a patient, so I have not saved it. Use your own log number, or leave it blank.',
    },
  ])('$what', async ({ value, reply }) => {
    const { capability, followUps } = setup();
    const turn = await press(capability, REFERRAL_VERBS.record, value);
    expect(turn.texts()).toEqual([reply]);
    expect(followUps.docs.size).toBe(0);
  });

  it("sets the reminder after the route's interval and says when", async () => {
    const { capability, followUps } = setup();
    const turn = await press(capability, REFERRAL_VERBS.record, {
      route: ROUTE_WITH_FOLLOW_UP.id,
      reference: ' LOG-17 ',
    });
    const [f] = [...followUps.docs.values()];
    expect(f).toMatchObject({
      routeId: ROUTE_WITH_FOLLOW_UP.id,
      reference: 'LOG-17',
      dueAt: new Date(NOW.getTime() + ROUTE_WITH_FOLLOW_UP.followUp!.afterHours * 3600_000).toISOString(),
    });
    expect(cardText(turn.cards()[0]!)).toContain('Reminder set');
  });

  test.each([
    {
      what: 'a button with no referral id',
      value: {},
      reply: 'I could not find that referral. Type "feedback received" to see your open referrals.',
    },
    {
      what: 'a referral id that is not one',
      value: { referralId: 'nope' },
      reply: 'I could not find that referral. Type "feedback received" to see your open referrals.',
    },
    {
      what: 'a referral that is not there',
      value: { referralId: '00000000-0000-4000-8000-000000000000' },
      reply: 'I could not find that referral.',
    },
  ])('"Feedback received": $what', async ({ value, reply }) => {
    const { capability } = setup();
    expect((await press(capability, REFERRAL_VERBS.feedback, value)).texts()).toEqual([reply]);
  });
});

describe('reminders', () => {
  it('are sent once, and a reminder another worker claimed first is skipped (the etag race)', async () => {
    const { service, followUps, toPerson, clock } = setup();
    const turn = fakeTurn();
    await followUps.record(turn.user.aadObjectId!, ROUTE_WITH_FOLLOW_UP.id, 1, undefined, NOW);
    await followUps.record(turn.user.aadObjectId!, ROUTE_WITH_FOLLOW_UP.id, 1, undefined, NOW);
    clock.now = new Date(NOW.getTime() + 2 * 3600_000);
    let raced = false;
    followUps.beforeClaim = (f) => {
      if (raced) return;
      raced = true;
      followUps.claimAsAnotherWorker(f, clock.now);
    };
    expect(await service.sendDueReminders()).toEqual({ sent: 1, skipped: 1 });
    expect(toPerson.map((s) => firstText(s.reply))).toEqual([
      expect.stringContaining('Have you had feedback on your referral?'),
    ]);
    followUps.beforeClaim = undefined;
    expect(await service.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
  });

  it('the capability sends them on its own timer once started, and stops it', async () => {
    const { service } = setup();
    const calls = jest.spyOn(service, 'sendDueReminders');
    const capability = createReferralCapability(service, { reminderIntervalMs: 5 });
    capability.start!();
    await new Promise((r) => setTimeout(r, 40));
    await capability.stop!();
    const seen = calls.mock.calls.length;
    expect(seen).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls.mock.calls.length).toBe(seen);
  });

  it('with the sweep on, closed follow-ups past their retention go at start', async () => {
    const { service, followUps } = setup();
    const old = await followUps.record(
      'someone',
      ROUTE_WITH_FOLLOW_UP.id,
      1,
      undefined,
      new Date(NOW.getTime() - 60 * 86_400_000),
    );
    await followUps.feedbackReceived('someone', old.id, new Date(NOW.getTime() - 59 * 86_400_000));
    const capability = createReferralCapability(service, { retentionSweep: true });
    capability.start!();
    await capability.stop!();
    expect(followUps.docs.size).toBe(0);
  });
});

describe('commands', () => {
  test.each([
    ['worried', 'worried'],
    ["I'm worried", 'worried'],
    ['referrals', 'worried'],
    ['feedback received.', 'feedback received'],
    ['content review', 'content review'],
    ['worried about a child', undefined],
  ])('%p is %p', (text, name) => {
    const { capability } = setup();
    expect(capability.commands!.find((c) => matchCommand(c, text))?.name).toBe(name);
  });

  it('"content review" is for safeguarding leads', async () => {
    const { capability } = setup();
    const turn = fakeTurn({ text: 'content review' });
    await capability.commands!.find((c) => c.name === 'content review')!.handle(turn);
    expect(turn.texts()).toEqual(['Only safeguarding leads can see the content review list.']);
  });
});
