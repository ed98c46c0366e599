import { DeliveryError, type Notifier, type Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import { backoffMs, type Pacer } from './pacer';
import type { DeliveryQueue } from './queue';
import type { BriefingDoc, BriefingStore, DeliveryDoc, FailureReason } from './store';

/**
 * The figures of a broadcast, and the author's progress card: posted once when sending starts,
 * then updated in place while it goes out and once more, with the full figures, when it is done.
 */
export interface DeliveryCounts {
  total: number;
  queued: number;
  delivered: number;
  failed: Partial<Record<FailureReason, number>>;
  failedTotal: number;
  seen: number;
  acknowledged: number;
}

/** The figures of a briefing's delivery records: the progress card's and the report's. Pure. */
export function tallyDeliveries(
  rows: Pick<DeliveryDoc, 'state' | 'reason' | 'seenAt' | 'acknowledgedAt'>[],
): DeliveryCounts {
  const counts: DeliveryCounts = {
    total: rows.length,
    queued: 0,
    delivered: 0,
    failed: {},
    failedTotal: 0,
    seen: 0,
    acknowledged: 0,
  };
  for (const r of rows) {
    if (r.state === 'delivered') counts.delivered++;
    else if (r.state === 'failed') {
      counts.failedTotal++;
      counts.failed[r.reason ?? 'rejected'] = (counts.failed[r.reason ?? 'rejected'] ?? 0) + 1;
    } else counts.queued++;
    if (r.seenAt || r.acknowledgedAt) counts.seen++;
    if (r.acknowledgedAt) counts.acknowledged++;
  }
  return counts;
}

export interface ProgressDeps {
  store: Pick<BriefingStore, 'get'>;
  queue: Pick<DeliveryQueue, 'quickCounts' | 'counts' | 'update'>;
  notifier: Notifier;
  log: Logger;
  /** The pacer the recipients' cards share: the author's card takes its slots too. */
  pacer: Pacer;
  retryBaseMs: number;
  /** The author's progress card. */
  progressCard(briefing: BriefingDoc, counts: DeliveryCounts, done: boolean): Reply;
}

export class AuthorProgress {
  constructor(private readonly deps: ProgressDeps) {}

  /** Posts the author's progress card once per briefing and remembers its message. */
  async ensure(briefing: BriefingDoc): Promise<void> {
    if (briefing.progressActivityId) return;
    // Cheap counts: the queue is still being written while the first card goes out.
    const counts = await this.deps.queue.quickCounts(briefing.id);
    const author = briefing.author.aadObjectId;
    const paced = { beforeSend: async () => void (await this.deps.pacer.take(author)) };
    const sent = await this.deps.notifier
      .deliver(author, this.deps.progressCard(briefing, counts, false), paced)
      .catch((err: unknown) => {
        this.deps.log.warn(
          { err: { message: (err as Error).message }, briefingId: briefing.id },
          'could not post the progress card',
        );
        return undefined;
      });
    if (sent && sent !== 'no-conversation')
      await this.deps.queue.update(briefing, (b) =>
        b.progressActivityId ? undefined : { ...b, progressActivityId: sent.activityId },
      );
  }

  /** Updates the card in place: quick figures while sending, the full ones (`done`) at the end. */
  async refresh(briefingId: string, done: boolean): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing?.progressActivityId) return;
    const counts = done ? await this.deps.queue.counts(briefingId) : await this.deps.queue.quickCounts(briefingId);
    // A missed interim update is replaced by the next one; the final summary is worth a few tries.
    for (let attempt = 1; attempt <= (done ? 4 : 1); attempt++) {
      await this.deps.pacer.take(briefing.author.aadObjectId);
      try {
        await this.deps.notifier.update(
          briefing.author.aadObjectId,
          briefing.progressActivityId,
          this.deps.progressCard(briefing, counts, done),
        );
        return;
      } catch (err) {
        this.deps.log.warn(
          { err: { message: (err as Error).message }, briefingId, attempt },
          'could not update the progress card',
        );
        if (err instanceof DeliveryError && (err.kind === 'transient' || err.kind === 'throttled'))
          await new Promise((r) => setTimeout(r, backoffMs(attempt, this.deps.retryBaseMs)));
        else return;
      }
    }
  }
}
