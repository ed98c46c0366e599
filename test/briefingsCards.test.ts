import {
  audienceCard,
  briefingCard,
  confirmCard,
  editCard,
  listCard,
  progressReply,
  RecipientCard,
  rescheduleCard,
  rescheduleConfirmCard,
  reportCard,
  scheduleCard,
} from '../src/briefings/cards';
import type { BriefingDoc, DeliveryDoc } from '../src/briefings/store';
import { BRIEFINGS_VERBS as V } from '../src/briefings/verbs';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';
import { LIBRARY } from './helpers/briefingsFakes';

/** Every briefings card built from fixture data, without the bot, and checked by the Adaptive Cards library. */
const { id: _id, version: _v, reviewDue: _r, sources: _s, ...content } = LIBRARY.find((b) => b.id === 'fgm')!;
const briefing: BriefingDoc = {
  id: 'b1',
  type: 'briefing',
  status: 'sending',
  content,
  version: 3,
  author: { aadObjectId: 'lead', name: 'Lee Lead' },
  createdAt: '2026-11-20T09:00:00.000Z',
  updatedAt: '2026-11-20T09:00:00.000Z',
};
const delivery: DeliveryDoc = {
  id: 'alice',
  briefingId: 'b1',
  type: 'delivery',
  recipient: { aadObjectId: 'alice', employeeId: 'A1', name: 'Alice Adams', team: 'Continuing Care' },
  state: 'queued',
  attempts: 0,
  nextAttemptAt: '2026-11-20T09:00:00.000Z',
};
const counts = {
  total: 6,
  queued: 1,
  delivered: 3,
  failed: { blocked: 1, 'no-chat': 1 },
  failedTotal: 2,
  seen: 2,
  acknowledged: 1,
};
const facts = [{ title: 'Delivered', value: '3' }];

const cards: [string, Record<string, unknown>, string][] = [
  [
    'a briefing to read, with "I\'ve read this" and a lead\'s button',
    briefingCard(content, {
      ack: { briefingId: 'b1', deliveryId: 'alice' },
      footer: 'From Lee Lead',
      extraActions: [{ title: 'See who has read it', data: { verb: V.report, briefingId: 'b1' } }],
    }),
    'Female genital mutilation',
  ],
  [
    'a briefing acknowledged',
    briefingCard(content, { acknowledgedAt: '2026-11-23T09:00:00.000Z' }),
    'You confirmed you read this on Monday 23 November 2026 at 09:00.',
  ],
  [
    'the list with its search box',
    listCard({
      heading: '7-minute briefings',
      intro: 'Recent briefings first',
      showSearch: true,
      query: 'fgm',
      items: [{ title: 'FGM', subtitle: 'Library', button: 'Open', data: { verb: V.open, ref: 'library:fgm' } }],
      empty: '',
      leadActions: [{ title: 'Write a new briefing', data: { verb: V.new } }],
    }),
    'Write a new briefing',
  ],
  [
    'an empty list',
    listCard({
      heading: 'Briefing reports',
      intro: 'No briefing has been sent yet.',
      showSearch: false,
      query: '',
      items: [],
      empty: 'Nothing here.',
      leadActions: [],
    }),
    'Nothing here.',
  ],
  [
    'the edit card with a problem',
    editCard({
      heading: 'Edit: FGM',
      problems: 'Please fix: Title: must not be empty.',
      draftId: 'b1',
      title: '',
      tags: 'children',
      background: 'b',
      whyItMatters: 'w',
      keyPoints: 'a\nb\nc',
      remember: 'r',
      whatToDo: 'd',
      reflection: 'q',
      links: 'GOV.UK | https://www.gov.uk',
    }),
    'Please fix: Title: must not be empty.',
  ],
  [
    'the audience card',
    audienceCard({
      title: 'FGM',
      draftId: 'b1',
      problems: 'Choose at least one team.',
      kind: 'teams',
      teams: [{ title: 'Finance', value: 'Finance' }],
      groups: [{ title: 'Clinical staff', value: 'clinical' }],
      practices: [{ title: 'Riverside (Y90001)', value: 'Y90001' }],
      teamsValue: 'Finance',
      groupsValue: '',
      practicesValue: '',
    }),
    'Choose at least one team.',
  ],
  [
    'send or schedule',
    confirmCard({
      title: 'FGM',
      draftId: 'b1',
      problems: '',
      audienceLabel: 'everyone in the staff list',
      peopleLabel: '9 people',
      unreachableLabel: 'none',
      date: '2026-11-23',
      time: '10:00',
    }),
    'Send now to 9 people',
  ],
  [
    'the time in words',
    scheduleCard({
      title: 'FGM',
      draftId: 'b1',
      whenLabel: 'Tuesday 24 November 2026 at 10:15',
      peopleLabel: '2 people',
      audienceLabel: 'teams: Finance',
      date: '2026-11-24',
      time: '10:15',
    }),
    'Yes, schedule it',
  ],
  [
    'a new time',
    rescheduleCard({
      title: 'FGM',
      problems: 'That time has already passed. Choose a later time.',
      whenLabel: 'Tuesday 24 November 2026 at 10:15',
      peopleLabel: '2 people',
      date: '2026-11-24',
      time: '10:15',
      briefingId: 'b1',
      sendAt: '2026-11-24T10:15:00.000Z',
    }),
    'Keep it as it is',
  ],
  [
    'the new time in words',
    rescheduleConfirmCard({
      title: 'FGM',
      peopleLabel: '2 people',
      whenLabel: 'Tuesday 1 June 2027 at 14:00',
      fromLabel: 'Tuesday 24 November 2026 at 10:15',
      briefingId: 'b1',
      sendAt: '2026-11-24T10:15:00.000Z',
      date: '2027-06-01',
      time: '14:00',
    }),
    'Yes, change the time',
  ],
  [
    'progress while sending',
    (progressReply(briefing, counts, false) as { card: Record<string, unknown> }).card,
    'Sending 5 of 6…',
  ],
  [
    'progress when done',
    (progressReply(briefing, { ...counts, queued: 0 }, true) as { card: Record<string, unknown> }).card,
    'Finished: delivered to 3 of 6 people.',
  ],
  [
    'the report',
    reportCard({
      title: 'FGM',
      briefingId: 'b1',
      subtitle: 'Sent by Lee Lead',
      facts,
      teams: [{ title: 'Finance', value: '1 of 3 acknowledged (33%)' }],
      pending: 'Alice Adams (Finance).',
      notReached: 'Dev Dean (Finance): blocked the bot.',
      canRemind: true,
    }),
    "Remind those who haven't read it",
  ],
];

describe('briefings cards', () => {
  test.each(cards)('%s is a valid card', (_what, card, text) => {
    expect(cardProblems(card)).toEqual([]);
    expect(cardText(card)).toContain(text);
  });

  test("the recipients' card is rendered once per briefing version, with each person's own delivery on the button", () => {
    const recipient = new RecipientCard();
    const alice = recipient.reply(briefing, delivery);
    const ben = recipient.reply(briefing, { ...delivery, id: 'ben' });
    for (const r of [alice, ben]) expect(cardProblems((r as { card: Record<string, unknown> }).card)).toEqual([]);
    expect(JSON.stringify(alice)).toContain('"deliveryId":"alice"');
    expect(JSON.stringify(ben)).toContain('"deliveryId":"ben"');
    expect(JSON.stringify(ben)).not.toContain('alice');
    expect(alice).toMatchObject({ fallbackText: `7-minute briefing: ${content.title}` });
  });
});
