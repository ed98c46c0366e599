import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { REFERRAL_VERBS } from '../src/referral';
import {
  areaPickerCard,
  audienceCard,
  choicesCard,
  dangerCard,
  followUpCard,
  homeAreaCard,
  kindsCard,
  madeCard,
  outOfAreaCard,
  routeCard,
  whoCard,
} from '../src/referral/cards';
import { loadReferralContent } from '../src/referral/content';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';

/** Every referral card built from the shipped content, without starting the bot, and checked by the Adaptive Cards library. */
const content = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
const route = content.routes.find((r) => r.followUp)!;
const home = content.pathway.homeAreas[0];
const away = content.areas.areas.find((a) => !content.pathway.homeAreas.some((h) => h.councilAreas.includes(a.name)))!;
const mash = content.contacts.get('mash')!;

const verbsIn = (node: unknown): string[] =>
  Array.isArray(node)
    ? node.flatMap(verbsIn)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([k, v]) => (k === 'verb' && typeof v === 'string' ? [v] : verbsIn(v)))
      : [];

const cards: [string, Record<string, unknown>, string][] = [
  ['danger', dangerCard(content), content.pathway.immediateDanger],
  ['who', whoCard(content), 'Who are you worried about?'],
  ['kinds (child)', kindsCard(content, 'child', home), 'What is your concern about?'],
  ['kinds (adult)', kindsCard(content, 'adult', home), 'What is your concern about?'],
  ['route', routeCard(content, route, 'child', home), route.title],
  ['route (no audience)', routeCard(content, route), route.title],
  ['choices', choicesCard(content, content.routes.slice(0, 3), 'child', home), 'Which of these fits best?'],
  [
    'audience',
    audienceCard(
      content,
      [
        { audience: 'child', route },
        { audience: 'adult', route: content.routes.find((r) => r.audiences.includes('adult'))! },
      ],
      home,
    ),
    'Is this about a child or an adult?',
  ],
  ['home area', homeAreaCard(content, { step: 'route', route, audience: 'child' }), 'Where does the person live?'],
  ['area picker', areaPickerCard(content, 'adult'), 'They live somewhere else in England'],
  ['out of area', outOfAreaCard(content, away, 'child', route), `Someone who lives in ${away.name}`],
  ['made', madeCard(route), `You made a referral: ${route.title}`],
  [
    'follow-up',
    followUpCard({
      heading: 'Reminder set',
      message: 'I will remind you.',
      referralId: '00000000-0000-4000-8000-000000000000',
      route,
      madeAt: new Date('2026-03-02T10:00:00Z'),
      reference: 'LOG-1',
      contact: mash,
    }),
    'Reminder set',
  ],
];

describe('referral cards', () => {
  test.each(cards)('%s is a valid card', (_name, card, says) => {
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(says);
  });

  test.each(cards)('%s carries only declared verbs', (_name, card) => {
    for (const verb of verbsIn(card)) expect(Object.values(REFERRAL_VERBS)).toContain(verb);
  });

  const journeyCards = cards.filter(
    ([name]) => !['who', 'kinds (child)', 'kinds (adult)', 'made', 'follow-up'].includes(name),
  );
  test.each(journeyCards)('%s puts the immediate-danger line first', (_name, card) => {
    expect(JSON.stringify((card.body as unknown[])[0])).toContain(content.pathway.immediateDanger);
  });
});
