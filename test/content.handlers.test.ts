import path from 'node:path';
import pino from 'pino';
import type { AuditTrail } from '../src/audit';
import { matchCommand } from '../src/chat/routes';
import type { Capability, ConversationKind, Notifier, Reply } from '../src/chat/types';
import { projectRoot } from '../src/config/paths';
import { CONTENT_VERBS, ContentService, createContentCapability } from '../src/content';
import { LiveReferralContent } from '../src/content/live';
import { ContentReviews } from '../src/content/review';
import { ExportLinks } from '../src/exports';
import type { Role } from '../src/people/roles';
import { loadReferralContent } from '../src/referral/content';
import { cardText } from './helpers/connector';
import { FakeContentStore } from './helpers/contentFakes';
import { fakeTurn, type FakeTurn } from './helpers/fakeTurn';

/**
 * The content handlers without HTTP, a bot or Cosmos: who may press what, old and tampered
 * buttons, the forms' own messages, the second-lead rule and the approval race, in milliseconds.
 */
const LEAD = '00000000-0000-0000-0000-00000000000a';
const LEAD2 = '00000000-0000-0000-0000-00000000000b';
const files = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
const NOW = new Date('2026-03-02T10:00:00Z');
const REFUSED = 'Only safeguarding leads can change the referral content.';
const silent = pino({ level: 'silent' });

async function setup() {
  const store = new FakeContentStore();
  const live = new LiveReferralContent(store, files, silent);
  await live.start(NOW, 0);
  const notes: { action: string; subject: unknown }[] = [];
  const audit = {
    note: async (_actor: unknown, action: string, subject: unknown) => notes.push({ action, subject }) > 0,
  } as unknown as AuditTrail;
  const told: { id: string; reply: Reply }[] = [];
  const notifier = {
    hasChat: async () => true,
    sendToPerson: async (id: string, reply: Reply) => {
      told.push({ id, reply });
      return 'sent' as const;
    },
  } as unknown as Notifier;
  const directory = { leadObjectIds: async () => [LEAD, LEAD2], currentObjectIdByEmail: async () => undefined };
  const now = () => NOW;
  const service = new ContentService({
    store,
    live,
    audit,
    directory,
    notifier,
    exports: new ExportLinks(() => 'http://localhost', now),
    now,
  });
  const reviews = new ContentReviews({ store, live, directory, notifier, audit, log: silent, now });
  const capability = createContentCapability(service, reviews);
  return { store, live, notes, told, service, reviews, capability };
}

type Setup = Awaited<ReturnType<typeof setup>>;

interface Press {
  roles?: Role[];
  kind?: ConversationKind;
  aadObjectId?: string;
}

async function press(capability: Capability, verb: string, value: unknown, opts: Press = {}): Promise<FakeTurn> {
  const turn = fakeTurn({
    roles: opts.roles ?? ['safeguarding-lead'],
    kind: opts.kind,
    aadObjectId: opts.aadObjectId ?? LEAD,
    value: value && typeof value === 'object' ? { verb, ...value } : value,
  });
  await capability.actions!.find((a) => a.verb === verb)!.handle(turn);
  return turn;
}

async function say(capability: Capability, text: string, opts: Press = {}): Promise<FakeTurn> {
  const command = capability.commands!.find((c) => matchCommand(c, text))!;
  const turn = fakeTurn({
    roles: opts.roles ?? ['safeguarding-lead'],
    kind: opts.kind,
    aadObjectId: opts.aadObjectId ?? LEAD,
    text,
    args: matchCommand(command, text)!.args,
  });
  await command.handle(turn);
  return turn;
}

const mash = files.contacts.get('mash')!;
const contactForm = (changes: Record<string, string | undefined> = {}) => ({
  contact: 'mash',
  basedOn: '1',
  name: mash.name,
  phone: mash.phone ?? '',
  hours: mash.hours ?? '',
  use: mash.use,
  email: mash.email ?? '',
  url: mash.url ?? '',
  ...changes,
});

describe('only safeguarding leads press content buttons, and a refusal is audited', () => {
  test.each(Object.values(CONTENT_VERBS))('%s', async (verb) => {
    const { capability, notes } = await setup();
    // Refused before the data is read: even nonsense gets the refusal, not "out of date".
    const turn = await press(capability, verb, 'nonsense', { roles: [] });
    expect(turn.texts()).toEqual([REFUSED]);
    expect(notes).toEqual([{ action: 'content.refused', subject: { permission: 'content.edit' } }]);
  });
});

