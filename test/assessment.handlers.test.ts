import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { createAssessmentCapability } from '../src/assessment';
import { Answering } from '../src/assessment/answer';
import { loadAssessmentContent } from '../src/assessment/content';
import { Oversight } from '../src/assessment/oversee';
import { PracticeReminders } from '../src/assessment/remind';
import type { Answer } from '../src/assessment/scoring';
import type { SubmissionDoc } from '../src/assessment/store';
import { ASSESSMENT_VERBS } from '../src/assessment/verbs';
import { matchCommand } from '../src/chat/routes';
import type { Capability, ConversationKind } from '../src/chat/types';
import { fakeTurn, type FakeTurnOptions } from './helpers/fakeTurn';
import { cardText } from './helpers/connector';
import { FakeAssessmentStore } from './helpers/assessmentFakes';
import {
  fakeAudit,
  fakeConversations,
  FakeDirectory,
  fakeExports,
  FakeNotifier,
  person,
} from './helpers/trainingFakes';

/**
 * The self-assessment handlers with an in-memory store: who may press what and where, stale or
 * tampered buttons, what is said about bad answers, and saves and submissions that lose a race.
 */
const content = loadAssessmentContent(path.join(projectRoot(), 'content'));
const q = content.current;
const NOW = new Date('2026-11-23T09:00:00Z');
const RIVERSIDE = 'Y90001';
const first = q.sections[0]!;

type Who = 'staff' | 'practiceLead' | 'leadWithoutPractice' | 'lead';
const AS: Record<Who, Pick<FakeTurnOptions, 'roles' | 'principal'>> = {
  staff: { roles: [] },
  practiceLead: { roles: ['practice-lead'], principal: { name: 'Pat Lead', practiceCode: RIVERSIDE } },
  leadWithoutPractice: { roles: ['practice-lead'], principal: { name: 'Pip Lead' } },
  lead: { roles: ['safeguarding-lead'], principal: { name: 'Lee Lead' } },
};

const PAT = person('P1', 'Pat Lead', 'Riverside', { roles: ['practice-lead'], aadObjectId: 'oid-p1' });

function setUp() {
  const store = new FakeAssessmentStore();
  const notifier = new FakeNotifier();
  const audit = fakeAudit();
  const now = () => NOW;
  const directory = new FakeDirectory([{ ...PAT, practiceCode: RIVERSIDE }]);
  const capability = createAssessmentCapability({
    answering: new Answering({ content, store, now }),
    oversight: new Oversight({ content, store, exports: fakeExports(), audit, now }),
    reminders: new PracticeReminders({
      content,
      store,
      directory,
      notifier,
      conversations: fakeConversations(),
      audit,
      now,
    }),
  });
  return { store, notifier, audit, capability };
}

async function press(
  c: Capability,
  verb: string,
  who: Who,
  value: object | undefined = {},
  kind: ConversationKind = 'personal',
) {
  const turn = fakeTurn({ ...AS[who], kind, value: value === undefined ? undefined : { verb, ...value } });
  await c.actions!.find((a) => a.verb === verb)!.handle(turn);
  return turn;
}

async function say(c: Capability, name: string, who: Who, text: string) {
  const command = c.commands!.find((x) => x.name === name)!;
  const turn = fakeTurn({ ...AS[who], text, args: matchCommand(command, text)?.args });
  await command.handle(turn);
  return turn;
}

/** A section card's boxes as the card submits them. */
const boxes = (answers: Record<string, Answer>) =>
  Object.fromEntries(
    Object.entries(answers).flatMap(([id, a]) => Object.entries(a).map(([box, v]) => [`${id}__${box}`, v] as const)),
  );
const allMet = (section = first) =>
  Object.fromEntries(
    section.standards.map((st) => [st.id, { answer: 'met', evidence: 'Policy v3, reviewed 2026' } as Answer]),
  );

const NOT_A_PRACTICE_LEAD =
  "The practice self-assessment is for GP practice safeguarding leads. If that is you, ask your organisation's safeguarding team to add you to the staff list as a practice lead.";
const ONE_TO_ONE =
  'The self-assessment is completed in a 1:1 chat with me, so that answers are not shared in a channel.';
const LEADS_ONLY = 'Only safeguarding leads can see self-assessment results across practices.';

