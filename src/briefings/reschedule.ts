import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { rescheduleCard, rescheduleConfirmCard } from './cards';
import { people, type BriefingsContext } from './context';
import { fromUkTime, ukLabel, ukWallClock } from './schedule';
import type { BriefingDoc } from './store';

/**
 * Leads cancel a scheduled briefing (it goes back to the drafts) or change its time, until the
 * engine starts sending it. Every change is written under the etag just read, so the engine
 * starting it at the same moment makes exactly one of the two win.
 */
const id = z.string().min(1).max(100);
export const briefingRef = z.object({ briefingId: id });
export const scheduledRef = z.object({ briefingId: id, sendAt: z.string().max(40).optional() });
export const rescheduleSchema = scheduledRef.extend({
  date: z.string().max(20).optional(),
  time: z.string().max(20).optional(),
  confirmed: z.literal('yes').optional(),
});

export const NOT_UNDERSTOOD_SCHEDULED = 'I could not tell which briefing you meant. Type briefing drafts to see yours.';

export class Rescheduling {
  constructor(private readonly ctx: BriefingsContext) {}

  /**
   * A scheduled briefing a lead may still cancel or move; otherwise they are told why not (it has
   * started sending, or it is no longer scheduled).
   */
  private async scheduled(
    turn: ChatTurn,
    briefingId: string,
    doing: 'cancel' | 'move',
  ): Promise<BriefingDoc | undefined> {
    const b = await this.ctx.store.get(briefingId);
    if (!b) {
      await turn.send({ text: 'I could not find that briefing. Type briefing drafts to see yours.' });
      return undefined;
    }
    if (b.status === 'sending' || b.status === 'sent') {
      await turn.send({
        text:
          doing === 'cancel'
            ? 'It has already started sending, so it can no longer be cancelled.'
            : 'It has already started sending, so its time can no longer be changed.',
      });
      return undefined;
    }
    if (b.status !== 'scheduled' || !b.sendAt) {
      await turn.send({
        text: `"${b.content.title}" is not scheduled any more (it was cancelled and is back in the drafts). Type briefing drafts to schedule it again.`,
      });
      return undefined;
    }
    return b;
  }

  /** Cancel: the briefing goes back to the drafts (nothing is lost; it can be scheduled or sent again). */
  async cancel(turn: ChatTurn, data: z.infer<typeof scheduledRef>): Promise<void> {
    // A write that loses to another lead's change of time is tried again on what is there now; one that loses to the engine is refused.
    for (let attempt = 0; attempt < 3; attempt++) {
      const b = await this.scheduled(turn, data.briefingId, 'cancel');
      if (!b) return;
      const { sendAt: _s, confirmedAt: _c, ...rest } = b;
      if (
        (await this.ctx.store.saveBriefing(
          { ...rest, status: 'draft', updatedAt: this.ctx.now().toISOString() },
          b._etag,
        )) === 'changed'
      )
        continue;
      turn.log.info({ briefingId: b.id }, 'scheduled briefing cancelled');
      await this.ctx.audit.note(turn.user, 'briefing.cancelled', { briefing: b.id, sendAt: b.sendAt! }, turn.log);
      return turn.send({
        text: `Cancelled: "${b.content.title}" will not be sent on ${ukLabel(new Date(b.sendAt!))}. It is back in your drafts: type briefing drafts to change it, or to send or schedule it again.`,
      });
    }
    await turn.send({
      text: 'This briefing kept changing while I tried to cancel it. Type briefing drafts to check it.',
    });
  }

  /** "Change the time": the date and time boxes, filled in with the time it is scheduled for. */
  async changeTimeCard(turn: ChatTurn, data: z.infer<typeof briefingRef>): Promise<void> {
    const b = await this.scheduled(turn, data.briefingId, 'move');
    if (b) await this.showTimes(turn, b);
  }

  private async showTimes(
    turn: ChatTurn,
    b: BriefingDoc,
    problems = '',
    typed?: { date: string; time: string },
  ): Promise<void> {
    const recipients = b.audience ? await this.ctx.engine.resolveAudience(b.audience) : [];
    const at = new Date(b.sendAt!);
    const boxes = typed ?? ukWallClock(at);
    await turn.send({
      card: rescheduleCard({
        title: b.content.title,
        problems,
        whenLabel: ukLabel(at),
        peopleLabel: people(recipients.length),
        date: boxes.date,
        time: boxes.time,
        briefingId: b.id,
        sendAt: b.sendAt!,
      }),
      fallbackText: `Change the time of "${b.content.title}"`,
    });
  }

  /** A new time for a scheduled briefing: the same rules as scheduling (UK time, not past), confirmed in words first. */
  async reschedule(turn: ChatTurn, d: z.infer<typeof rescheduleSchema>): Promise<void> {
    const b = await this.scheduled(turn, d.briefingId, 'move');
    if (!b) return;
    const typed = { date: d.date ?? '', time: d.time ?? '' };
    if (d.sendAt && d.sendAt !== b.sendAt)
      return this.showTimes(
        turn,
        b,
        `Its time was changed since that card was shown: it is now ${ukLabel(new Date(b.sendAt!))}. Choose the new time again.`,
      );
    const when = fromUkTime(typed.date, typed.time);
    if (!when.ok) return this.showTimes(turn, b, when.problem, typed);
    if (when.at.getTime() <= this.ctx.now().getTime())
      return this.showTimes(turn, b, 'That time has already passed. Choose a later time.', typed);
    const from = new Date(b.sendAt!);
    if (when.at.getTime() === from.getTime())
      return this.showTimes(
        turn,
        b,
        `It is already scheduled for ${ukLabel(from)}. Choose a different time, or keep it as it is.`,
        typed,
      );
    const recipients = b.audience ? await this.ctx.engine.resolveAudience(b.audience) : [];
    if (d.confirmed !== 'yes') {
      return turn.send({
        card: rescheduleConfirmCard({
          title: b.content.title,
          peopleLabel: people(recipients.length),
          whenLabel: ukLabel(when.at),
          fromLabel: ukLabel(from),
          briefingId: b.id,
          sendAt: b.sendAt!,
          date: typed.date,
          time: typed.time,
        }),
        fallbackText: `Move "${b.content.title}" to ${ukLabel(when.at)}?`,
      });
    }
    if (
      (await this.ctx.store.saveBriefing(
        { ...b, sendAt: when.at.toISOString(), updatedAt: this.ctx.now().toISOString() },
        b._etag,
      )) === 'changed'
    ) {
      const latest = await this.ctx.store.get(b.id);
      if (latest?.status === 'sending' || latest?.status === 'sent')
        return turn.send({ text: 'It has already started sending, so its time can no longer be changed.' });
      return turn.send({
        text: 'This briefing changed at the same moment (perhaps from another device), so the time was not changed. Type briefing drafts to check it.',
      });
    }
    turn.log.info({ briefingId: b.id }, 'scheduled briefing moved');
    await this.ctx.audit.note(
      turn.user,
      'briefing.rescheduled',
      { briefing: b.id, from: b.sendAt!, to: when.at.toISOString() },
      turn.log,
    );
    await turn.send({
      text: `Changed: "${b.content.title}" will now go to ${people(recipients.length)} on ${ukLabel(when.at)} (it was ${ukLabel(from)}).`,
    });
  }
}
