import { md } from '../cards/markdown';
import type { ChatTurn, Reply } from '../chat/types';
import { inBackground } from '../storage/deadline';
import { briefingCard, listCard, percent, reportCard, type CardButton } from './cards';
import { audienceLabel, people, type BriefingsContext } from './context';
import { tallyDeliveries } from './progress';
import { ukLabel } from './schedule';
import { FAILURE_LABELS, type BriefingDoc, type DeliveryDoc, type FailureReason } from './store';
import { BRIEFINGS_VERBS } from './verbs';

/**
 * Leads follow their briefings up: their drafts and scheduled ones, every briefing sent, the report
 * of one (delivered, seen, acknowledged, by team, and who it did not reach and why), and a gentle
 * reminder to those who have not acknowledged it.
 */
const REMIND_INTERVAL_MS = 24 * 3600_000;

export const NO_SUCH_REPORT = 'I could not find that briefing. Type briefing reports to see them all.';
export const NOTHING_TO_REMIND = 'Reminders can be sent once a briefing has finished sending.';

/** The list card without a search result: drafts, reports. */
function listReply(
  heading: string,
  intro: string,
  items: { title: string; subtitle: string; button: string; data: Record<string, unknown> }[],
  leadActions: CardButton[],
): Reply {
  return { card: listCard({ heading, intro, showSearch: false, query: '', items, empty: '', leadActions }) };
}

export class Reports {
  constructor(private readonly ctx: BriefingsContext) {}

  async drafts(turn: ChatTurn): Promise<void> {
    const mine = await this.ctx.store.list({ status: ['draft', 'scheduled'], author: turn.user.aadObjectId ?? '' }, 20);
    await turn.send(
      listReply(
        'Your drafts and scheduled briefings',
        mine.length
          ? 'Pick one up where you left off.'
          : 'You have no drafts. Start one from the library or write a new one.',
        mine.map((b) => ({
          title: b.content.title,
          subtitle:
            b.status === 'scheduled'
              ? `Scheduled for ${ukLabel(new Date(b.sendAt!))}`
              : `Draft, last saved ${ukLabel(new Date(b.updatedAt))}`,
          button: b.status === 'draft' ? 'Continue' : 'View',
          data:
            b.status === 'draft'
              ? { verb: BRIEFINGS_VERBS.preview, draftId: b.id }
              : { verb: BRIEFINGS_VERBS.report, briefingId: b.id },
        })),
        [{ title: 'Write a new briefing', data: { verb: BRIEFINGS_VERBS.new } }],
      ),
    );
  }

  async reports(turn: ChatTurn): Promise<void> {
    const sent = await this.ctx.store.list({ status: ['sending', 'sent', 'scheduled'] }, 20);
    await turn.send(
      listReply(
        'Briefing reports',
        sent.length ? 'Every briefing sent, newest first.' : 'No briefing has been sent yet.',
        sent.map((b) => ({
          title: b.content.title,
          subtitle:
            b.status === 'scheduled'
              ? `Scheduled for ${ukLabel(new Date(b.sendAt!))}`
              : `${b.status === 'sending' ? 'Sending since' : 'Sent'} ${ukLabel(new Date(b.startedAt ?? b.updatedAt))} by ${md(b.author.name)}`,
          button: 'Report',
          data: { verb: BRIEFINGS_VERBS.report, briefingId: b.id },
        })),
        [],
      ),
    );
  }