describe('self-assessment verbs', () => {
  it('declares every verb once, each with the permission it had', () => {
    const { capability } = setUp();
    expect(capability.actions!.map((a) => [a.verb, a.permission, a.privileged])).toEqual([
      ['assessment.overview', 'assessment.answer', true],
      ['assessment.open', 'assessment.answer', true],
      ['assessment.save', 'assessment.answer', true],
      ['assessment.review', 'assessment.answer', true],
      ['assessment.submit', 'assessment.answer', true],
      ['assessment.remind', 'assessment.oversee', true],
      ['assessment.export', 'assessment.oversee', true],
    ]);
    expect(Object.values(ASSESSMENT_VERBS).sort()).toEqual(capability.actions!.map((a) => a.verb).sort());
  });
});

describe('who may answer, and where', () => {
  test.each([
    {
      case: 'staff',
      who: 'staff',
      verb: ASSESSMENT_VERBS.overview,
      value: {},
      kind: 'personal',
      text: NOT_A_PRACTICE_LEAD,
    },
    {
      case: 'staff, with a tampered card',
      who: 'staff',
      verb: ASSESSMENT_VERBS.save,
      value: { section: 7 },
      kind: 'personal',
      text: NOT_A_PRACTICE_LEAD,
    },
    {
      case: 'staff in a channel are told where it is done first',
      who: 'staff',
      verb: ASSESSMENT_VERBS.submit,
      value: {},
      kind: 'channel',
      text: ONE_TO_ONE,
    },
    {
      case: 'a practice lead in a group chat',
      who: 'practiceLead',
      verb: ASSESSMENT_VERBS.open,
      value: { section: first.id },
      kind: 'groupChat',
      text: ONE_TO_ONE,
    },
    {
      case: 'a practice lead with no practice in the staff list',
      who: 'leadWithoutPractice',
      verb: ASSESSMENT_VERBS.review,
      value: {},
      kind: 'personal',
      text: NOT_A_PRACTICE_LEAD,
    },
    {
      case: 'a practice lead with an unreadable card and no practice',
      who: 'leadWithoutPractice',
      verb: ASSESSMENT_VERBS.open,
      value: { section: 5 },
      kind: 'personal',
      text: NOT_A_PRACTICE_LEAD,
    },
    {
      case: 'a practice lead pressing remind',
      who: 'practiceLead',
      verb: ASSESSMENT_VERBS.remind,
      value: {},
      kind: 'personal',
      text: LEADS_ONLY,
    },
    {
      case: 'a practice lead pressing the CSV button',
      who: 'practiceLead',
      verb: ASSESSMENT_VERBS.export,
      value: {},
      kind: 'personal',
      text: LEADS_ONLY,
    },
  ] as const)('$case', async ({ who, verb, value, kind, text }) => {
    const { capability, store } = setUp();
    const turn = await press(capability, verb, who, value, kind);
    expect(turn.texts()).toEqual([text]);
    expect(store.docs.size).toBe(0);
  });
});

describe('stale and unreadable section buttons show the overview', () => {
  test.each([
    { case: 'a section that no longer exists', verb: ASSESSMENT_VERBS.open, value: { section: 'retired-section' } },
    { case: 'an open button without its section', verb: ASSESSMENT_VERBS.open, value: {} },
    {
      case: 'a save button from an older card',
      verb: ASSESSMENT_VERBS.save,
      value: { section: first.id, etag: '', then: 'later' },
    },
    {
      case: 'a save of a section that no longer exists',
      verb: ASSESSMENT_VERBS.save,
      value: { section: 'retired-section', etag: '', then: 'next' },
    },
  ] as const)('$case', async ({ verb, value }) => {
    const { capability, store } = setUp();
    const turn = await press(capability, verb, 'practiceLead', value);
    expect(turn.sent).toEqual([expect.objectContaining({ fallbackText: 'Self-assessment progress' })]);
    expect(store.docs.size).toBe(0);
  });
});

