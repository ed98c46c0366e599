import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { containsPatientData } from '../privacy/patientData';
import { followUpCard, formatDateTime, madeCard } from './cards';
import type { ReferralContent } from './content';
import type { ReferralContext } from './context';
import type { Journey } from './journey';
import { REFERRAL_VERBS } from './verbs';

/**
 * After a referral: "I've made a referral" sets a reminder to chase feedback after the route's
 * interval (with the person's own reference, never anything about who was referred); the reminder
 * is sent once; "Feedback received" (a button, or typed) closes it.
 */
export const madeSchema = z.object({ verb: z.literal(REFERRAL_VERBS.made), route: z.string().max(80) });
export const recordSchema = z.object({
  verb: z.literal(REFERRAL_VERBS.record),
  route: z.string().max(80),
  reference: z
    .string()
    .trim()
    .max(40, 'Your reference can be at most 40 characters.')
    .regex(/^[A-Za-z0-9 /_.:#-]*$/, 'Your reference can only contain letters, numbers, spaces and / _ . : # -')
    .optional(),
});
export const feedbackSchema = z.object({ verb: z.literal(REFERRAL_VERBS.feedback), referralId: z.string().uuid() });

const NOT_FOUND = 'I could not find that referral. Type "feedback received" to see your open referrals.';

export class FollowUpReminders {
  constructor(
    private readonly ctx: ReferralContext,
    private readonly journey: Journey,
  ) {}

  private get content(): ReferralContent {
    return this.ctx.content();
  }

  async made(turn: ChatTurn, data: z.output<typeof madeSchema>): Promise<void> {
    const route = this.content.route(data.route);
    if (!route?.followUp) return this.journey.stale(turn);
    await turn.send({ card: madeCard(route), fallbackText: 'Set a follow-up reminder' });
  }

  async record(turn: ChatTurn, data: z.output<typeof recordSchema>): Promise<void> {
    const route = this.content.route(data.route);
    if (!route?.followUp) return this.journey.stale(turn);
    const reference = data.reference || undefined;
    if (reference && (containsPatientData(reference) || /\d{10}/.test(reference.replace(/\D/g, '')))) {
      return turn.send({
        text: 'That reference looks like it could identify a patient, so I have not saved it. Use your own log number, or leave it blank.',
      });
    }
    if (!turn.user.aadObjectId)
      return turn.send({ text: 'I cannot set reminders in this chat. Please use a 1:1 chat with me in Teams.' });
    const now = this.ctx.now();
    const f = await this.ctx.followUps.record(
      turn.user.aadObjectId,
      route.id,
      route.followUp.afterHours,
      reference,
      now,
    );
    turn.log.info({ route: route.id, followUp: f.id }, 'referral follow-up recorded');
    await turn.send({
      card: followUpCard({
        heading: 'Reminder set',
        message: `I will remind you on ${formatDateTime(new Date(f.dueAt))} to check for feedback. Press "Feedback received" when it arrives and I will not remind you.`,
        referralId: f.id,
        route,
        madeAt: now,
        reference,
      }),
      fallbackText: 'Reminder set',
    });
  }

  /** The reminder form did not validate: what is wrong with the reference the person typed, in words; anything else is an old or tampered card. */
  async recordInvalid(turn: ChatTurn): Promise<void> {
    const message = recordSchema.safeParse(turn.value).error?.issues.find((i) => i.path[0] === 'reference')?.message;
    if (message) return turn.send({ text: `${message} Nothing was saved; please try again.` });
    return this.journey.stale(turn);
  }

  async feedback(turn: ChatTurn, data: z.output<typeof feedbackSchema>): Promise<void> {
    if (!turn.user.aadObjectId) return this.feedbackInvalid(turn);
    const result = await this.ctx.followUps.feedbackReceived(turn.user.aadObjectId, data.referralId, this.ctx.now());
    await turn.send({
      text:
        result === 'updated'
          ? 'Thank you. I have noted that feedback arrived, and I will not remind you about this referral.'
          : result === 'already'
            ? 'You have already told me feedback arrived for this referral.'
            : 'I could not find that referral.',
    });
  }

  async feedbackInvalid(turn: ChatTurn): Promise<void> {
    await turn.send({ text: NOT_FOUND });
  }

  /** "feedback received" typed: closes the most recent open follow-up. */
  async feedbackByText(turn: ChatTurn): Promise<void> {
    const open = turn.user.aadObjectId ? await this.ctx.followUps.open(turn.user.aadObjectId) : [];
    if (open.length === 0) return turn.send({ text: 'You have no referrals waiting for feedback.' });
    const latest = open[0]!;
    await this.ctx.followUps.feedbackReceived(latest.aadObjectId, latest.id, this.ctx.now());
    const route = this.content.route(latest.routeId);
    await turn.send({
      text: `Thank you. I have noted feedback for your referral (${route?.title ?? latest.routeId}, made ${formatDateTime(new Date(latest.madeAt))}) and will not remind you about it.${open.length > 1 ? ` You have ${open.length - 1} more waiting for feedback.` : ''}`,
    });
  }

  /** Sends every reminder that is due; each is claimed by etag so it goes out once. */
  async sendDue(): Promise<{ sent: number; skipped: number }> {
    const now = this.ctx.now();
    let sent = 0;
    let skipped = 0;
    for (const f of await this.ctx.followUps.due(now)) {
      const claimed = await this.ctx.followUps.claim(f, now);
      if (!claimed) {
        skipped++;
        continue;
      }
      const route = this.content.route(f.routeId);
      if (!route) {
        await this.ctx.followUps.markReminded(claimed, now);
        continue;
      }
      const contact = route.followUp ? this.content.contacts.get(route.followUp.contact) : undefined;
      let result: 'sent' | 'no-conversation';
      try {
        result = await this.ctx.notifier.sendToPerson(f.aadObjectId, {
          card: followUpCard({
            heading: 'Have you had feedback on your referral?',
            message: route.followUp?.message ?? 'Please check whether you have had feedback on your referral.',
            referralId: f.id,
            route,
            madeAt: new Date(f.madeAt),
            reference: f.reference,
            contact,
          }),
          fallbackText: 'Have you had feedback on your referral?',
        });
      } catch (err) {
        // Left claimed: another run retries it once the claim times out.
        this.ctx.log.warn(
          { followUp: f.id, err: { message: (err as Error).message } },
          'referral reminder not delivered; will retry',
        );
        continue;
      }
      await this.ctx.followUps.markReminded(claimed, now);
      if (result === 'sent') sent++;
      else this.ctx.log.warn({ followUp: f.id }, 'no conversation to send the referral reminder to');
    }
    return { sent, skipped };
  }
}
