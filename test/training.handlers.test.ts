import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { matchCommand } from '../src/chat/routes';
import type { Capability, CardAction } from '../src/chat/types';
import type { Role } from '../src/people/roles';
import { createTrainingCapability } from '../src/training';
import { MyTraining } from '../src/training/mine';
import { OrganisationCompliance } from '../src/training/organisation';
import { completionId, type CompletionEntry } from '../src/training/record';
import { loadTrainingRules } from '../src/training/rules';
import { SelfRecording } from '../src/training/selfRecord';
import { TeamCompliance } from '../src/training/team';
import { TRAINING_VERBS } from '../src/training/verbs';
import { fakeTurn, type FakeTurnOptions } from './helpers/fakeTurn';
import { cardText } from './helpers/connector';
import {
  fakeAudit,
  fakeConversations,
  FakeDirectory,
  fakeExports,
  FakeNotifier,
  FakeTrainingStore,
  person,
} from './helpers/trainingFakes';

/**
 * The training handlers with an in-memory store and directory: who may press what, stale or
 * tampered buttons, what is said about bad input, and a record changed by someone else mid-save.
 */
const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
const NOW = new Date('2026-11-23T09:00:00Z');
const CC = 'Continuing Care';

const MIA = person('M1', 'Mia Manager', CC, { roles: ['manager'], aadObjectId: 'oid-m1', staffGroup: 'clinical' });
const NOOR = person('N1', 'Noor Nurse', CC, { aadObjectId: 'oid-n1', staffGroup: 'clinical' });
const CAL = person('C1', 'Cal Clerk', CC, { staffGroup: 'all-staff' });
const OLU = person('O1', 'Olu Other', 'Finance', { roles: ['manager'], aadObjectId: 'oid-o1' });
const LEE = person('L1', 'Lee Lead', 'Safeguarding', { roles: ['safeguarding-lead'], aadObjectId: 'oid-l1' });

type Who = 'staff' | 'nurse' | 'manager' | 'otherManager' | 'lead' | 'unknown';
const AS: Record<Who, Pick<FakeTurnOptions, 'roles' | 'principal' | 'name'>> = {
  unknown: { roles: [] },
  staff: { roles: [], principal: { employeeId: 'C1', name: CAL.name, team: CC, staffGroup: 'all-staff' } },
  nurse: {
    roles: [],
    principal: { employeeId: 'N1', name: NOOR.name, team: CC, staffGroup: 'clinical', aadObjectId: 'oid-n1' },
  },
  manager: {
    roles: ['manager'],
    principal: { employeeId: 'M1', name: MIA.name, team: CC, staffGroup: 'clinical', aadObjectId: 'oid-m1' },
  },
  otherManager: {
    roles: ['manager'],
    principal: { employeeId: 'O1', name: OLU.name, team: 'Finance', staffGroup: 'all-staff' },
  },
  lead: { roles: ['safeguarding-lead'] as Role[], principal: { employeeId: 'L1', name: LEE.name, team: undefined } },
};

function setUp() {
  const store = new FakeTrainingStore();
  const directory = new FakeDirectory([MIA, NOOR, CAL, OLU, LEE]);
  const notifier = new FakeNotifier();
  const audit = fakeAudit();
  const exports = fakeExports();
  const now = () => NOW;
  const capability = createTrainingCapability({
    mine: new MyTraining({ rules, store, now }),
    team: new TeamCompliance({
      rules,
      store,
      directory,
      notifier,
      exports,
      conversations: fakeConversations(),
      audit,
      now,
    }),
    organisation: new OrganisationCompliance({ rules, store, directory, notifier, exports, now }),
    selfRecording: new SelfRecording({ rules, store, directory, notifier, audit, now }),
  });
  return { store, notifier, audit, capability };
}

const actionOf = (c: Capability, verb: string): CardAction => c.actions!.find((a) => a.verb === verb)!;
const commandOf = (c: Capability, name: string) => c.commands!.find((x) => x.name === name)!;

async function press(c: Capability, verb: string, who: Who, value: unknown) {
  const turn = fakeTurn({ ...AS[who], value: value === undefined ? undefined : { verb, ...(value as object) } });
  await actionOf(c, verb).handle(turn);
  return turn;
}

