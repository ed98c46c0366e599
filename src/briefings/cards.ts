import { renderCard } from '../cards/render';
import type { Reply } from '../chat/types';
import type { BriefingContent } from './content';
import type { DeliveryCounts } from './engine';
import { ukLabel } from './schedule';
import { FAILURE_LABELS, type BriefingDoc, type FailureReason } from './store';

export interface CardButton {
  title: string;
  data: Record<string, unknown>;
}

const bullets = (items: string[]) => items.map((text) => ({ text: `• ${text}` }));

/** A briefing as staff read it: background open, the other parts behind show/hide buttons. */
export function briefingCard(
  content: BriefingContent,
  opts: { ack?: { briefingId: string; deliveryId: string }; acknowledgedAt?: string; footer?: string; extraActions?: CardButton[] } = {},
): Record<string, unknown> {
  const sections = [
    { id: 'why', heading: 'Why it matters', lines: [{ text: content.whyItMatters }] },
    { id: 'key', heading: 'Three key points', lines: content.keyPoints.map((text, i) => ({ text: `${i + 1}. ${text}` })) },
    { id: 'remember', heading: 'Things to remember', lines: bullets(content.remember) },
    { id: 'todo', heading: 'What to do', lines: bullets(content.whatToDo) },
    { id: 'reflect', heading: 'Questions for reflection', lines: bullets(content.reflection) },
    ...(content.furtherInformation.length ? [{ id: 'more', heading: 'Further information', lines: content.furtherInformation.map((l) => ({ text: `[${l.title}](${l.url})` })) }] : []),
  ];
  return renderCard('briefings/briefing', {
    title: content.title,
    tagsLine: content.tags.join(' · '),
    background: content.background,
    sections,
    ack: opts.ack ? { show: true, ...opts.ack } : { show: false, briefingId: '', deliveryId: '' },
    acknowledged: opts.acknowledgedAt ? `✓ You confirmed you read this on ${ukLabel(new Date(opts.acknowledgedAt))}.` : '',
    footer: opts.footer ?? '',
    extraActions: opts.extraActions ?? [],
  });
}

/** Plain text for notifications and clients that cannot show cards. */
export function briefingSummary(content: BriefingContent): string {
  return `7-minute briefing: ${content.title}`;
}

export function progressReply(briefing: BriefingDoc, counts: DeliveryCounts, done: boolean): Reply {
  const attempted = counts.delivered + counts.failedTotal;
  const byReason = (Object.entries(counts.failed) as [FailureReason, number][]).map(([reason, n]) => ({ title: `Not delivered: ${FAILURE_LABELS[reason]}`, value: n.toLocaleString('en-GB') }));
  const failedFacts = byReason.length || !counts.failedTotal ? byReason : [{ title: 'Not delivered (reasons at the end)', value: counts.failedTotal.toLocaleString('en-GB') }];
  const statusLine = done
    ? `Finished: delivered to ${counts.delivered.toLocaleString('en-GB')} of ${counts.total.toLocaleString('en-GB')} people.`
    : `Sending ${attempted.toLocaleString('en-GB')} of ${counts.total.toLocaleString('en-GB')}…`;
  return {
    card: renderCard('briefings/progress', {
      title: `Briefing: ${briefing.content.title}`,
      statusLine,
      // Green only when it reached everyone: "delivered to 1 of 6 people" is a warning.
      statusColour: done ? (counts.delivered === counts.total ? 'Good' : 'Warning') : 'Accent',
      briefingId: briefing.id,
      facts: [
        { title: 'Delivered', value: counts.delivered.toLocaleString('en-GB') },
        ...failedFacts,
        ...(done ? [] : [{ title: 'Still to send', value: counts.queued.toLocaleString('en-GB') }]),
        { title: 'Acknowledged', value: `${counts.acknowledged.toLocaleString('en-GB')} (${percent(counts.acknowledged, counts.delivered)})` },
      ],
    }),
    fallbackText: statusLine,
  };
}

export function percent(n: number, of: number): string {
  return of === 0 ? '0%' : `${Math.round((n / of) * 100)}%`;
}