describe('saving a section', () => {
  const save = (answers: Record<string, Answer>, etag = '', then = 'next') => ({
    section: first.id,
    etag,
    then,
    ...boxes(answers),
  });

  test.each([
    {
      case: 'evidence too long',
      box: { evidence: 'x'.repeat(1001) },
      problem: 'Standard 1, the evidence box: Evidence can be at most 1,000 characters.',
    },
    {
      case: 'a target date that is not a date',
      box: { answer: 'not-met', action: 'Train', owner: 'PM', targetDate: 'soon' },
      problem: 'Standard 1: A target date must be a date.',
    },
    {
      case: 'patient details in the action',
      box: { answer: 'not-met', action: 'Call about John Smith 943 476 5919', owner: 'PM', targetDate: '2027-01-01' },
      problem:
        'Standard 1, the action box: this looks like it contains patient details, so I have cleared that box. Please describe your evidence without them.',
    },
  ] as const)('saves nothing for $case, and gives the card back with the problem', async ({ box, problem }) => {
    const { capability, store } = setUp();
    const answers = { ...allMet(), [first.standards[0]!.id]: { answer: 'met', evidence: 'ok', ...box } as Answer };
    const turn = await press(capability, ASSESSMENT_VERBS.save, 'practiceLead', save(answers));
    expect(turn.texts()).toEqual([
      `Nothing was saved:\n\n- ${problem}\n\nEverything else you typed is still in the card below. Please correct this and save again.`,
    ]);
    const card = cardText(turn.cards()[0]!);
    expect(card).toContain('Not saved: please correct the boxes listed below and save again.');
    expect(card).toContain(problem);
    expect(store.docs.size).toBe(0);
  });

  it('saves and opens the next section', async () => {
    const { capability, store } = setUp();
    const turn = await press(capability, ASSESSMENT_VERBS.save, 'practiceLead', save(allMet()));
    expect(turn.texts()).toEqual([`Saved "${first.title}".`]);
    expect(cardText(turn.cards()[0]!)).toContain(`Section 2 of ${q.sections.length}: ${q.sections[1]!.title}`);
    expect((await store.section(RIVERSIDE, q.year, first.id))?.savedBy).toBe('Pat Lead');
  });

  it('keeps what someone else saved meanwhile (a 412), and shows their version', async () => {
    const { capability, store } = setUp();
    await press(capability, ASSESSMENT_VERBS.save, 'practiceLead', save(allMet()));
    const read = (await store.section(RIVERSIDE, q.year, first.id))!;
    store.put({ ...read, savedBy: 'Sam Other', savedAt: '2026-11-23T08:30:00.000Z' });
    const turn = await press(capability, ASSESSMENT_VERBS.save, 'practiceLead', save(allMet(), read._etag));
    expect(turn.texts()).toEqual([
      `Someone else in your practice saved "${first.title}" while you were editing (Sam Other, 23 November 2026 at 08:30). Your changes were not saved, so nothing of theirs was overwritten. Here is the latest version: please add your changes to it and save again.`,
    ]);
    expect(cardText(turn.cards()[0]!)).toContain('Last saved 23 November 2026 at 08:30.');
    expect((await store.section(RIVERSIDE, q.year, first.id))?.savedBy).toBe('Sam Other');
  });

  it('changes nothing once the practice has submitted', async () => {
    const { capability, store } = setUp();
    store.put<SubmissionDoc>({
      id: String(q.year),
      type: 'submission',
      practiceCode: RIVERSIDE,
      year: q.year,
      status: 'submitted',
    });
    const turn = await press(capability, ASSESSMENT_VERBS.save, 'practiceLead', save(allMet()));
    expect(turn.texts()).toEqual([
      'Your practice has already submitted this year’s self-assessment, so nothing was changed. A safeguarding lead can reopen it if you need to make changes.',
    ]);
  });
});

describe('reviewing and submitting', () => {
  const completeAll = (store: FakeAssessmentStore) => {
    for (const section of q.sections)
      store.put({
        id: `${q.year}.${section.id}`,
        type: 'section',
        practiceCode: RIVERSIDE,
        year: q.year,
        sectionId: section.id,
        answers: allMet(section),
        savedBy: 'Pat Lead',
        savedAt: NOW.toISOString(),
      });
  };

  it('says which sections are not complete, then shows the overview', async () => {
    const { capability } = setUp();
    const turn = await press(capability, ASSESSMENT_VERBS.review, 'practiceLead');
    expect(turn.texts()[0]).toBe(
      `Before you can submit, complete: ${q.sections.map((s, i) => `section ${i + 1} (${s.title})`).join(', ')}.`,
    );
    expect(turn.sent[1]).toMatchObject({ fallbackText: 'Self-assessment progress' });
  });

  it('submits a complete assessment and shows the critique', async () => {
    const { capability, store } = setUp();
    completeAll(store);
    const turn = await press(capability, ASSESSMENT_VERBS.submit, 'practiceLead');
    expect(turn.sent).toEqual([expect.objectContaining({ fallbackText: 'Your self-assessment critique' })]);
    expect(await store.submission(RIVERSIDE, q.year)).toMatchObject({ status: 'submitted', submittedBy: 'Pat Lead' });
  });

  it('asks to try again when a lead reopened the submission while it was being submitted (a 412)', async () => {
    const { capability, store } = setUp();
    completeAll(store);
    store.beforeNextWrite = (s) =>
      s.put<SubmissionDoc>({
        id: String(q.year),
        type: 'submission',
        practiceCode: RIVERSIDE,
        year: q.year,
        status: 'reopened',
        reopenedAt: NOW.toISOString(),
      });
    const turn = await press(capability, ASSESSMENT_VERBS.submit, 'practiceLead');
    expect(turn.texts()).toEqual(['The assessment changed while you were submitting. Please try again.']);
  });
});

