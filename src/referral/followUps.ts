import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { forEachPage, type Store } from '../storage/store';

/**
 * "I've made a referral": what we keep is the route, the time and the user's own reference,
 * never anything about the person they referred. A reminder is due after the route's chase
 * interval unless the user says feedback arrived.
 */
export type FollowUpStatus = 'awaiting-feedback' | 'reminding' | 'reminded' | 'feedback-received';

export interface FollowUp {
  id: string;
  aadObjectId: string;
  routeId: string;
  madeAt: string;
  dueAt: string;
  reference?: string;
  status: FollowUpStatus;
  claimedAt?: string;
  remindedAt?: string;
  feedbackAt?: string;
  /** Seconds Cosmos DB keeps a closed follow-up after its last change (time to live); unset while open. */
  ttl?: number;
  _etag?: string;
}

/**
 * Retention: a closed follow-up (feedback received, or the reminder sent) is kept this many days,
 * then deleted: by Cosmos DB's time to live in production, by `removeClosed` (a daily sweep) in
 * the embedded store. Set from REFERRAL_RETENTION_DAYS at start.
 */
export const DEFAULT_RETENTION_DAYS = 90;
let retentionDays = DEFAULT_RETENTION_DAYS;
export function setFollowUpRetention(days: number): void {
  retentionDays = days;
}
const ttl = () => retentionDays * 86_400;

/** How long a claimed reminder may stay unsent before another worker may retry it. */
export const CLAIM_TIMEOUT_MS = 10 * 60 * 1000;

/** A follow-up as it is first recorded: awaiting feedback, due `afterHours` from now. */
export function newFollowUp(
  aadObjectId: string,
  routeId: string,
  afterHours: number,
  reference: string | undefined,
  now: Date,
): FollowUp {
  return {
    id: randomUUID(),
    aadObjectId,
    routeId,
    madeAt: now.toISOString(),
    dueAt: new Date(now.getTime() + afterHours * 3600_000).toISOString(),
    status: 'awaiting-feedback',
    ...(reference ? { reference } : {}),
  };
}

export class FollowUpStore {
  private readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('referrals');
  }

  async record(
    aadObjectId: string,
    routeId: string,
    afterHours: number,
    reference: string | undefined,
    now: Date,
  ): Promise<FollowUp> {
    const doc = newFollowUp(aadObjectId, routeId, afterHours, reference, now);
    const { resource } = await this.container.items.create(doc);
    return resource as FollowUp;
  }

  async get(aadObjectId: string, id: string): Promise<FollowUp | undefined> {
    const { resource } = await this.container.item(id, aadObjectId).read<FollowUp>();
    return resource;
  }

  async open(aadObjectId: string): Promise<FollowUp[]> {
    const { resources } = await this.container.items
      .query<FollowUp>(
        {
          query:
            "SELECT * FROM c WHERE c.aadObjectId = @oid AND c.status != 'feedback-received' ORDER BY c.madeAt DESC",
          parameters: [{ name: '@oid', value: aadObjectId }],
        },
        { partitionKey: aadObjectId },
      )
      .fetchAll();
    return resources;
  }

  /** Marks feedback as received; returns false if it already was. Guarded by the etag. */
  async feedbackReceived(aadObjectId: string, id: string, now: Date): Promise<'updated' | 'already' | 'missing'> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(aadObjectId, id);
      if (!current) return 'missing';
      if (current.status === 'feedback-received') return 'already';
      try {
        await this.container
          .item(id, aadObjectId)
          .replace(
            { ...current, status: 'feedback-received', feedbackAt: now.toISOString(), ttl: ttl() },
            { accessCondition: { type: 'IfMatch', condition: current._etag! } },
          );
        return 'updated';
      } catch (err) {
        if ((err as { code?: number }).code !== 412) throw err;
      }
    }
    throw new Error('The follow-up kept changing; giving up');
  }

  /** Reminders that are due now, including claims abandoned by a worker that died. */
  async due(now: Date): Promise<FollowUp[]> {
    const { resources } = await this.container.items
      .query<FollowUp>({
        query:
          "SELECT * FROM c WHERE (c.status = 'awaiting-feedback' AND c.dueAt <= @now) OR (c.status = 'reminding' AND c.claimedAt <= @stale)",
        parameters: [
          { name: '@now', value: now.toISOString() },
          { name: '@stale', value: new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString() },
        ],
      })
      .fetchAll();
    return resources;
  }

  /** Claims one reminder for this worker: exactly one claimant wins, by etag. */
  async claim(f: FollowUp, now: Date): Promise<FollowUp | undefined> {
    try {
      const { resource } = await this.container
        .item(f.id, f.aadObjectId)
        .replace<FollowUp>(
          { ...f, status: 'reminding', claimedAt: now.toISOString() },
          { accessCondition: { type: 'IfMatch', condition: f._etag! } },
        );
      return resource;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return undefined;
      throw err;
    }
  }

  async markReminded(f: FollowUp, now: Date): Promise<void> {
    try {
      await this.container
        .item(f.id, f.aadObjectId)
        .replace(
          { ...f, status: 'reminded', remindedAt: now.toISOString(), ttl: ttl() },
          { accessCondition: { type: 'IfMatch', condition: f._etag! } },
        );
    } catch (err) {
      // The user pressed "Feedback received" while we were sending: their answer stands.
      if ((err as { code?: number }).code !== 412) throw err;
    }
  }

  /** Deletes follow-ups closed more than the retention period ago; returns how many. */
  async removeClosed(now: Date, days = retentionDays): Promise<number> {
    const before = new Date(now.getTime() - days * 86_400_000).toISOString();
    const closed: { id: string; aadObjectId: string }[] = [];
    await forEachPage(
      this.container.items.query<{ id: string; aadObjectId: string }>(
        {
          query:
            "SELECT c.id, c.aadObjectId FROM c WHERE (c.status = 'feedback-received' AND c.feedbackAt < @before) OR (c.status = 'reminded' AND c.remindedAt < @before)",
          parameters: [{ name: '@before', value: before }],
        },
        { maxItemCount: 1000 },
      ),
      (page) => {
        for (const f of page) closed.push(f);
      },
    );
    let removed = 0;
    for (const f of closed) {
      await this.container
        .item(f.id, f.aadObjectId)
        .delete()
        .then(() => removed++)
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== 404) throw err;
        });
    }
    return removed;
  }
}

/** What the referral capability asks of its follow-ups: the store, or an in-memory fake in tests. */
export type FollowUpStoreApi = Pick<FollowUpStore, keyof FollowUpStore>;
