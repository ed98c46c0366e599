import { z } from 'zod';
import { md } from '../cards/markdown';
import type { ChatTurn, ReadReceipt, Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import { can } from '../people/roles';
import { briefingCard, briefingSummary, listCard } from './cards';
import { searchBriefings, type BriefingContent } from './content';
import type { BriefingsContext } from './context';
import { ukLabel } from './schedule';
import { BRIEFINGS_VERBS } from './verbs';

/**
 * Staff read briefings: the list (recent ones first, then the library), a search, one briefing
 * opened, "I've read this", and Teams' read receipts marking briefings seen.
 */
const id = z.string().min(1).max(100);
export const searchSchema = z.object({ query: z.string().max(100).optional() });
export const openSchema = z.object({ ref: z.string().regex(/^(library|sent):[A-Za-z0-9-]{1,100}$/) });
export const ackSchema = z.object({ briefingId: id, deliveryId: id });

export const NOT_UNDERSTOOD_OPEN = 'I could not tell which briefing you meant. Type briefings to see the list.';
export const NOT_UNDERSTOOD_ACK = 'I could not tell which briefing this was. Type briefings to find it.';

export class Reading {
  constructor(private readonly ctx: BriefingsContext) {}

  async list(turn: ChatTurn, query = ''): Promise<void> {
    const isLead = can(turn.principal, 'briefings.send');
    const sent = await this.ctx.store.recentlySent(30);
    const all = [
      ...sent.map((b) => ({
        ref: `sent:${b.id}`,
        content: b.content,
        subtitle: `Sent ${ukLabel(new Date(b.startedAt ?? b.updatedAt))}`,
      })),
      ...this.ctx.library.map((b) => ({
        ref: `library:${b.id}`,
        content: b as BriefingContent,
        subtitle: `Library · ${b.tags.join(', ')}`,
      })),
    ];
    const found = searchBriefings(all, query).slice(0, 12);
    await turn.send({
      card: listCard({
        heading: '7-minute briefings',
        showSearch: true,
        intro: query
          ? `Briefings matching "${query}"`
          : 'Recent briefings first, then the library. Open one to read it.',
        query,
        items: found.map((f) => ({
          title: f.content.title,
          subtitle: f.subtitle,
          button: 'Open',
          data: { verb: BRIEFINGS_VERBS.open, ref: f.ref },
        })),
        empty: found.length ? '' : `No briefing matches "${query}". Try fewer or different words.`,
        leadActions: isLead
          ? [
              { title: 'Write a new briefing', data: { verb: BRIEFINGS_VERBS.new } },
              { title: 'My drafts', data: { verb: 'menu', command: 'briefing drafts' } },
              { title: 'Reports', data: { verb: 'menu', command: 'briefing reports' } },
            ]
          : [],
      }),
      fallbackText: found.map((f) => f.content.title).join('; '),
    });
  }

  async search(turn: ChatTurn, data: z.infer<typeof searchSchema>): Promise<void> {
    await this.list(turn, (data.query ?? '').trim());
  }

  async open(turn: ChatTurn, data: z.infer<typeof openSchema>): Promise<void> {
    const [kind, ref] = data.ref.split(':') as ['library' | 'sent', string];
    const isLead = can(turn.principal, 'briefings.send');
    if (kind === 'library') {
      const item = this.ctx.library.find((b) => b.id === ref);
      if (!item)
        return turn.send({ text: 'That briefing is no longer in the library. Type briefings to see the list.' });
      return turn.send({
        card: briefingCard(item, {
          footer: `Library briefing, version ${item.version}. Sources: ${item.sources.join('; ')}`,
          extraActions: isLead
            ? [{ title: 'Send this briefing', data: { verb: BRIEFINGS_VERBS.start, libraryId: item.id } }]
            : [],
        }),
        fallbackText: briefingSummary(item),
      });
    }
    const briefing = await this.ctx.store.get(ref);
    if (!briefing || (briefing.status !== 'sent' && briefing.status !== 'sending'))
      return turn.send({ text: 'I could not find that briefing. Type briefings to see the list.' });
    const mine = turn.user.aadObjectId ? await this.ctx.store.delivery(briefing.id, turn.user.aadObjectId) : undefined;
    const delivered = mine?.state === 'delivered';
    await turn.send({
      card: briefingCard(briefing.content, {
        ack: delivered && !mine.acknowledgedAt ? { briefingId: briefing.id, deliveryId: mine.id } : undefined,
        acknowledgedAt: mine?.acknowledgedAt,
        footer: `From ${md(briefing.author.name)}, sent ${ukLabel(new Date(briefing.startedAt ?? briefing.updatedAt))}.`,
        extraActions: isLead
          ? [{ title: 'See who has read it', data: { verb: BRIEFINGS_VERBS.report, briefingId: briefing.id } }]
          : [],
      }),
      fallbackText: briefingSummary(briefing.content),
    });
  }

  /** "I've read this": records the acknowledgement and returns the card showing it. */
  async acknowledge(turn: ChatTurn, data: z.infer<typeof ackSchema>): Promise<Reply> {
    const { briefingId, deliveryId } = data;
    const briefing = await this.ctx.store.get(briefingId);
    const oid = turn.user.aadObjectId;
    for (let attempt = 0; attempt < 5; attempt++) {
      const delivery = await this.ctx.store.delivery(briefingId, deliveryId);
      if (!briefing || !delivery || !oid || delivery.recipient.aadObjectId !== oid) {
        turn.log.info({ briefingId, refused: 'not-in-audience' }, 'acknowledgement refused');
        return {
          text: 'This briefing was not sent to you, so I cannot record that you have read it. You are welcome to read it: type briefings to find it.',
        };
      }
      const reply = (at: string): Reply => ({
        card: briefingCard(briefing.content, {
          acknowledgedAt: at,
          footer: `From ${md(briefing.author.name)}, safeguarding team.`,
        }),
        fallbackText: `Thank you: you confirmed you read "${briefing.content.title}".`,
      });
      if (delivery.acknowledgedAt) return reply(delivery.acknowledgedAt);
      const at = this.ctx.now().toISOString();
      // Changed meanwhile (the engine recording the send, a read receipt): read it again and retry.
      if ((await this.ctx.store.acknowledge(delivery, at)) === 'changed') continue;
      turn.log.info({ briefingId }, 'briefing acknowledged');
      return reply(at);
    }
    return { text: 'Sorry, I could not record that just now. Please press the button again.' };
  }

  /** Teams says the person has read their chat up to a message: mark those briefings seen. */
  async readReceipt(receipt: ReadReceipt, log: Logger): Promise<void> {
    const lastRead = Number(receipt.lastReadMessageId);
    for (const d of await this.ctx.store.unseenFor(receipt.aadObjectId)) {
      const id = Number(d.activityId);
      const read =
        d.activityId === receipt.lastReadMessageId ||
        (Number.isFinite(id) && Number.isFinite(lastRead) && id > 0 && id <= lastRead);
      if (!read) continue;
      // 'changed': acknowledged meanwhile, which already counts as seen.
      await this.ctx.store.markSeen(d, this.ctx.now().toISOString());
      log.info({ briefingId: d.briefingId }, 'briefing seen');
    }
  }
}