describe('what safeguarding leads see', () => {
  test.each([
    ['reopen assessment', undefined, 'Tell me which practice, for example: reopen assessment C87001'],
    ['reopen assessment Riverside', 'Riverside', 'Tell me which practice, for example: reopen assessment C87001'],
    [
      'reopen assessment please y90002 now',
      'please y90002 now',
      'Hillside Surgery (example) has not submitted this year’s self-assessment, so there is nothing to reopen.',
    ],
  ])('%p', async (text, args, reply) => {
    const { capability } = setUp();
    const turn = await say(capability, 'reopen assessment', 'lead', text);
    expect(turn.args).toBe(args);
    expect(turn.texts()).toEqual([reply]);
  });

  it('reopens a submission, finding the ODS code anywhere after the command', async () => {
    const { capability, store, audit } = setUp();
    store.put<SubmissionDoc>({
      id: String(q.year),
      type: 'submission',
      practiceCode: RIVERSIDE,
      year: q.year,
      status: 'submitted',
    });
    const turn = await say(capability, 'reopen assessment', 'lead', 'reopen assessment for y90001 please');
    expect(turn.texts()).toEqual([
      'Reopened the self-assessment for Riverside Medical Centre (example). Its practice leads can now change their answers and submit again.',
    ]);
    expect(await store.submission(RIVERSIDE, q.year)).toMatchObject({ status: 'reopened', reopenedBy: 'Lee Lead' });
    expect(audit.notes).toEqual([['assessment.reopened', { practice: RIVERSIDE, year: q.year }]]);
  });

  it('reopens nothing when the submission changed meanwhile (a 412)', async () => {
    const { capability, store, audit } = setUp();
    const submitted = store.put<SubmissionDoc>({
      id: String(q.year),
      type: 'submission',
      practiceCode: RIVERSIDE,
      year: q.year,
      status: 'submitted',
    });
    store.beforeNextWrite = (s) => s.put({ ...submitted, submittedBy: 'Pat Lead' });
    const turn = await say(capability, 'reopen assessment', 'lead', 'reopen assessment Y90001');
    expect(turn.texts()).toEqual(['The submission changed while I was reopening it. Please try again.']);
    expect(audit.notes).toEqual([]);
  });

  it('refuses reopening to anyone else', async () => {
    const { capability } = setUp();
    expect((await say(capability, 'reopen assessment', 'practiceLead', 'reopen assessment Y90001')).texts()).toEqual([
      LEADS_ONLY,
    ]);
  });

  it('has no themes before any practice submits', async () => {
    const { capability } = setUp();
    expect((await say(capability, 'assessment themes', 'lead', 'assessment themes')).texts()).toEqual([
      'No practice has submitted this year’s self-assessment yet, so there are no themes to show.',
    ]);
  });

  it('reminds practice leads once a week', async () => {
    const { capability, notifier } = setUp();
    const firstPress = await press(capability, ASSESSMENT_VERBS.remind, 'lead');
    expect(firstPress.texts()[0]).toMatch(
      /^Reminded 1 practice lead in 1 practice: Pat Lead \(Riverside Medical Centre \(example\)\)\. 5 practices have no practice lead in the staff list: /,
    );
    expect(notifier.sent.map((s) => s.to)).toEqual(['oid-p1']);
    const again = await press(capability, ASSESSMENT_VERBS.remind, 'lead');
    expect(again.texts()[0]).toContain(
      '1 practice was reminded in the last 7 days, so not again: Riverside Medical Centre (example).',
    );
    expect(notifier.sent).toHaveLength(1);
  });
});
