import { DeliveryError, type Notifier, type Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import { backoffMs, type Pacer } from './pacer';
import type { DeliveryQueue } from './queue';
import type { BriefingDoc, BriefingStore, DeliveryDoc } from './store';

/**
 * One attempt at one delivery record: claimed for this worker under its etag (a lease another
 * worker may take over once it lapses), sent in a paced slot, and its outcome recorded under the
 * claim. Failures are retried, re-routed or recorded with their reason.
 */
export interface AttemptDeps {
  store: Pick<BriefingStore, 'delivery'>;
  queue: Pick<DeliveryQueue, 'replace'>;
  notifier: Notifier;
  log: Logger;
  pacer: Pacer;
  /** The business clock (delivery times). */
  now: () => Date;
  /** The card each recipient gets. */
  deliveryCard(briefing: BriefingDoc, delivery: DeliveryDoc): Reply;
}

export interface AttemptOptions {
  workerId: string;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
  /** Wall clock for queue timing (leases, retries). */
  clock: () => number;
}

export class DeliveryAttempts {
  /** Records waiting out a 429's Retry-After (this worker's): their wait is Teams' to set, never shortened. */
  private readonly throttledIds = new Set<string>();

  constructor(
    private readonly deps: AttemptDeps,
    private readonly opts: AttemptOptions,
  ) {}

  /** Whether this record is waiting out Teams' Retry-After (never sent early). */
  isThrottled(id: string): boolean {
    return this.throttledIds.has(id);
  }

  /** Takes a record for this worker; undefined if another worker changed it first. */
  async claim(doc: DeliveryDoc): Promise<DeliveryDoc | undefined> {
    const interrupted = doc.state === 'sending';
    if (interrupted)
      this.deps.log.warn(
        { briefingId: doc.briefingId, worker: doc.worker },
        'a worker stopped after claiming a send and before recording it; sending again',
      );
    const next: DeliveryDoc = {
      ...doc,
      state: 'sending',
      worker: this.opts.workerId,
      leaseUntil: new Date(this.opts.clock() + this.opts.leaseMs).toISOString(),
      ...(interrupted ? { interrupted: true } : {}),
    };
    return this.deps.queue.replace(next, doc._etag);
  }

  /** Gives an unsent claim back (stopping). */
  async release(doc: DeliveryDoc): Promise<void> {
    const { worker: _w, leaseUntil: _l, ...rest } = doc;
    await this.deps.queue.replace({ ...rest, state: 'queued' }, doc._etag);
  }

  /** One attempt, then the outcome recorded under the claim's etag. */
  async send(briefing: BriefingDoc, doc: DeliveryDoc, chat?: { reference: Record<string, unknown> }): Promise<void> {
    const oid = doc.recipient.aadObjectId!;
    const attempts = doc.attempts + 1;
    const clock = this.opts.clock;
    const pacer = this.deps.pacer;
    this.throttledIds.delete(doc.id);
    let slot: number | undefined;
    const settle = async (fields: Partial<DeliveryDoc>) => {
      let current = doc;
      for (let attempt = 0; attempt < 5; attempt++) {
        const { worker: _w, leaseUntil: _l, ...rest } = current;
        const done = await this.deps.queue.replace({ ...rest, attempts, ...fields } as DeliveryDoc, current._etag);
        if (done) return done;
        // Written meanwhile: the person pressed "I've read this" (or Teams said they read it) before
        // Teams had answered the send. Keep what they wrote and record the outcome over it, while
        // the claim is still this worker's; otherwise the lease would run out and the card go twice.
        const latest = await this.deps.store.delivery(doc.briefingId, doc.id);
        if (!latest || latest.state !== 'sending' || latest.worker !== this.opts.workerId) return undefined;
        current = latest;
      }
      return undefined;
    };
    try {
      const result = await this.deps.notifier.deliver(oid, this.deps.deliveryCard(briefing, doc), {
        beforeSend: async () => {
          slot = await pacer.take(oid);
        },
        // A chat re-created after a 404 is read afresh, not taken from this batch's look-up.
        chat: doc.recreated ? undefined : chat,
      });
      if (result === 'no-conversation') {
        await settle({ state: 'failed', reason: 'no-chat' });
        return;
      }
      pacer.succeeded();
      await settle({
        state: 'delivered',
        activityId: result.activityId,
        deliveredAt: this.deps.now().toISOString(),
        detail: undefined,
      });
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError('transient', (err as Error).message);
      const retryAt = (ms: number) => new Date(clock() + ms).toISOString();
      switch (e.kind) {
        case 'throttled': {
          const wait = e.retryAfterMs ?? backoffMs(attempts, this.opts.retryBaseMs);
          pacer.throttled();
          this.throttledIds.add(doc.id);
          // Throttling is Teams pacing us, not a fault of this message: it does not use up attempts.
          await settle({ state: 'queued', attempts: doc.attempts, nextAttemptAt: retryAt(wait), detail: e.message });
          return;
        }
        case 'transient':
          if (slot !== undefined) pacer.refund(slot);
          if (attempts >= this.opts.maxAttempts)
            await settle({ state: 'failed', reason: 'gave-up', detail: e.message });
          else
            await settle({
              state: 'queued',
              nextAttemptAt: retryAt(e.retryAfterMs ?? backoffMs(attempts, this.opts.retryBaseMs)),
              detail: e.message,
            });
          return;
        case 'conversation-not-found': {
          if (doc.recreated) {
            await settle({ state: 'failed', reason: 'chat-deleted', detail: e.message });
            return;
          }
          let recreated = false;
          try {
            recreated = await this.deps.notifier.recreateConversation(oid);
          } catch (inner) {
            if (inner instanceof DeliveryError && inner.kind === 'blocked') {
              await settle({ state: 'failed', reason: 'blocked', detail: inner.message });
              return;
            }
          }
          if (recreated)
            await settle({ state: 'queued', recreated: true, nextAttemptAt: retryAt(0), detail: e.message });
          else await settle({ state: 'failed', reason: 'chat-deleted', detail: e.message });
          return;
        }
        case 'blocked':
          await settle({ state: 'failed', reason: 'blocked', detail: e.message });
          return;
        default:
          await settle({ state: 'failed', reason: 'rejected', detail: e.message });
      }
    }
  }
}