const REFUSED_TEAM =
  'Team compliance is for managers and safeguarding leads. You can see your own record with my training.';
const OWN_TEAM_ONLY = `You can see compliance for your own team (${CC}). For other teams, ask the safeguarding team.`;
const NOT_YOURS =
  "Only the person's manager or a safeguarding lead can confirm their training, and nobody can confirm their own.";

describe('training verbs', () => {
  it('declares every verb once, each with the permission it had', () => {
    const { capability } = setUp();
    expect(capability.actions!.map((a) => [a.verb, a.permission ?? null, a.privileged])).toEqual([
      ['training.remind', 'training.team', true],
      ['training.export', 'training.team', true],
      ['training.team', 'training.team', true],
      ['training.recordCard', null, true],
      ['training.record', null, true],
      ['training.confirm', 'training.team', true],
    ]);
    expect(Object.values(TRAINING_VERBS).sort()).toEqual(capability.actions!.map((a) => a.verb).sort());
  });
});

describe('the team buttons (open, remind, CSV)', () => {
  test.each([
    { case: 'staff are refused', verb: TRAINING_VERBS.team, who: 'staff', value: { team: CC }, text: REFUSED_TEAM },
    {
      case: 'staff are refused before a tampered card is read',
      verb: TRAINING_VERBS.remind,
      who: 'staff',
      value: { team: 7 },
      text: REFUSED_TEAM,
    },
    {
      case: 'a manager asking for another team',
      verb: TRAINING_VERBS.export,
      who: 'manager',
      value: { team: 'Finance' },
      text: OWN_TEAM_ONLY,
    },
    {
      case: 'a lead on a stale button with no team of their own',
      verb: TRAINING_VERBS.team,
      who: 'lead',
      value: {},
      text: 'Which team? For example: team compliance Continuing Care',
    },
    {
      case: 'a lead asking for a team nobody is in',
      verb: TRAINING_VERBS.team,
      who: 'lead',
      value: { team: 'Nowhere' },
      text: 'There is nobody in the staff list in a team called "Nowhere".',
    },
    {
      case: "a manager's stale CSV button means their own team",
      verb: TRAINING_VERBS.export,
      who: 'manager',
      value: { team: '' },
      text: /^\[Download training compliance for Continuing Care \(CSV\)\]\(https:\/\/bot\.example\/exports\?kind=training-team&team=Continuing\+Care\)\. The link works until/,
    },
  ] as const)('$case', async ({ verb, who, value, text }) => {
    const { capability } = setUp();
    const turn = await press(capability, verb, who, value);
    if (typeof text === 'string') expect(turn.texts()).toEqual([text]);
    else expect(turn.texts()).toEqual([expect.stringMatching(text)]);
  });

  it('records a manager asking about another team, without the team asked for', async () => {
    const { capability, audit } = setUp();
    await press(capability, TRAINING_VERBS.team, 'manager', { team: 'Finance' });
    expect(audit.notes).toEqual([['access.refused', { permission: 'training.team', reason: 'another team' }]]);
  });

  it("opens a manager's team card from a stale button, and a lead's from the command's argument", async () => {
    const { capability } = setUp();
    const stale = await press(capability, TRAINING_VERBS.team, 'manager', { team: 42 });
    expect(cardText(stale.cards()[0]!)).toContain(CC);
    const command = commandOf(capability, 'team compliance');
    const args = matchCommand(command, '  team compliance   continuing care ')!.args;
    expect(args).toBe('continuing care');
    const typed = fakeTurn({ ...AS.lead, text: 'team compliance   continuing care', args });
    await command.handle(typed);
    // Shown as the staff list spells the team, with one row for each person not compliant.
    expect(cardText(typed.cards()[0]!)).toContain(`${CC}`);
    expect(cardText(typed.cards()[0]!)).toContain('Noor Nurse');
  });

  it('reminds each person not compliant once a week: a second press finds this week claimed', async () => {
    const { capability, notifier } = setUp();
    const first = await press(capability, TRAINING_VERBS.remind, 'manager', { team: CC });
    // Cal has no Teams account; Mia and Noor have no training at all.
    expect(first.texts()).toEqual([
      `Reminded 2 people in ${CC}: Mia Manager and Noor Nurse. 1 person cannot be reached, so no reminder was used up: Cal Clerk has no Teams account in the staff list.`,
    ]);
    expect(notifier.sent.map((s) => s.to).sort()).toEqual(['oid-m1', 'oid-n1']);
    const second = await press(capability, TRAINING_VERBS.remind, 'manager', { team: CC });
    expect(second.texts()[0]).toContain(
      '2 people already had a reminder in the last 7 days, so not again: Mia Manager and Noor Nurse.',
    );
    expect(notifier.sent).toHaveLength(2);
  });

  it('gives the week back when a reminder does not go through', async () => {
    const { capability, notifier, store } = setUp();
    notifier.unreachable.add('oid-n1');
    await press(capability, TRAINING_VERBS.remind, 'manager', { team: CC });
    expect([...store.claimed]).toEqual(['M1']);
  });
});

