import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import type { Store } from '../storage/store';

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
  _etag?: string;
}

/** How long a claimed reminder may stay unsent before another worker may retry it. */
export const CLAIM_TIMEOUT_MS = 10 * 60 * 1000;

export class FollowUpStore {
  private readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('referrals');
  }

  async record(aadObjectId: string, routeId: string, afterHours: number, reference: string | undefined, now: Date): Promise<FollowUp> {
    const doc: FollowUp = {
      id: randomUUID(),
      aadObjectId,
      routeId,
      madeAt: now.toISOString(),
      dueAt: new Date(now.getTime() + afterHours * 3600_000).toISOString(),
      status: 'awaiting-feedback',
      ...(reference ? { reference } : {}),
    };
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
          query: "SELECT * FROM c WHERE c.aadObjectId = @oid AND c.status != 'feedback-received' ORDER BY c.madeAt DESC",
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
        await this.container.item(id, aadObjectId).replace({ ...current, status: 'feedback-received', feedbackAt: now.toISOString() }, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
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
        query: "SELECT * FROM c WHERE (c.status = 'awaiting-feedback' AND c.dueAt <= @now) OR (c.status = 'reminding' AND c.claimedAt <= @stale)",
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
        .replace<FollowUp>({ ...f, status: 'reminding', claimedAt: now.toISOString() }, { accessCondition: { type: 'IfMatch', condition: f._etag! } });
      return resource;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return undefined;
      throw err;
    }
  }

  async markReminded(f: FollowUp, now: Date): Promise<void> {
    try {
      await this.container.item(f.id, f.aadObjectId).replace({ ...f, status: 'reminded', remindedAt: now.toISOString() }, { accessCondition: { type: 'IfMatch', condition: f._etag! } });
    } catch (err) {
      // The user pressed "Feedback received" while we were sending: their answer stands.
      if ((err as { code?: number }).code !== 412) throw err;
    }
  }
}
