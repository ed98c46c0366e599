import { md } from '../cards/markdown';
import { card, type Fact, type Choice } from '../cards/render';
import type { Reply } from '../chat/types';
import type { BriefingContent } from './content';
import type { DeliveryCounts } from './progress';
import { ukLabel } from './schedule';
import { FAILURE_LABELS, type BriefingDoc, type DeliveryDoc, type FailureReason } from './store';

/**
 * Every card of the briefings capability: the templates under cards/briefings/, each declared with
 * the data it reads, and the functions that build them. The data are type aliases, not interfaces:
 * `card()` passes them on as Record<string, unknown>, which an interface does not convert to.
 */
export interface CardButton {
  title: string;
  data: Record<string, unknown>;
}

/** A briefing as staff read it (briefing.json). */
export type BriefingCardData = {
  title: string;
  tagsLine: string;
  background: string;
  /** The parts behind show/hide buttons: `id` names the container the button toggles. */
  sections: { id: string; heading: string; lines: { text: string }[] }[];
  /** The "I've read this" button (Action.Execute), when `show`. */
  ack: { show: boolean; briefingId: string; deliveryId: string };
  acknowledged: string;
  footer: string;
  extraActions: CardButton[];
};

/** The briefings list, a search result, a lead's drafts or the reports (list.json). */
export type ListCardData = {
  heading: string;
  intro: string;
  showSearch: boolean;
  query: string;
  items: { title: string; subtitle: string; button: string; data: Record<string, unknown> }[];
  empty: string;
  leadActions: CardButton[];
};

/** Writing or editing a briefing: each box holds what the lead typed (edit.json). */
export type EditCardData = {
  heading: string;
  problems: string;
  draftId: string;
  title: string;
  tags: string;
  background: string;
  whyItMatters: string;
  keyPoints: string;
  remember: string;
  whatToDo: string;
  reflection: string;
  links: string;
};

/** Who should get it (audience.json); the `…Value` fields are the comma-separated choices made. */
export type AudienceCardData = {
  title: string;
  draftId: string;
  problems: string;
  kind: string;
  teams: Choice[];
  groups: Choice[];
  practices: Choice[];
  teamsValue: string;
  groupsValue: string;
  practicesValue: string;
};

/** Send now or schedule (confirm.json). */
export type ConfirmCardData = {
  title: string;
  draftId: string;
  problems: string;
  audienceLabel: string;
  peopleLabel: string;
  unreachableLabel: string;
  date: string;
  time: string;
};

/** The time in words, before anything is scheduled (schedule.json). */
export type ScheduleCardData = {
  title: string;
  draftId: string;
  whenLabel: string;
  peopleLabel: string;
  audienceLabel: string;
  date: string;
  time: string;
};

/** A new time for a scheduled briefing (reschedule.json); `sendAt` is the time the card was shown with. */
export type RescheduleCardData = {
  title: string;
  problems: string;
  whenLabel: string;
  peopleLabel: string;
  date: string;
  time: string;
  briefingId: string;
  sendAt: string;
};

/** The new time in words, before it changes (rescheduleConfirm.json). */
export type RescheduleConfirmCardData = {
  title: string;
  peopleLabel: string;
  whenLabel: string;
  fromLabel: string;
  briefingId: string;
  sendAt: string;
  date: string;
  time: string;
};

/** The author's progress card, updated in place (progress.json). */
export type ProgressCardData = {
  title: string;
  statusLine: string;
  /** An Adaptive Card colour: Good, Warning or Accent. */
  statusColour: string;
  briefingId: string;
  facts: Fact[];
};

/** Who has read a briefing (report.json). */
export type ReportCardData = {
  title: string;
  briefingId: string;
  subtitle: string;
  facts: Fact[];
  teams: Fact[];
  pending: string;
  notReached: string;
  canRemind: boolean;
};

declare module '../cards/render' {
  interface CardTemplates {
    'briefings/briefing': BriefingCardData;
    'briefings/list': ListCardData;
    'briefings/edit': EditCardData;
    'briefings/audience': AudienceCardData;
    'briefings/confirm': ConfirmCardData;
    'briefings/schedule': ScheduleCardData;
    'briefings/reschedule': RescheduleCardData;
    'briefings/rescheduleConfirm': RescheduleConfirmCardData;
    'briefings/progress': ProgressCardData;
    'briefings/report': ReportCardData;
  }
}

const bullets = (items: string[]) => items.map((text) => ({ text: `• ${text}` }));