describe('recording a course', () => {
  const COURSE = { subject: 'adults', level: '3', completedOn: '2026-11-02', hours: '2', provider: 'Team day' };

  test.each([
    {
      case: 'someone not in the staff list',
      who: 'unknown',
      value: COURSE,
      text: 'I cannot find you in the staff list yet, so I cannot record training for you.',
    },
    {
      case: 'someone not in the staff list, with a tampered card',
      who: 'unknown',
      value: { provider: 'x'.repeat(201) },
      text: 'I cannot find you in the staff list yet, so I cannot record training for you.',
    },
    {
      case: 'a box too long',
      who: 'nurse',
      value: { ...COURSE, provider: 'x'.repeat(201) },
      card: 'Some of that was too long. Please check it and try again.',
    },
    { case: 'no date', who: 'nurse', value: { ...COURSE, completedOn: '' }, card: 'Please check: the date' },
    {
      case: 'a level the subject does not have',
      who: 'nurse',
      value: { ...COURSE, subject: 'prevent', level: '2' },
      card: 'Please check: Prevent has no level 2',
    },
    {
      case: 'a provider that looks like patient details',
      who: 'nurse',
      value: { ...COURSE, provider: 'Visit to John Smith 943 476 5919' },
      card: 'The provider looks like it may identify a patient',
    },
  ] as const)('$case', async ({ who, value, ...expected }) => {
    const { capability, store, notifier } = setUp();
    const turn = await press(capability, TRAINING_VERBS.record, who, value);
    if ('text' in expected) expect(turn.texts()).toEqual([expected.text]);
    else expect(cardText(turn.cards()[0]!)).toContain(expected.card);
    expect(store.records.size).toBe(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it('saves it unconfirmed and asks the manager; the same course again is already there', async () => {
    const { capability, store, notifier } = setUp();
    const turn = await press(capability, TRAINING_VERBS.record, 'nurse', COURSE);
    expect(turn.texts()).toEqual([
      'Recorded: Safeguarding adults level 3, 2 November 2026, 2 h, Team day. It will count once your manager confirms it; I have asked them.',
    ]);
    expect(store.records.get('N1')).toEqual([
      expect.objectContaining({ subject: 'adults', source: 'self', confirmed: false }),
    ]);
    expect(notifier.sent.map((s) => s.to)).toEqual(['oid-m1']);
    const again = await press(capability, TRAINING_VERBS.record, 'nurse', { ...COURSE, provider: 'TEAM DAY' });
    expect(again.texts()).toEqual(['That course is already on your record.']);
  });

  it('shows the empty form, and refuses it to someone not in the staff list', async () => {
    const { capability } = setUp();
    expect((await press(capability, TRAINING_VERBS.recordCard, 'nurse', {})).cards()).toHaveLength(1);
    expect((await press(capability, TRAINING_VERBS.recordCard, 'unknown', {})).texts()[0]).toMatch(
      /^I cannot find you in the staff list yet/,
    );
  });
});

describe('confirming a course', () => {
  const SELF: CompletionEntry = {
    subject: 'adults',
    level: 3,
    completedOn: '2026-11-02',
    hours: 2,
    provider: 'Team day',
    source: 'self',
    confirmed: false,
    importedAt: NOW.toISOString(),
  };
  const recordId = completionId('N1', SELF);
  const CONFIRM = { employeeId: 'n1', recordId, decision: 'confirm' };

  function withCourse() {
    const s = setUp();
    s.store.records.set('N1', [SELF]);
    return s;
  }

  test.each([
    {
      case: 'an unreadable card, before who is asking',
      who: 'staff',
      value: { employeeId: 'N1', decision: 'maybe' },
      text: 'I could not tell which record you meant.',
      audited: [],
    },
    { case: 'staff', who: 'staff', value: CONFIRM, text: NOT_YOURS, audited: [] },
    {
      case: "another team's manager",
      who: 'otherManager',
      value: CONFIRM,
      text: NOT_YOURS,
      audited: [
        ['access.refused', { permission: 'training.team', verb: 'training.confirm', reason: 'not their team' }],
      ],
    },
    {
      case: 'their own record',
      who: 'manager',
      value: { ...CONFIRM, employeeId: 'M1' },
      text: NOT_YOURS,
      audited: [['access.refused', { permission: 'training.team', verb: 'training.confirm', reason: 'own record' }]],
    },
    {
      case: 'a course no longer there',
      who: 'manager',
      value: { ...CONFIRM, recordId: 'gone' },
      text: 'That course is no longer on their record.',
      audited: [],
    },
  ] as const)('$case', async ({ who, value, text, audited }) => {
    const { capability, store, audit } = withCourse();
    const turn = await press(capability, TRAINING_VERBS.confirm, who, value);
    expect(turn.texts()).toEqual([text]);
    expect(audit.notes).toEqual(audited);
    expect(store.records.get('N1')).toEqual([SELF]);
  });

  it('counts the course once the manager confirms it, and tells the person', async () => {
    const { capability, store, notifier, audit } = withCourse();
    const turn = await press(capability, TRAINING_VERBS.confirm, 'manager', CONFIRM);
    expect(turn.texts()).toEqual([
      'Confirmed: Safeguarding adults level 3, 2 November 2026, 2 h, Team day now counts for Noor Nurse.',
    ]);
    expect(store.records.get('N1')).toEqual([expect.objectContaining({ confirmed: true, decidedBy: 'Mia Manager' })]);
    expect(notifier.sent.map((s) => s.to)).toEqual(['oid-n1']);
    expect(audit.notes).toEqual([['training.confirmed', { employee: 'N1', record: recordId }]]);
  });

  it('says who decided first when a lead declined it while the manager was confirming (a 412)', async () => {
    const { capability, store, notifier } = withCourse();
    store.beforeNextWrite = (records) =>
      records.set('N1', [
        { ...SELF, rejectedAt: NOW.toISOString(), decidedBy: 'Lee Lead', decidedAt: NOW.toISOString() },
      ]);
    const turn = await press(capability, TRAINING_VERBS.confirm, 'manager', CONFIRM);
    expect(store.conflicts).toBe(1);
    expect(turn.texts()).toEqual(['That record was already marked as not confirmed by Lee Lead.']);
    expect(store.records.get('N1')![0]).toMatchObject({ decidedBy: 'Lee Lead' });
    expect(notifier.sent).toHaveLength(0);
  });
});

describe('my training and the organisation', () => {
  it('asks someone not in the staff list to be added', async () => {
    const { capability } = setUp();
    const turn = fakeTurn(AS.unknown);
    await commandOf(capability, 'my training').handle(turn);
    expect(turn.texts()[0]).toMatch(
      /^I cannot find you in the staff list yet, so I do not know which training your role needs/,
    );
  });

  it('keeps organisation compliance for safeguarding leads', async () => {
    const { capability } = setUp();
    const turn = fakeTurn(AS.manager);
    await commandOf(capability, 'organisation compliance').handle(turn);
    expect(turn.texts()).toEqual(['Organisation-wide compliance is for safeguarding leads.']);
  });

  it('shows a lead every team, worst first', async () => {
    const { capability } = setUp();
    const turn = fakeTurn(AS.lead);
    await commandOf(capability, 'organisation compliance').handle(turn);
    expect(cardText(turn.cards()[0]!)).toContain(
      '3 teams, worst first: 3 below the 90% target in at least one subject.',
    );
  });
});
