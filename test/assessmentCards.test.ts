/**
 * @jest-environment jsdom
 */
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import {
  critiqueReply,
  overviewReply,
  reviewReply,
  sectionReply,
  statusReply,
  themesReply,
} from '../src/assessment/cards';
import { loadAssessmentContent } from '../src/assessment/content';
import { critique, type Answer } from '../src/assessment/scoring';
import type { Reply } from '../src/chat/types';
import { cardProblems } from './helpers/cards';

/** Every self-assessment card built from fixture data, without the bot, and checked by the Adaptive Cards library. */
const content = loadAssessmentContent(path.join(projectRoot(), 'content'));
const q = content.current;
const practice = content.practices[0]!;
const answers: Record<string, Answer> = Object.fromEntries(
  q.sections.flatMap((s, i) =>
    s.standards.map(
      (st, j) =>
        [
          st.id,
          i === 1 && j === 0
            ? {
                answer: 'partially-met',
                evidence: 'Half the staff',
                action: 'Book the rest',
                owner: 'Practice manager',
                targetDate: '2027-01-31',
              }
            : { answer: 'met', evidence: 'Policy v3' },
        ] as const,
    ),
  ),
);
const submission = {
  id: String(q.year),
  type: 'submission' as const,
  practiceCode: practice.code,
  year: q.year,
  status: 'submitted' as const,
  submittedAt: '2026-11-23T09:00:00Z',
  critique: critique(q, answers),
};
const states = q.sections.map((s, i) => ({
  id: s.id,
  number: i + 1,
  title: s.title,
  complete: i < 3,
  saved: i < 4,
  state: i < 3 ? 'Complete' : i < 4 ? 'Started' : 'Not started',
}));
const section = q.sections[0]!;
const saved = {
  id: `${q.year}.${section.id}`,
  type: 'section' as const,
  practiceCode: practice.code,
  year: q.year,
  sectionId: section.id,
  answers,
  savedBy: 'Pat Lead',
  savedAt: '2026-11-22T15:00:00Z',
  _etag: '"7"',
};

const cardOf = (reply: Reply) => ('card' in reply ? reply.card : {});

describe('self-assessment cards', () => {
  test.each<[string, () => Record<string, unknown>]>([
    [
      'assessment/overview, in progress',
      () =>
        cardOf(
          overviewReply(
            q,
            `${practice.name} (${practice.code})`,
            states,
            'Everyone who leads on safeguarding in your practice works on the same draft.',
          ),
        ),
    ],
    [
      'assessment/overview, every section complete',
      () =>
        cardOf(
          overviewReply(
            q,
            practice.name,
            states.map((s) => ({ ...s, complete: true, state: 'Complete' })),
            'Reopened.',
          ),
        ),
    ],
    ['assessment/section, never saved', () => cardOf(sectionReply(q, section.id, undefined))],
    ['assessment/section, saved', () => cardOf(sectionReply(q, q.sections[q.sections.length - 1]!.id, saved))],
    [
      'assessment/section, refused',
      () =>
        cardOf(
          sectionReply(q, section.id, undefined, {
            typed: answers,
            etag: '"7"',
            problems: ['Standard 1, the evidence box: Evidence can be at most 1,000 characters.'],
          }),
        ),
    ],
    ['assessment/review', () => cardOf(reviewReply(q, `${practice.name} (${practice.code})`, answers))],
    ['assessment/critique', () => cardOf(critiqueReply(practice, submission))],
    [
      'assessment/status',
      () =>
        cardOf(
          statusReply(
            q,
            content.practices.map((p, i) => ({
              title: `${p.name} (${p.code})`,
              value: ['Submitted', 'In progress', 'Not started'][i % 3]!,
            })),
            content.practices.length,
          ),
        ),
    ],
    [
      'assessment/themes',
      () => cardOf(themesReply(q, 3, [{ standard: 'A named lead', section: 'Leadership', notMet: 1, partial: 1 }])),
    ],
  ])('%s', (_name, build) => {
    const card = build();
    expect(JSON.stringify(card)).not.toContain('${');
    expect(cardProblems(card)).toEqual([]);
  });
});