/** A briefing as staff read it: background open, the other parts behind show/hide buttons. */
export function briefingCard(
  content: BriefingContent,
  opts: {
    ack?: { briefingId: string; deliveryId: string };
    acknowledgedAt?: string;
    footer?: string;
    extraActions?: CardButton[];
  } = {},
): Record<string, unknown> {
  const sections = [
    { id: 'why', heading: 'Why it matters', lines: [{ text: content.whyItMatters }] },
    {
      id: 'key',
      heading: 'Three key points',
      lines: content.keyPoints.map((text, i) => ({ text: `${i + 1}. ${text}` })),
    },
    { id: 'remember', heading: 'Things to remember', lines: bullets(content.remember) },
    { id: 'todo', heading: 'What to do', lines: bullets(content.whatToDo) },
    { id: 'reflect', heading: 'Questions for reflection', lines: bullets(content.reflection) },
    ...(content.furtherInformation.length
      ? [
          {
            id: 'more',
            heading: 'Further information',
            lines: content.furtherInformation.map((l) => ({ text: `[${l.title}](${l.url})` })),
          },
        ]
      : []),
  ];
  return card('briefings/briefing', {
    title: content.title,
    tagsLine: content.tags.join(' · '),
    background: content.background,
    sections,
    ack: opts.ack ? { show: true, ...opts.ack } : { show: false, briefingId: '', deliveryId: '' },
    acknowledged: opts.acknowledgedAt
      ? `✓ You confirmed you read this on ${ukLabel(new Date(opts.acknowledgedAt))}.`
      : '',
    footer: opts.footer ?? '',
    extraActions: opts.extraActions ?? [],
  });
}

/** Plain text for notifications and clients that cannot show cards. */
export function briefingSummary(content: BriefingContent): string {
  return `7-minute briefing: ${content.title}`;
}

const DELIVERY_PLACEHOLDER = '@@delivery-id@@';

/**
 * The card each recipient gets, with their own "I've read this": rendered once per briefing
 * version, then only the delivery id differs (a broadcast to 10,000 people renders it once).
 */
export class RecipientCard {
  private renderedFor?: { key: string; json: string };

  reply(b: BriefingDoc, d: DeliveryDoc): Reply {
    const key = `${b.id}@${b.version}`;
    if (this.renderedFor?.key !== key) {
      const rendered = briefingCard(b.content, {
        ack: { briefingId: b.id, deliveryId: DELIVERY_PLACEHOLDER },
        footer: `From ${md(b.author.name)}, safeguarding team.`,
      });
      this.renderedFor = { key, json: JSON.stringify(rendered) };
    }
    return {
      card: JSON.parse(this.renderedFor.json.replace(DELIVERY_PLACEHOLDER, d.id)) as Record<string, unknown>,
      fallbackText: briefingSummary(b.content),
    };
  }
}

export function progressReply(briefing: BriefingDoc, counts: DeliveryCounts, done: boolean): Reply {
  const attempted = counts.delivered + counts.failedTotal;
  const byReason = (Object.entries(counts.failed) as [FailureReason, number][]).map(([reason, n]) => ({
    title: `Not delivered: ${FAILURE_LABELS[reason]}`,
    value: n.toLocaleString('en-GB'),
  }));
  const failedFacts =
    byReason.length || !counts.failedTotal
      ? byReason
      : [{ title: 'Not delivered (reasons at the end)', value: counts.failedTotal.toLocaleString('en-GB') }];
  const statusLine = done
    ? `Finished: delivered to ${counts.delivered.toLocaleString('en-GB')} of ${counts.total.toLocaleString('en-GB')} people.`
    : `Sending ${attempted.toLocaleString('en-GB')} of ${counts.total.toLocaleString('en-GB')}…`;
  return {
    card: card('briefings/progress', {
      title: `Briefing: ${briefing.content.title}`,
      statusLine,
      // Green only when it reached everyone: "delivered to 1 of 6 people" is a warning.
      statusColour: done ? (counts.delivered === counts.total ? 'Good' : 'Warning') : 'Accent',
      briefingId: briefing.id,
      facts: [
        { title: 'Delivered', value: counts.delivered.toLocaleString('en-GB') },
        ...failedFacts,
        ...(done ? [] : [{ title: 'Still to send', value: counts.queued.toLocaleString('en-GB') }]),
        {
          title: 'Acknowledged',
          value: `${counts.acknowledged.toLocaleString('en-GB')} (${percent(counts.acknowledged, counts.delivered)})`,
        },
      ],
    }),
    fallbackText: statusLine,
  };
}

export function percent(n: number, of: number): string {
  return of === 0 ? '0%' : `${Math.round((n / of) * 100)}%`;
}

export const listCard = (data: ListCardData) => card('briefings/list', data);
export const editCard = (data: EditCardData) => card('briefings/edit', data);
export const audienceCard = (data: AudienceCardData) => card('briefings/audience', data);
export const confirmCard = (data: ConfirmCardData) => card('briefings/confirm', data);
export const scheduleCard = (data: ScheduleCardData) => card('briefings/schedule', data);
export const rescheduleCard = (data: RescheduleCardData) => card('briefings/reschedule', data);
export const rescheduleConfirmCard = (data: RescheduleConfirmCardData) => card('briefings/rescheduleConfirm', data);
export const reportCard = (data: ReportCardData) => card('briefings/report', data);
