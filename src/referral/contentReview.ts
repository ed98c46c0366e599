import type { ChatTurn } from '../chat/types';
import { can } from '../people/roles';
import { formatDate } from './cards';
import { overdueForReview } from './content';
import type { ReferralContext } from './context';

/**
 * `content review` (safeguarding leads): every route and contact past its review date, oldest
 * first, and the local contacts not yet filled in. The monthly cards that ask each owner to check
 * theirs are src/content/review.ts.
 */
export class ReviewList {
  constructor(private readonly ctx: ReferralContext) {}

  async show(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'referral.review')) {
      turn.log.info({ permission: 'referral.review' }, 'refused');
      return turn.send({ text: 'Only safeguarding leads can see the content review list.' });
    }
    const overdue = overdueForReview(this.ctx.content(), this.ctx.now());
    if (overdue.length === 0)
      return turn.send({ text: 'All referral routes and contacts are within their review dates.' });
    // A card: what is past its review date (with the date, in words) apart from what was never filled in.
    const label = (o: (typeof overdue)[number]) => `${o.kind === 'route' ? 'Route' : 'Contact'}: ${o.title}`;
    const late = overdue.filter((o) => !o.missing).sort((a, b) => a.due.localeCompare(b.due));
    const unfinished = overdue.filter((o) => o.missing);
    const section = (heading: string, note: string, rows: { title: string; value: string }[]) =>
      rows.length === 0
        ? []
        : [
            {
              type: 'TextBlock',
              text: `${heading} (${rows.length})`,
              weight: 'Bolder',
              wrap: true,
              spacing: 'Medium',
              separator: true,
            },
            { type: 'TextBlock', text: note, wrap: true, isSubtle: true, size: 'Small', spacing: 'None' },
            ...rows.map((r) => ({
              type: 'ColumnSet',
              spacing: 'Small',
              columns: [
                { type: 'Column', width: 'stretch', items: [{ type: 'TextBlock', text: r.title, wrap: true }] },
                {
                  type: 'Column',
                  width: 'auto',
                  items: [{ type: 'TextBlock', text: r.value, wrap: true, color: 'Attention', size: 'Small' }],
                },
              ],
            })),
          ];
    const card = {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [
        {
          type: 'TextBlock',
          text: 'Referral content to review',
          size: 'Large',
          weight: 'Bolder',
          wrap: true,
          style: 'heading',
        },
        {
          type: 'TextBlock',
          text: `${late.length} past the review date, ${unfinished.length} not yet filled in. Staff still see these; check them against the source and update the content.`,
          wrap: true,
          isSubtle: true,
        },
        ...section(
          'Review overdue',
          'Oldest first.',
          late.map((o) => ({ title: label(o), value: `(review overdue since ${formatDate(o.due)})` })),
        ),
        ...section(
          'Not yet filled in',
          'Staff are shown the MASH, SPA and 999/101 instead until these are added.',
          unfinished.map((o) => ({ title: label(o), value: 'Not filled in' })),
        ),
      ],
    };
    await turn.send({
      card,
      fallbackText: `Content to review: ${late.length} overdue, ${unfinished.length} not yet filled in`,
    });
  }
}