describe('old, tampered and misplaced buttons', () => {
  test.each([
    {
      verb: CONTENT_VERBS.contactEdit,
      value: { contact: 7 },
      reply: 'That contact is no longer in the content. Type edit contact to see the current list.',
    },
    {
      verb: CONTENT_VERBS.contactEdit,
      value: { contact: 'gone' },
      reply: 'That contact is no longer in the content. Type edit contact to see the current list.',
    },
    {
      verb: CONTENT_VERBS.contactPropose,
      value: { contact: 'mash' },
      reply: 'That form is out of date. Type edit contact to start again.',
    },
    {
      verb: CONTENT_VERBS.contactPropose,
      value: { contact: 'mash' },
      kind: 'groupChat' as const,
      reply: 'Please propose changes in our 1:1 chat.',
    },
    {
      verb: CONTENT_VERBS.contactPropose,
      value: contactForm({ contact: 'gone' }),
      reply: 'That form is out of date. Type edit contact to start again.',
    },
    {
      verb: CONTENT_VERBS.routeEdit,
      value: {},
      reply: 'That route is no longer in the content. Type edit route to see the current list.',
    },
    {
      verb: CONTENT_VERBS.routeEdit,
      value: { route: 'gone' },
      kind: 'channel' as const,
      reply: 'Please change content in our 1:1 chat.',
    },
    {
      verb: CONTENT_VERBS.routePropose,
      value: { route: 'gone', basedOn: '1' },
      reply: 'That form is out of date. Type edit route to start again.',
    },
    {
      verb: CONTENT_VERBS.routePropose,
      value: { route: files.routes[0]!.id, basedOn: '1', step0: 5 },
      reply: 'That form is out of date. Type edit route to start again.',
    },
    {
      verb: CONTENT_VERBS.routePropose,
      value: {},
      kind: 'groupChat' as const,
      reply: 'Please propose changes in our 1:1 chat.',
    },
    {
      verb: CONTENT_VERBS.approve,
      value: {},
      reply: 'That button is out of date. Type content proposals to see what is waiting.',
    },
    { verb: CONTENT_VERBS.approve, value: { proposal: 'elsewhere:p:1' }, reply: 'I could not find that proposal.' },
    {
      verb: CONTENT_VERBS.decline,
      value: { proposal: 'referral:p:missing', reason: 'No' },
      reply: 'That proposal has already been decided.',
    },
    {
      verb: CONTENT_VERBS.rollback,
      value: { version: 'x' },
      reply: 'I could not find that version. Type content history to see them.',
    },
    {
      verb: CONTENT_VERBS.rollback,
      value: { version: '9' },
      reply: 'I could not find that version. Type content history to see them.',
    },
    { verb: CONTENT_VERBS.rollback, value: { version: '1' }, reply: 'Version 1 is the live version already.' },
    {
      verb: CONTENT_VERBS.rollback,
      value: { version: 'x' },
      kind: 'channel' as const,
      reply: 'Please propose changes in our 1:1 chat.',
    },
    {
      verb: CONTENT_VERBS.reviewConfirm,
      value: { kind: 'page', id: 'mash' },
      reply: 'That button is out of date. Type content review to see what needs checking.',
    },
    {
      verb: CONTENT_VERBS.reviewConfirm,
      value: { kind: 'contact', id: 'mash' },
      kind: 'groupChat' as const,
      reply: 'Please review content in our 1:1 chat.',
    },
    {
      verb: CONTENT_VERBS.reviewConfirm,
      value: { kind: 'route', id: 'gone' },
      reply: 'That route is no longer in the referral content. Type content review to see what needs checking.',
    },
  ])('$verb $value ($kind)', async ({ verb, value, kind, reply }) => {
    const { capability, store } = await setup();
    const turn = await press(capability, verb, value, { kind });
    expect(turn.texts()).toEqual([reply]);
    expect(store.proposals.size).toBe(0);
  });
});

describe('the contact form says what to fix and saves nothing', () => {
  test.each([
    { what: 'nothing changed', changes: {}, problem: 'Nothing has changed yet: edit a box, then propose the change.' },
    {
      what: 'a new number not called',
      changes: { phone: '01709 000001' },
      problem:
        'A new telephone number must be checked: call it, make sure it is the right service, then tick "I have called this number".',
    },
    {
      what: 'a form opened on an older version',
      changes: { basedOn: '2' },
      problem:
        'The content changed since you opened this form (another change was approved). Here are the latest details: make your change again.',
    },
    {
      what: 'patient details in the hours',
      changes: { hours: 'Call about John Smith, NHS number 943 476 5919' },
      problem: 'The hours box looks like it contains patient details',
    },
  ])('$what', async ({ changes, problem }) => {
    const { capability, store } = await setup();
    const turn = await press(capability, CONTENT_VERBS.contactPropose, contactForm(changes));
    expect(cardText(turn.cards()[0]!)).toContain(problem);
    expect(store.proposals.size).toBe(0);
  });
});