  async report(turn: ChatTurn, data: { briefingId: string }): Promise<void> {
    const briefing = await this.ctx.store.get(data.briefingId);
    if (!briefing || briefing.status === 'draft') return turn.send({ text: NO_SUCH_REPORT });
    if (briefing.status === 'scheduled') {
      // A lead can see what is going out, to whom and when.
      const recipients = briefing.audience ? await this.ctx.engine.resolveAudience(briefing.audience) : [];
      const ref = { briefingId: briefing.id, sendAt: briefing.sendAt };
      return turn.send({
        card: briefingCard(briefing.content, {
          footer: `Scheduled for ${ukLabel(new Date(briefing.sendAt!))}, to ${briefing.audience ? audienceLabel(this.ctx, briefing.audience) : 'everyone'} (${people(recipients.length)} today), by ${md(briefing.author.name)}. There is nothing to report until it has been sent.`,
          extraActions: [
            { title: 'Change the time', data: { verb: BRIEFINGS_VERBS.changeTime, ...ref } },
            { title: 'Cancel', data: { verb: BRIEFINGS_VERBS.cancel, ...ref } },
          ],
        }),
        fallbackText: `"${briefing.content.title}" is scheduled for ${ukLabel(new Date(briefing.sendAt!))}`,
      });
    }
    const deliveries = await this.ctx.store.deliveriesOf(briefing.id);
    const counts = tallyDeliveries(deliveries);
    const delivered = deliveries.filter((d) => d.state === 'delivered');
    const byTeam = new Map<string, { delivered: number; acked: number }>();
    for (const d of delivered) {
      const t = byTeam.get(d.recipient.team) ?? { delivered: 0, acked: 0 };
      t.delivered++;
      if (d.acknowledgedAt) t.acked++;
      byTeam.set(d.recipient.team, t);
    }
    const pending = delivered
      .filter((d) => !d.acknowledgedAt)
      .sort((a, b) => a.recipient.name.localeCompare(b.recipient.name));
    // Who it did not reach, and why: reports are privileged, so this is only ever in the lead's 1:1 chat.
    const missed = deliveries
      .filter((d) => d.state === 'failed' || d.reason)
      .sort((a, b) => a.recipient.name.localeCompare(b.recipient.name));
    const n = (x: number) => x.toLocaleString('en-GB');
    await turn.send({
      card: reportCard({
        title: briefing.content.title,
        briefingId: briefing.id,
        subtitle: `${briefing.status === 'sending' ? 'Still sending' : 'Sent'} by ${md(briefing.author.name)}, ${ukLabel(new Date(briefing.startedAt ?? briefing.updatedAt))}. To: ${briefing.audience ? audienceLabel(this.ctx, briefing.audience) : 'everyone'}.`,
        facts: [
          { title: 'People in the audience', value: n(counts.total) },
          { title: 'Delivered', value: n(counts.delivered) },
          ...(Object.entries(counts.failed) as [FailureReason, number][]).map(([reason, count]) => ({
            title: `Not delivered: ${FAILURE_LABELS[reason]}`,
            value: n(count),
          })),
          ...(counts.queued ? [{ title: 'Still to send', value: n(counts.queued) }] : []),
          {
            title: 'Seen (Teams read receipt)',
            value: `${n(counts.seen)} (${percent(counts.seen, counts.delivered)})`,
          },
          {
            title: 'Acknowledged',
            value: `${n(counts.acknowledged)} (${percent(counts.acknowledged, counts.delivered)})`,
          },
        ],
        teams: [...byTeam.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .slice(0, 40)
          .map(([team, t]) => ({
            title: md(team),
            value: `${n(t.acked)} of ${n(t.delivered)} acknowledged (${percent(t.acked, t.delivered)})`,
          })),
        pending: pending.length
          ? `${pending
              .slice(0, 40)
              .map((d) => `${md(d.recipient.name)} (${md(d.recipient.team)})`)
              .join(', ')}${pending.length > 40 ? `, and ${n(pending.length - 40)} more` : ''}.`
          : 'Everyone it reached has acknowledged it.',
        notReached: missed.length
          ? `${missed
              .slice(0, 40)
              .map(
                (d) =>
                  `${md(d.recipient.name)} (${md(d.recipient.team)}): ${d.reason ? FAILURE_LABELS[d.reason] : 'not delivered'}`,
              )
              .join('; ')}${missed.length > 40 ? `; and ${n(missed.length - 40)} more` : ''}.`
          : '',
        canRemind: pending.length > 0 && briefing.status === 'sent',
      }),
      fallbackText: `${briefing.content.title}: ${counts.acknowledged} of ${counts.delivered} acknowledged`,
    });
  }

  /** One gentle reminder to each person who has not acknowledged, never twice in 24 hours. */
  async remind(turn: ChatTurn, data: { briefingId: string }): Promise<void> {
    const briefing = await this.ctx.store.get(data.briefingId);
    if (!briefing || briefing.status !== 'sent') return turn.send({ text: NOTHING_TO_REMIND });
    const now = this.ctx.now();
    const pending = (await this.ctx.store.deliveriesOf(briefing.id)).filter(
      (d) => d.state === 'delivered' && !d.acknowledgedAt,
    );
    const due = pending.filter((d) => !d.remindedAt || now.getTime() - Date.parse(d.remindedAt) >= REMIND_INTERVAL_MS);
    const recent = pending.length - due.length;
    await turn.send({
      text: due.length
        ? `Sending a gentle reminder to ${due.length.toLocaleString('en-GB')} ${due.length === 1 ? 'person' : 'people'} who have not acknowledged "${briefing.content.title}".${recent ? ` ${recent} had a reminder in the last 24 hours and will not get another yet.` : ''}`
        : `Everyone who has not acknowledged it had a reminder in the last 24 hours. You can remind them again after that.`,
    });
    if (!due.length) return;
    const author = turn.user.aadObjectId;
    void inBackground(() => this.sendReminders(briefing, due, now)).then(async (sent) => {
      await this.ctx.audit.note(
        turn.user,
        'briefing.reminded',
        { briefing: briefing.id, due: due.length, reminded: sent },
        this.ctx.log,
      );
      if (author)
        await this.ctx.notifier
          .sendToPerson(author, { text: `Reminders for "${briefing.content.title}": ${sent} sent.` })
          .catch(() => undefined);
    });
  }

  private async sendReminders(briefing: BriefingDoc, due: DeliveryDoc[], now: Date): Promise<number> {
    let sent = 0;
    for (const d of due) {
      // Claim first (etag): a second press, or a second instance, cannot remind the same person twice.
      if (!(await this.ctx.store.claimReminder(d, now.toISOString()))) continue;
      const oid = d.recipient.aadObjectId!;
      // Two messages, so two send slots: each taken right before its request, as for the briefing.
      const paced = { beforeSend: async () => void (await this.ctx.engine.pacer.take(oid)) };
      await this.ctx.notifier
        .deliver(
          oid,
          {
            text: `A gentle reminder: please read "${briefing.content.title}" and press "I've read this" when you have. It takes about seven minutes.`,
          },
          paced,
        )
        .then(() => this.ctx.notifier.deliver(oid, this.ctx.recipientCard(briefing, d), paced))
        .then(() => sent++)
        .catch((err: unknown) =>
          this.ctx.log.warn(
            { err: { message: (err as Error).message }, briefingId: briefing.id },
            'a reminder could not be sent',
          ),
        );
    }
    this.ctx.log.info({ briefingId: briefing.id, sent }, 'briefing reminders sent');
    return sent;
  }
}
