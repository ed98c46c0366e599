import { randomUUID } from 'node:crypto';
import { DeliveryError, type Notifier, type Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import { CURRENT, type PeopleDirectory } from '../people/directory';
import { readAll, MANY } from '../storage/store';
import { bulkWrite } from '../storage/conditional';
import { backoffMs, Pacer } from './pacer';
import type { Audience, BriefingDoc, BriefingStore, DeliveryDoc, FailureReason } from './store';

/**
 * The delivery engine: a durable send queue in Cosmos (one record per briefing and recipient),
 * worked by any number of instances. Each record is claimed by its etag before it is sent and its
 * outcome written under the claim, so a restart or a second worker carries on where the first
 * stopped without sending anything twice. Sends are paced to Teams' limits and failures are
 * retried, re-routed or recorded with their reason.
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
  directory: PeopleDirectory;
  notifier: Notifier;
  log: Logger;
  /** The business clock (tests move it on to make a scheduled briefing due). */
  now: () => Date;
  /** The card each recipient gets. */
  deliveryCard(briefing: BriefingDoc, delivery: DeliveryDoc): Reply;
  /** The author's progress card. */
  progressCard(briefing: BriefingDoc, counts: DeliveryCounts, done: boolean): Reply;
}

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
export function tallyDeliveries(rows: Pick<DeliveryDoc, 'state' | 'reason' | 'seenAt' | 'acknowledgedAt'>[]): DeliveryCounts {
  const counts: DeliveryCounts = { total: rows.length, queued: 0, delivered: 0, failed: {}, failedTotal: 0, seen: 0, acknowledged: 0 };
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

interface Recipient {
  employeeId: string;
  name: string;
  team: string;
  aadObjectId?: string;
}

const HEARTBEAT_MS = 5_000;
const WORKER_TTL_MS = 15_000;

export class DeliveryEngine {
  readonly pacer: Pacer;
  readonly workerId: string;
  private readonly opts: Required<Omit<EngineOptions, 'workerId'>>;
  private readonly active = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Records this worker is claiming or sending now. */
  private readonly dispatching = new Set<string>();
  private stopping = false;
  /** Records waiting out a 429's Retry-After (this worker's): their wait is Teams' to set, never shortened. */
  private readonly throttledIds = new Set<string>();
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
  }

  /** Looks for due work every `intervalMs` (0: only when `tick` is called). */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    const loop = () => {
      this.tick().catch((err: unknown) => this.deps.log.error({ err: { message: (err as Error).message } }, 'briefing engine tick failed'));
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
    await this.deps.store.briefings.item(`worker:${this.workerId}`, `worker:${this.workerId}`).delete().catch(() => undefined);
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
    const next: BriefingDoc = { ...briefing, status: 'sending', startedAt: this.deps.now().toISOString(), updatedAt: this.deps.now().toISOString() };
    try {
      await this.deps.store.briefings.item(briefing.id, briefing.id).replace(next, { accessCondition: { type: 'IfMatch', condition: briefing._etag! } });
    } catch (err) {
      if ((err as { code?: number }).code === 412) return false;
      throw err;
    }
    this.work(briefing.id);
    return true;
  }

  /** Works a briefing in the background unless this process already is. Returns its promise. */
  work(briefingId: string): Promise<void> {
    const running = this.active.get(briefingId);
    if (running) return running;
    const job = this.run(briefingId)
      .catch((err: unknown) => this.deps.log.error({ err: { message: (err as Error).message }, briefingId }, 'briefing delivery stopped with an error'))
      .finally(() => this.active.delete(briefingId));
    this.active.set(briefingId, job);
    return job;
  }

  /** Everyone the audience covers, from the staff directory, at this moment. */
  async resolveAudience(audience: Audience): Promise<Recipient[]> {
    const where =
      audience.kind === 'everyone'
        ? ` WHERE ${CURRENT}`
        : ` WHERE ARRAY_CONTAINS(@values, c.${audience.kind === 'teams' ? 'team' : audience.kind === 'staffGroups' ? 'staffGroup' : 'practiceCode'}) AND ${CURRENT}`;
    const resources = await readAll(
      this.deps.directory.raw.items.query<Recipient>(
        {
          query: `SELECT c.employeeId, c.name, c.team, c.aadObjectId FROM c${where}`,
          parameters: audience.kind === 'everyone' ? [] : [{ name: '@values', value: audience.values }],
        },
        MANY,
      ),
    );
    return resources.filter((r) => r.employeeId);
  }

  /** Creates every delivery record (idempotent: a record that exists is left alone). */
  async enqueue(briefing: BriefingDoc): Promise<number> {
    const recipients = await this.resolveAudience(briefing.audience ?? { kind: 'everyone' });
    const now = new Date(this.opts.clock()).toISOString();
    const seen = new Set<string>();
    const docs: DeliveryDoc[] = [];
    for (const r of recipients) {
      const id = r.aadObjectId ? r.aadObjectId.toLowerCase() : `emp-${r.employeeId}`;
      if (seen.has(id)) continue;
      seen.add(id);
      docs.push({
        id,
        briefingId: briefing.id,
        type: 'delivery',
        recipient: { aadObjectId: r.aadObjectId?.toLowerCase(), employeeId: r.employeeId, name: r.name, team: r.team },
        state: r.aadObjectId ? 'queued' : 'failed',
        ...(r.aadObjectId ? {} : { reason: 'not-in-teams' as const }),
        attempts: 0,
        nextAttemptAt: now,
      });
    }
    let failed = 0;
    await bulkWrite(
      this.deps.store.deliveries,
      docs.map((d) => ({ op: { operationType: 'Create' as const, partitionKey: d.briefingId, resourceBody: d as never } })),
      (_item, failure) => {
        // 409: the record is already there from an earlier, interrupted attempt.
        if (failure && !failure.startsWith('changed by someone else')) failed++;
      },
    );
    if (failed) throw new Error(`${failed} delivery records could not be written; the queue will be completed on the next pass`);
    return docs.length;
  }

  private async run(briefingId: string): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing || briefing.status !== 'sending') return;
    // The queue is written in chunks while the first recipients are already being sent to.
    let queueing: Promise<void> | undefined;
    if (!briefing.queuedAt) {
      const current = briefing;
      queueing = this.enqueue(current).then(async (recipients) => {
        await this.update(current, (b) => (b.queuedAt ? undefined : { ...b, queuedAt: this.deps.now().toISOString(), recipients }));
      });
      queueing.catch(() => undefined);
    }
    await this.ensureProgressCard(briefing);
    let lastProgress = this.opts.clock();
    /** Retries taken early at the tail (below), sent on the next pass instead of a fresh batch. */
    let early: DeliveryDoc[] | undefined;
    for (;;) {
      if (this.stopping) return;
      const due = early ?? (await this.dueBatch(briefingId));
      early = undefined;
      const chats = await this.deps.store.chatsFor(due.flatMap((d) => (d.recipient.aadObjectId && !this.dispatching.has(d.id) ? [d.recipient.aadObjectId] : [])));
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
          this.deps.log.error({ err: { message: (err as Error).message }, briefingId }, 'recording a delivery failed; the record will be retried'),
        );
        this.inFlight.add(task);
        void task.finally(() => {
          this.inFlight.delete(task);
          this.dispatching.delete(doc.id);
        });
        if (this.opts.clock() - lastProgress >= this.opts.progressEveryMs) {
          lastProgress = this.opts.clock();
          await this.refreshProgress(briefingId, false);
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
        const settled = await Promise.race([queueing.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
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
        const soon = (await this.dueBatch(briefingId, this.opts.retryBaseMs)).filter((d) => d.state === 'queued' && d.attempts > 0 && !this.throttledIds.has(d.id));
        if (soon.length > 0) {
          early = soon;
          continue;
        }
      }
      if (this.opts.clock() - lastProgress >= this.opts.progressEveryMs) {
        lastProgress = this.opts.clock();
        await this.refreshProgress(briefingId, false);
      }
      const pause = new Promise((r) => setTimeout(r, Math.min(Math.max(waitMs, 20), 1000)));
      // Our own sends on the wire finish sooner than their leases: wake as soon as one does.
      await Promise.race(this.inFlight.size ? [pause, ...this.inFlight] : [pause]);
    }
  }

  /** Up to 200 records due now (or within `aheadMs`), queued or with a lapsed lease. */
  private async dueBatch(briefingId: string, aheadMs = 0): Promise<DeliveryDoc[]> {
    const now = new Date(this.opts.clock() + aheadMs).toISOString();
    const resources = await readAll(
      this.deps.store.deliveries.items.query<DeliveryDoc>(
        {
          query:
            "SELECT TOP 200 * FROM c WHERE c.briefingId = @b AND ((c.state = 'queued' AND c.nextAttemptAt <= @now) OR (c.state = 'sending' AND c.leaseUntil <= @now))",
          parameters: [
            { name: '@b', value: briefingId },
            { name: '@now', value: now },
          ],
        },
        { partitionKey: briefingId, maxItemCount: 200 },
      ),
    );
    return resources;
  }

  /** Milliseconds until something is due; undefined when nothing is left to send. */
  private async untilNextDue(briefingId: string): Promise<number | undefined> {
    const resources = await readAll(
      this.deps.store.deliveries.items.query<Pick<DeliveryDoc, 'state' | 'nextAttemptAt' | 'leaseUntil'>>(
        {
          query: "SELECT c.state, c.nextAttemptAt, c.leaseUntil FROM c WHERE c.briefingId = @b AND (c.state = 'queued' OR c.state = 'sending')",
          parameters: [{ name: '@b', value: briefingId }],
        },
        { ...MANY, partitionKey: briefingId },
      ),
    );
    if (resources.length === 0) return undefined;
    const now = this.opts.clock();
    // A loop, not Math.min(...): a spread of 200,000 arguments overflows the call stack.
    let soonest = Infinity;
    for (const r of resources) soonest = Math.min(soonest, Date.parse(r.state === 'queued' ? r.nextAttemptAt : (r.leaseUntil ?? r.nextAttemptAt)) - now);
    return soonest;
  }

  /** Sends allowed to be claimed or on the wire at once (per worker). */
  private get maxInFlight(): number {
    return Math.max(8, Math.ceil(this.opts.messagesPerSecond / 2));
  }

  /** Claim, wait for a send slot, send, record. */
  private async dispatch(briefing: BriefingDoc, doc: DeliveryDoc, chat: { reference: Record<string, unknown> } | undefined): Promise<void> {
    const claimed = await this.claim(doc);
    if (!claimed) return;
    if (this.stopping) {
      await this.release(claimed);
      return;
    }
    await this.send(briefing, claimed, chat);
  }

  /** Takes a record for this worker; undefined if another worker changed it first. */
  private async claim(doc: DeliveryDoc): Promise<DeliveryDoc | undefined> {
    const interrupted = doc.state === 'sending';
    if (interrupted) this.deps.log.warn({ briefingId: doc.briefingId, worker: doc.worker }, 'a worker stopped after claiming a send and before recording it; sending again');
    const next: DeliveryDoc = {
      ...doc,
      state: 'sending',
      worker: this.workerId,
      leaseUntil: new Date(this.opts.clock() + this.opts.leaseMs).toISOString(),
      ...(interrupted ? { interrupted: true } : {}),
    };
    return this.replace(next, doc._etag);
  }

  /** Gives an unsent claim back (stopping). */
  private async release(doc: DeliveryDoc): Promise<void> {
    const { worker: _w, leaseUntil: _l, ...rest } = doc;
    await this.replace({ ...rest, state: 'queued' }, doc._etag);
  }

  private async replace(doc: DeliveryDoc, etag: string | undefined): Promise<DeliveryDoc | undefined> {
    try {
      const { resource } = await this.deps.store.deliveries.item(doc.id, doc.briefingId).replace<DeliveryDoc>(doc, etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {});
      return resource;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return undefined;
      throw err;
    }
  }

  /** One attempt, then the outcome recorded under the claim's etag. */
  private async send(briefing: BriefingDoc, doc: DeliveryDoc, chat?: { reference: Record<string, unknown> }): Promise<void> {
    const oid = doc.recipient.aadObjectId!;
    const attempts = doc.attempts + 1;
    const clock = this.opts.clock;
    this.throttledIds.delete(doc.id);
    let slot: number | undefined;
    const settle = async (fields: Partial<DeliveryDoc>) => {
      let current = doc;
      for (let attempt = 0; attempt < 5; attempt++) {
        const { worker: _w, leaseUntil: _l, ...rest } = current;
        const done = await this.replace({ ...rest, attempts, ...fields } as DeliveryDoc, current._etag);
        if (done) return done;
        // Written meanwhile: the person pressed "I've read this" (or Teams said they read it) before
        // Teams had answered the send. Keep what they wrote and record the outcome over it, while
        // the claim is still this worker's; otherwise the lease would run out and the card go twice.
        const latest = await this.deps.store.delivery(doc.briefingId, doc.id);
        if (!latest || latest.state !== 'sending' || latest.worker !== this.workerId) return undefined;
        current = latest;
      }
      return undefined;
    };
    try {
      const result = await this.deps.notifier.deliver(oid, this.deps.deliveryCard(briefing, doc), {
        beforeSend: async () => {
          slot = await this.pacer.take(oid);
        },
        // A chat re-created after a 404 is read afresh, not taken from this batch's look-up.
        chat: doc.recreated ? undefined : chat,
      });
      if (result === 'no-conversation') {
        await settle({ state: 'failed', reason: 'no-chat' });
        return;
      }
      this.pacer.succeeded();
      await settle({ state: 'delivered', activityId: result.activityId, deliveredAt: this.deps.now().toISOString(), detail: undefined });
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError('transient', (err as Error).message);
      const retryAt = (ms: number) => new Date(clock() + ms).toISOString();
      switch (e.kind) {
        case 'throttled': {
          const wait = e.retryAfterMs ?? backoffMs(attempts, this.opts.retryBaseMs);
          this.pacer.throttled();
          this.throttledIds.add(doc.id);
          // Throttling is Teams pacing us, not a fault of this message: it does not use up attempts.
          await settle({ state: 'queued', attempts: doc.attempts, nextAttemptAt: retryAt(wait), detail: e.message });
          return;
        }
        case 'transient':
          if (slot !== undefined) this.pacer.refund(slot);
          if (attempts >= this.opts.maxAttempts) await settle({ state: 'failed', reason: 'gave-up', detail: e.message });
          else await settle({ state: 'queued', nextAttemptAt: retryAt(e.retryAfterMs ?? backoffMs(attempts, this.opts.retryBaseMs)), detail: e.message });
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
          if (recreated) await settle({ state: 'queued', recreated: true, nextAttemptAt: retryAt(0), detail: e.message });
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

  /**
   * Quick figures while sending: four COUNT queries, no documents moved. Failure reasons come with
   * the full `counts` at the end.
   */
  async quickCounts(briefingId: string): Promise<DeliveryCounts> {
    const count = async (where: string) => {
      const resources = await readAll(
        this.deps.store.deliveries.items.query<number>({ query: `SELECT VALUE COUNT(1) FROM c WHERE c.briefingId = @b${where}`, parameters: [{ name: '@b', value: briefingId }] }, { partitionKey: briefingId }),
      );
      return resources[0] ?? 0;
    };
    const [total, delivered, failedTotal, acknowledged] = await Promise.all([
      count(''),
      count(" AND c.state = 'delivered'"),
      count(" AND c.state = 'failed'"),
      count(' AND IS_DEFINED(c.acknowledgedAt)'),
    ]);
    return { total, delivered, failedTotal, acknowledged, queued: total - delivered - failedTotal, failed: {}, seen: acknowledged };
  }

  async counts(briefingId: string): Promise<DeliveryCounts> {
    const resources = await readAll(
      this.deps.store.deliveries.items.query<Pick<DeliveryDoc, 'state' | 'reason' | 'seenAt' | 'acknowledgedAt'>>(
        { query: 'SELECT c.state, c.reason, c.seenAt, c.acknowledgedAt FROM c WHERE c.briefingId = @b', parameters: [{ name: '@b', value: briefingId }] },
        { ...MANY, partitionKey: briefingId },
      ),
    );
    return tallyDeliveries(resources);
  }

  private async ensureProgressCard(briefing: BriefingDoc): Promise<void> {
    if (briefing.progressActivityId) return;
    // Cheap counts: the queue is still being written while the first card goes out.
    const counts = await this.quickCounts(briefing.id);
    const author = briefing.author.aadObjectId;
    const paced = { beforeSend: async () => void (await this.pacer.take(author)) };
    const sent = await this.deps.notifier.deliver(author, this.deps.progressCard(briefing, counts, false), paced).catch((err: unknown) => {
      this.deps.log.warn({ err: { message: (err as Error).message }, briefingId: briefing.id }, 'could not post the progress card');
      return undefined;
    });
    if (sent && sent !== 'no-conversation') await this.update(briefing, (b) => (b.progressActivityId ? undefined : { ...b, progressActivityId: sent.activityId }));
  }

  private async refreshProgress(briefingId: string, done: boolean): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing?.progressActivityId) return;
    const counts = done ? await this.counts(briefingId) : await this.quickCounts(briefingId);
    // A missed interim update is replaced by the next one; the final summary is worth a few tries.
    for (let attempt = 1; attempt <= (done ? 4 : 1); attempt++) {
      await this.pacer.take(briefing.author.aadObjectId);
      try {
        await this.deps.notifier.update(briefing.author.aadObjectId, briefing.progressActivityId, this.deps.progressCard(briefing, counts, done));
        return;
      } catch (err) {
        this.deps.log.warn({ err: { message: (err as Error).message }, briefingId, attempt }, 'could not update the progress card');
        if (err instanceof DeliveryError && (err.kind === 'transient' || err.kind === 'throttled')) await new Promise((r) => setTimeout(r, backoffMs(attempt, this.opts.retryBaseMs)));
        else return;
      }
    }
  }

  private async finish(briefingId: string): Promise<void> {
    const briefing = await this.deps.store.get(briefingId);
    if (!briefing || briefing.status !== 'sending') return;
    const done = await this.update(briefing, (b) =>
      b.status === 'sending' ? { ...b, status: 'sent', finishedAt: this.deps.now().toISOString(), updatedAt: this.deps.now().toISOString() } : undefined,
    );
    if (!done) return; // another worker finished it
    this.deps.log.info({ briefingId }, 'briefing sent');
    await this.refreshProgress(briefingId, true);
  }

  /**
   * Read-modify-write of a briefing under its etag, re-read and retried when someone else wrote
   * first. `change` returns undefined when there is nothing (left) to do; so does this.
   */
  private async update(briefing: BriefingDoc, change: (b: BriefingDoc) => BriefingDoc | undefined): Promise<BriefingDoc | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = attempt === 0 ? briefing : await this.deps.store.get(briefing.id);
      const next = current && change(current);
      if (!current || !next) return undefined;
      try {
        const { resource } = await this.deps.store.briefings.item(current.id, current.id).replace<BriefingDoc>(next, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
        return resource;
      } catch (err) {
        if ((err as { code?: number }).code !== 412) throw err;
      }
    }
    return undefined;
  }

  /** Shares the tenant's limit between the instances that are alive now. */
  private async heartbeat(): Promise<void> {
    const now = this.opts.clock();
    if (now - this.lastHeartbeat < HEARTBEAT_MS) return;
    this.lastHeartbeat = now;
    const id = `worker:${this.workerId}`;
    await this.deps.store.briefings.items.upsert({ id, type: 'worker', lastSeen: new Date(now).toISOString() });
    const resources = await readAll(
      this.deps.store.briefings.items.query<number>({ query: "SELECT VALUE c.lastSeen FROM c WHERE c.type = 'worker' AND c.lastSeen > @since", parameters: [{ name: '@since', value: new Date(now - WORKER_TTL_MS).toISOString() }] }),
    );
    const workers = Math.max(1, resources.length);
    this.pacer.setRate(this.opts.messagesPerSecond / workers);
  }
}
