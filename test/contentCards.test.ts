import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { CONTENT_VERBS } from '../src/content';
import {
  contactsCard,
  editContactCard,
  editRouteCard,
  historyCard,
  proposalCard,
  reviewCard,
  routesCard,
} from '../src/content/cards';
import type { RawRoute } from '../src/content/routeEdit';
import type { ContentProposal, ContentVersion } from '../src/content/store';
import { loadReferralContent } from '../src/referral/content';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';

/** Every content card built from fixture data, without starting the bot, and checked by the Adaptive Cards library. */
const content = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
const mash = content.contacts.get('mash')!;
const raw = (content.files.routes as { routes: RawRoute[] }).routes.find((r) => r.followUp)!;
const proposal: ContentProposal = {
  id: 'referral:p:1',
  set: 'referral',
  kind: 'proposal',
  status: 'proposed',
  basedOn: 3,
  body: {},
  changes: [{ text: 'MASH telephone: 01709 336080 → 01709 336081', phoneChanged: true }],
  proposedBy: 'a',
  proposedByName: 'Sam Lead',
  proposedAt: '2026-03-02T10:00:00.000Z',
  phoneConfirmed: true,
};
const version = (n: number, extra: Partial<ContentVersion> = {}): ContentVersion => ({
  id: `referral:v${n}`,
  set: 'referral',
  kind: 'version',
  version: n,
  body: {},
  proposedBy: n === 1 ? 'content files' : 'a',
  proposedByName: 'Sam Lead',
  approvedBy: n === 1 ? 'content files' : 'b',
  approvedByName: 'Alex Lead',
  approvedAt: `2026-0${n}-01T09:00:00.000Z`,
  changes: [{ text: n === 1 ? 'First version, from the files in content/' : `Change ${n}` }],
  ...extra,
});

const verbsIn = (node: unknown): string[] =>
  Array.isArray(node)
    ? node.flatMap(verbsIn)
    : node && typeof node === 'object'
      ? Object.entries(node).flatMap(([k, v]) => (k === 'verb' && typeof v === 'string' ? [v] : verbsIn(v)))
      : [];

const cards: [string, Record<string, unknown>, string][] = [
  ['contacts', contactsCard(content, 3), 'Live version 3.'],
  [
    'edit contact',
    editContactCard(mash, 3, { phone: '01709 000001' }, 'A new telephone number must be checked.'),
    `Change: ${mash.name}`,
  ],
  ['routes', routesCard(content, 3), 'Edit a route'],
  ['edit route', editRouteCard(content, 3, raw, undefined), `Change: ${raw.title}`],
  [
    'edit route, more boxes',
    editRouteCard(
      content,
      3,
      raw,
      {
        steps: ['One', ''],
        contacts: [{ contact: 'mash', why: 'Because' }],
        followContact: '',
        followHours: '',
        followMessage: '',
      },
      'Nothing has changed yet.',
      3,
    ),
    'Nothing has changed yet.',
  ],
  [
    'proposal to decide',
    proposalCard(proposal, true, 'the referral content'),
    'A change to the referral content needs your approval',
  ],
  ['proposal as proposed', proposalCard(proposal, false, 'the referral content'), 'Change proposed'],
  [
    'history',
    historyCard('Referral content history', 'referral', [version(2, { phoneConfirmed: true }), version(1)], 2),
    'Version 2 (live)',
  ],
  [
    'review',
    reviewCard(
      [
        { item: { kind: 'route', id: raw.id, title: raw.title, due: '2026-02-01' }, mine: true },
        { item: { kind: 'contact', id: 'mash', title: mash.name, due: '2026-03-20' }, mine: false },
        { item: { kind: 'contact', id: 'local', title: 'Local team', due: '2026-03-02', missing: true }, mine: false },
      ],
      '2026-03-02',
      30,
    ),
    'Referral content to review this month',
  ],
];

describe('content cards', () => {
  test.each(cards)('%s is a valid card', (_name, card, says) => {
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(says);
  });

  test.each(cards)('%s carries only declared verbs', (_name, card) => {
    for (const verb of verbsIn(card)) expect(Object.values(CONTENT_VERBS)).toContain(verb);
  });

  it('the history offers every version but the live one again', () => {
    const card = historyCard('Referral content history', 'referral', [version(3), version(2), version(1)], 2);
    expect(verbsIn(card)).toEqual([CONTENT_VERBS.rollback, CONTENT_VERBS.rollback]);
  });

  it('a proposal shown to its proposer has no buttons', () => {
    expect(verbsIn(proposalCard(proposal, false, 'the referral content'))).toEqual([]);
  });
});
