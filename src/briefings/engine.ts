import { randomUUID } from 'node:crypto';
import type { Notifier, Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { PeopleDirectory } from '../people/directory';
import { DeliveryAttempts } from './attempt';
import { Pacer } from './pacer';
import { AuthorProgress, type DeliveryCounts } from './progress';
import { DeliveryQueue, type Recipient } from './queue';
import type { Audience, BriefingDoc, BriefingStore, DeliveryDoc } from './store';

export { tallyDeliveries, type DeliveryCounts } from './progress';

/**
 * The delivery engine: a durable send queue in Cosmos (one record per briefing and recipient),
 * worked by any number of instances. Each record is claimed by its etag before it is sent and its
 * outcome written under the claim, so a restart or a second worker carries on where the first
 * stopped without sending anything twice. Sends are paced to Teams' limits and failures are
 * retried, re-routed or recorded with their reason. Its requests to Cosmos are in ./queue.ts, one
 * attempt at one record in ./attempt.ts and the author's progress card in ./progress.ts.
 */
export interface EngineOptions {
  /** Teams' limit for the app in the tenant (all instances together). */
  messagesPerSecond: number;
  retryBaseMs: number;
  /** Attempts for transient failures before giving up. */
  maxAttempts?: number;
  /** How long a claim stays valid before another worker may take the record over. */
  leaseMs?: number;
  /** How often the author's progress card is refreshed. */
  progressEveryMs?: number;
  /** Wall clock for queue timing (leases, retries); the business clock decides schedules. */
  clock?: () => number;
  workerId?: string;
}

export interface EngineDeps {
  store: BriefingStore;
  directory: Pick<PeopleDirectory, 'currentStaffIn'>;
  notifier: Notifier;
  log: Logger;
  /** The business clock (tests move it on to make a scheduled briefing due). */
  now: () => Date;
  /** The card each recipient gets. */
  deliveryCard(briefing: BriefingDoc, delivery: DeliveryDoc): Reply;
  /** The author's progress card. */
  progressCard(briefing: BriefingDoc, counts: DeliveryCounts, done: boolean): Reply;
}

const HEARTBEAT_MS = 5_000;
const WORKER_TTL_MS = 15_000;
const AUDIENCE_FIELD = { teams: 'team', staffGroups: 'staffGroup', practices: 'practiceCode' } as const;

export class DeliveryEngine {
  readonly pacer: Pacer;
  readonly workerId: string;
  private readonly opts: Required<Omit<EngineOptions, 'workerId'>>;
  private readonly queue: DeliveryQueue;
  private readonly attempts: DeliveryAttempts;
  private readonly progress: AuthorProgress;
  private readonly active = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Records this worker is claiming or sending now. */
  private readonly dispatching = new Set<string>();
  private stopping = false;
  private timer?: NodeJS.Timeout;
  private lastHeartbeat = 0;

  constructor(
    private readonly deps: EngineDeps,
    options: EngineOptions,
  ) {
    this.opts = {
      maxAttempts: 6,
      leaseMs: 60_000,
      progressEveryMs: 5_000,
      clock: () => Date.now(),
      ...options,
    };
    this.workerId = options.workerId ?? `worker-${randomUUID().slice(0, 8)}`;
    this.pacer = new Pacer({ ratePerSecond: this.opts.messagesPerSecond, clock: this.opts.clock });
    this.queue = new DeliveryQueue(deps.store);
    this.attempts = new DeliveryAttempts(
      {
        store: deps.store,
        queue: this.queue,
        notifier: deps.notifier,
        log: deps.log,
        pacer: this.pacer,
        now: deps.now,
        deliveryCard: deps.deliveryCard,
      },
      {
        workerId: this.workerId,
        retryBaseMs: this.opts.retryBaseMs,
        maxAttempts: this.opts.maxAttempts,
        leaseMs: this.opts.leaseMs,
        clock: this.opts.clock,
      },
    );
    this.progress = new AuthorProgress({
      store: deps.store,
      queue: this.queue,
      notifier: deps.notifier,
      log: deps.log,
      pacer: this.pacer,
      retryBaseMs: this.opts.retryBaseMs,
      progressCard: deps.progressCard,
    });
  }

  /** Looks for due work every `intervalMs` (0: only when `tick` is called). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    const loop = () => {
      this.tick().catch((err: unknown) =>
        this.deps.log.error({ err: { message: (err as Error).message } }, 'briefing engine tick failed'),
      );
    };
    this.timer = setInterval(loop, intervalMs);
    this.timer.unref();
    loop();
  }

  /**
   * Stops taking work, lets every send already on the wire finish and record its outcome, then
   * resolves. Records not yet claimed stay queued for whichever worker runs next.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.active.values()]);
    await Promise.allSettled([...this.inFlight]);
    await this.queue.retire(this.workerId);
  }

  /** One pass: start due scheduled briefings and work every briefing that is sending. */
  async tick(): Promise<void> {
    if (this.stopping) return;
    await this.heartbeat();
    const now = this.deps.now().toISOString();
    for (const b of await this.deps.store.list({ status: ['scheduled'] }, 100)) {
      if (b.sendAt && b.sendAt <= now) await this.startSending(b);
    }
    for (const b of await this.deps.store.list({ status: ['sending'] }, 100)) this.work(b.id);
  }

  /** Marks a confirmed briefing as sending (once, by etag) and starts working it. */
  async startSending(briefing: BriefingDoc): Promise<boolean> {
    const next: BriefingDoc = {
      ...briefing,
      status: 'sending',
      startedAt: this.deps.now().toISOString(),
      updatedAt: this.deps.now().toISOString(),
    };
    if (!(await this.queue.startSending(briefing, next))) return false;
    this.work(briefing.id);
    return true;
  }

  /** Works a briefing in the background unless this process already is. Returns its promise. */
  work(briefingId: string): Promise<void> {
    const running = this.active.get(briefingId);
    if (running) return running;
    const job = this.run(briefingId)
      .catch((err: unknown) =>
        this.deps.log.error(
          { err: { message: (err as Error).message }, briefingId },
          'briefing delivery stopped with an error',
        ),
      )
      .finally(() => this.active.delete(briefingId));
    this.active.set(briefingId, job);
    return job;
  }

  /** Everyone the audience covers, from the staff directory, at this moment. */
  async resolveAudience(audience: Audience): Promise<Recipient[]> {
    const resources = await this.deps.directory.currentStaffIn(
      audience.kind === 'everyone' ? undefined : { field: AUDIENCE_FIELD[audience.kind], values: audience.values },
    );
    return resources.filter((r) => r.employeeId);
  }

  /** Creates every delivery record (idempotent: a record that exists is left alone). */
  async enqueue(briefing: BriefingDoc): Promise<number> {
    const recipients = await this.resolveAudience(briefing.audience ?? { kind: 'everyone' });
    return this.queue.enqueue(briefing, recipients, new Date(this.opts.clock()).toISOString());
  }

  private async run(briefingId: string): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing || briefing.status !== 'sending') return;
    // The queue is written in chunks while the first recipients are already being sent to.
    let queueing: Promise<void> | undefined;
    if (!briefing.queuedAt) {
      const current = briefing;
      queueing = this.enqueue(current).then(async (recipients) => {
        await this.queue.update(current, (b) =>
          b.queuedAt ? undefined : { ...b, queuedAt: this.deps.now().toISOString(), recipients },
        );
      });
      queueing.catch(() => undefined);
    }
    await this.progress.ensure(briefing);
    let lastProgress = this.opts.clock();
    /** Retries taken early at the tail (below), sent on the next pass instead of a fresh batch. */
    let early: DeliveryDoc[] | undefined;
    for (;;) {
      if (this.stopping) return;
      const due = early ?? (await this.dueBatch(briefingId));
      early = undefined;
      const chats = await this.deps.store.chatsFor(
        due.flatMap((d) => (d.recipient.aadObjectId && !this.dispatching.has(d.id) ? [d.recipient.aadObjectId] : [])),
      );
      let started = 0;
      for (const doc of due) {
        if (this.stopping) break;
        // Still being dispatched from the previous batch (its claim is not written yet).
        if (this.dispatching.has(doc.id)) continue;
        started++;
        // Claims run a little ahead of the pacer, so a slow write never leaves a send slot unused.
        while (this.inFlight.size >= this.maxInFlight) await Promise.race(this.inFlight);
        this.dispatching.add(doc.id);
        const task = this.dispatch(briefing, doc, chats.get(doc.recipient.aadObjectId ?? '')).catch((err: unknown) =>
          this.deps.log.error(
            { err: { message: (err as Error).message }, briefingId },
            'recording a delivery failed; the record will be retried',
          ),
        );
        this.inFlight.add(task);
        void task.finally(() => {
          this.inFlight.delete(task);
          this.dispatching.delete(doc.id);
        });
        if (this.opts.clock() - lastProgress >= this.opts.progressEveryMs) {
          lastProgress = this.opts.clock();
          await this.progress.refresh(briefingId, false);
        }
      }
      if (started > 0) continue;
      // Everything due is already on its way: wait for one of ours to finish before looking again.
      if (due.length > 0 && this.inFlight.size > 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      // Nothing due now: finished, or waiting for retries and sends on the wire.
      if (queueing) {
        const settled = await Promise.race([
          queueing.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), 50)),
        ]);
        if (!settled) continue;
        await queueing; // throws if the queue could not be written: the next pass completes it
        queueing = undefined;
        continue;
      }
      const waitMs = await this.untilNextDue(briefingId);
      if (waitMs === undefined) {
        await Promise.allSettled([...this.inFlight]);
        if ((await this.untilNextDue(briefingId)) !== undefined) continue;
        await this.finish(briefingId);
        return;
      }
      // The tail: nothing left but retries of 5xx failures waiting out their backoff, while every
      // send slot goes unused. Those due within one base backoff are sent now (throttled records
      // still wait their Retry-After); with other work about, backoff applies as ever.
      if (waitMs > 0 && this.inFlight.size === 0 && this.pacer.waiting === 0) {
        const soon = (await this.dueBatch(briefingId, this.opts.retryBaseMs)).filter(
          (d) => d.state === 'queued' && d.attempts > 0 && !this.attempts.isThrottled(d.id),
        );
        if (soon.length > 0) {
          early = soon;
          continue;
        }
      }
      if (this.opts.clock() - lastProgress >= this.opts.progressEveryMs) {
        lastProgress = this.opts.clock();
        await this.progress.refresh(briefingId, false);
      }
      const pause = new Promise((r) => setTimeout(r, Math.min(Math.max(waitMs, 20), 1000)));
      // Our own sends on the wire finish sooner than their leases: wake as soon as one does.
      await Promise.race(this.inFlight.size ? [pause, ...this.inFlight] : [pause]);
    }
  }

  /** Up to 200 records due now (or within `aheadMs`), queued or with a lapsed lease. */
  private async dueBatch(briefingId: string, aheadMs = 0): Promise<DeliveryDoc[]> {
    return this.queue.due(briefingId, new Date(this.opts.clock() + aheadMs).toISOString());
  }

  /** Milliseconds until something is due; undefined when nothing is left to send. */
  private async untilNextDue(briefingId: string): Promise<number | undefined> {
    const resources = await this.queue.unsent(briefingId);
    if (resources.length === 0) return undefined;
    const now = this.opts.clock();
    // A loop, not Math.min(...): a spread of 200,000 arguments overflows the call stack.
    let soonest = Infinity;
    for (const r of resources)
      soonest = Math.min(
        soonest,
        Date.parse(r.state === 'queued' ? r.nextAttemptAt : (r.leaseUntil ?? r.nextAttemptAt)) - now,
      );
    return soonest;
  }

  /** Sends allowed to be claimed or on the wire at once (per worker). */
  private get maxInFlight(): number {
    return Math.max(8, Math.ceil(this.opts.messagesPerSecond / 2));
  }

  /** Claim, wait for a send slot, send, record. */
  private async dispatch(
    briefing: BriefingDoc,
    doc: DeliveryDoc,
    chat: { reference: Record<string, unknown> } | undefined,
  ): Promise<void> {
    const claimed = await this.attempts.claim(doc);
    if (!claimed) return;
    if (this.stopping) {
      await this.attempts.release(claimed);
      return;
    }
    await this.attempts.send(briefing, claimed, chat);
  }

  private async finish(briefingId: string): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing || briefing.status !== 'sending') return;
    const done = await this.queue.update(briefing, (b) =>
      b.status === 'sending'
        ? { ...b, status: 'sent', finishedAt: this.deps.now().toISOString(), updatedAt: this.deps.now().toISOString() }
        : undefined,
    );
    if (!done) return; // another worker finished it
    this.deps.log.info({ briefingId }, 'briefing sent');
    await this.progress.refresh(briefingId, true);
  }

  /** Shares the tenant's limit between the instances that are alive now. */
  private async heartbeat(): Promise<void> {
    const now = this.opts.clock();
    if (now - this.lastHeartbeat < HEARTBEAT_MS) return;
    this.lastHeartbeat = now;
    const workers = Math.max(1, await this.queue.heartbeat(this.workerId, now, now - WORKER_TTL_MS));
    this.pacer.setRate(this.opts.messagesPerSecond / workers);
  }
}