describe('the second-lead rule', () => {
  async function proposeNumber(s: Setup, phone = '01709 000001'): Promise<string> {
    const turn = await press(s.capability, CONTENT_VERBS.contactPropose, contactForm({ phone, phoneChecked: 'true' }));
    expect(turn.texts()).toEqual([
      'I have asked another safeguarding lead to approve it. Staff keep seeing the current details until then.',
    ]);
    return [...s.store.proposals.keys()].pop()!;
  }

  it('a proposal goes to the other lead, and the proposer cannot approve it', async () => {
    const s = await setup();
    const id = await proposeNumber(s);
    expect(s.told.map((t) => t.id)).toEqual([LEAD2]);
    expect((await press(s.capability, CONTENT_VERBS.approve, { proposal: id })).texts()).toEqual([
      'You proposed this change, so another safeguarding lead must approve or decline it.',
    ]);
    expect(s.live.currentVersion).toBe(1);
  });

  it('another lead approves it and staff see it at once', async () => {
    const s = await setup();
    const id = await proposeNumber(s);
    expect(
      (await press(s.capability, CONTENT_VERBS.approve, { proposal: id }, { aadObjectId: LEAD2 })).texts(),
    ).toEqual(['Approved. Staff now see version 2.']);
    expect(s.live.get().contacts.get('mash')!.phone).toBe('01709 000001');
    expect(
      (await press(s.capability, CONTENT_VERBS.approve, { proposal: id }, { aadObjectId: LEAD2 })).texts(),
    ).toEqual(['That proposal has already been approved.']);
  });

  test.each([
    { reason: '', reply: 'Please give a reason in the box when you decline, so the proposer knows what to change.' },
    {
      reason: 'Wrong for John Smith born 01/02/1980',
      reply: 'Your reason looks like it contains patient details, so I have not saved it. Please reword it.',
    },
    {
      reason: 'That is the out-of-hours line',
      reply: 'Declined. I have told the proposer why. The live content has not changed.',
    },
  ])('declining with the reason $reason', async ({ reason, reply }) => {
    const s = await setup();
    const id = await proposeNumber(s);
    expect(
      (await press(s.capability, CONTENT_VERBS.decline, { proposal: id, reason }, { aadObjectId: LEAD2 })).texts(),
    ).toEqual([reply]);
  });

  it('two approvals at once: the one whose version was taken first is withdrawn (the etag race)', async () => {
    const s = await setup();
    const id = await proposeNumber(s);
    s.store.beforePointerMove = (set) => s.store.landOtherVersion(set, NOW);
    const turn = await press(s.capability, CONTENT_VERBS.approve, { proposal: id }, { aadObjectId: LEAD2 });
    expect(turn.texts()).toEqual([
      'Another change went live first (now version 2), so this proposal would undo it. It has been withdrawn: the proposer can make the change again on the latest version.',
    ]);
  });
});

describe('commands with an argument read turn.args, with the same text accepted and the same argument as before', () => {
  const old = {
    'content history': (text: string) =>
      text
        .trim()
        .replace(/^\s*content history\s*/i, '')
        .trim()
        .toLowerCase(),
    'audit log': (text: string) =>
      text
        .trim()
        .replace(/^\s*audit log\s*/i, '')
        .trim()
        .toLowerCase(),
  };
  test.each([
    ['content history', 'content history', ''],
    ['  Content History  Training ', 'content history', 'training'],
    ['content history referral', 'content history', 'referral'],
    ['content history two words', undefined, undefined],
    ['content historyx', undefined, undefined],
    ['audit log', 'audit log', ''],
    ['audit log  Refused ', 'audit log', 'refused'],
    ['Audit Log Dr Anna Patel', 'audit log', 'dr anna patel'],
    ['audit logs', undefined, undefined],
  ])('%p', async (text, name, argument) => {
    const { capability } = await setup();
    const command = capability.commands!.find((c) => matchCommand(c, text));
    expect(command?.name).toBe(name);
    if (!command) return;
    expect((matchCommand(command, text)!.args ?? '').toLowerCase()).toBe(argument);
    expect(old[command.name as keyof typeof old](text)).toBe(argument);
  });

  test.each([
    ['content history', 'Referral content history'],
    ['content history REFERRAL', 'Referral content history'],
    [
      'content history training',
      'I keep the history of the referral content. Type, for example, content history referral.',
    ],
  ])('%p', async (text, reply) => {
    const { capability } = await setup();
    const turn = await say(capability, text);
    expect(turn.sent.map((r) => ('text' in r ? r.text : cardText(r.card)))[0]).toContain(reply);
  });

  it('staff are refused, and nothing is shown in a group chat', async () => {
    const { capability } = await setup();
    expect((await say(capability, 'audit log', { roles: [] })).texts()).toEqual([REFUSED]);
    expect((await say(capability, 'content history', { kind: 'groupChat' })).texts()).toEqual([
      'Please ask me in our 1:1 chat.',
    ]);
  });
});

describe('the monthly review timer', () => {
  it('runs the review while started, and not after stop', async () => {
    const { service, reviews } = await setup();
    const runs = jest.spyOn(reviews, 'run');
    const capability = createContentCapability(service, reviews, { reviewIntervalMs: 5 });
    capability.start!();
    await new Promise((r) => setTimeout(r, 40));
    await capability.stop!();
    const seen = runs.mock.calls.length;
    expect(seen).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(runs.mock.calls.length).toBe(seen);
  });
});
