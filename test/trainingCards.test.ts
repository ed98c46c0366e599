/**
 * @jest-environment jsdom
 */
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import type { Reply } from '../src/chat/types';
import { confirmReply, mineReply, organisationReply, recordCard, teamReply } from '../src/training/cards';
import { emptyCounts, summarise, withPercents } from '../src/training/compliance';
import type { CompletionEntry } from '../src/training/record';
import { loadTrainingRules, personStatus } from '../src/training/rules';
import { cardProblems } from './helpers/cards';
import { person } from './helpers/trainingFakes';

/** Every training card built from fixture data, without the bot, and checked by the Adaptive Cards library. */
const rules = loadTrainingRules(path.join(projectRoot(), 'content', 'training', 'rules.json'));
const TODAY = '2026-11-23';
const course = (over: Partial<CompletionEntry> = {}): CompletionEntry => ({
  subject: 'children',
  level: 3,
  completedOn: '2026-01-10',
  hours: 12,
  provider: 'eLfH',
  source: 'import',
  confirmed: true,
  importedAt: '2026-01-11T09:00:00Z',
  ...over,
});
const clinical = rules.staffGroups.find((g) => g.id === 'clinical')!;
const people = Array.from({ length: 35 }, (_, i) =>
  person(`P${i}`, `Person ${i}`, 'Continuing Care', { staffGroup: 'clinical' }),
);
const summary = summarise(rules, 'Continuing Care', people, new Map([['P0', [course()]]]), TODAY);
const teams = Array.from({ length: 45 }, (_, i) => withPercents({ ...emptyCounts(`Team ${i}`), people: 3 }));

const cardOf = (reply: Reply) => ('card' in reply ? reply.card : {});

describe('training cards', () => {
  test.each<[string, () => Record<string, unknown>]>([
    [
      'training/mine',
      () =>
        cardOf(
          mineReply(
            'Noor Nurse · Registered clinical staff · Continuing Care',
            personStatus(rules, clinical, [course(), course({ subject: 'adults', level: 2, hours: 1 })], TODAY),
            'Waiting for your manager to confirm (not counted yet): Prevent level 3.',
          ),
        ),
    ],
    [
      'training/mine, nothing recorded',
      () =>
        cardOf(mineReply('Cal Clerk · All staff · Finance', personStatus(rules, rules.staffGroups[0]!, [], TODAY), '')),
    ],
    ['training/team, more than 30 not compliant', () => cardOf(teamReply(summary, 90, TODAY))],
    [
      'training/team, everyone compliant',
      () => cardOf(teamReply(summarise(rules, 'Finance', [], new Map(), TODAY), 90, TODAY)),
    ],
    [
      'training/organisation, more teams than shown',
      () =>
        cardOf(
          organisationReply(
            teams,
            90,
            TODAY,
            "[Download every team's figures (CSV)](https://bot.example/x). The link works until 09:15 (15 minutes).",
          ),
        ),
    ],
    ['training/record, empty', () => recordCard(TODAY)],
    [
      'training/record, with a problem',
      () =>
        recordCard(
          TODAY,
          { subject: 'adults', level: '3', completedOn: '', hours: '2', provider: 'Team day' },
          'Please check: the date is missing.',
        ),
    ],
    [
      'training/confirm',
      () =>
        cardOf(
          confirmReply('Noor Nurse', 'N1', 'a'.repeat(32), [
            { title: 'Subject', value: 'Safeguarding adults' },
            { title: 'Team', value: 'Continuing Care' },
          ]),
        ),
    ],
  ])('%s', (_name, build) => {
    const card = build();
    expect(JSON.stringify(card)).not.toContain('${');
    expect(cardProblems(card)).toEqual([]);
  });
});
