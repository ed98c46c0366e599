import type { Container } from '@azure/cosmos';
import { writeIfUnchanged } from '../storage/conditional';
import { BIG_PAGE, forEachPage, isStorableId, readAll, MANY, type Store } from '../storage/store';
import type { BriefingContent } from './content';

/** How long one query of the briefings list serves every list in this process. */
export const RECENT_FOR_MS = 5_000;

export type BriefingStatus = 'draft' | 'scheduled' | 'sending' | 'sent';

export type Audience = { kind: 'everyone' } | { kind: 'teams' | 'staffGroups' | 'practices'; values: string[] };

export interface BriefingDoc {
  id: string;
  type: 'briefing';
  status: BriefingStatus;
  content: BriefingContent;
  /** The library briefing it started from, if any. */
  libraryId?: string;
  /** Increases with every saved edit. */
  version: number;
  author: { aadObjectId: string; name: string };
  createdAt: string;
  updatedAt: string;
  audience?: Audience;
  /** When to send (UTC); absent means as soon as it is confirmed. */
  sendAt?: string;
  confirmedAt?: string;
  /** Set once every delivery record exists: the queue is complete. */
  queuedAt?: string;
  recipients?: number;
  startedAt?: string;
  finishedAt?: string;
  /** The author's progress card, updated in place. */
  progressActivityId?: string;
  _etag?: string;
}

export type DeliveryState = 'queued' | 'sending' | 'delivered' | 'failed';

/** Why a delivery failed for good. Never "not installed" for a chat that was deleted or blocked. */
export type FailureReason = 'no-chat' | 'not-in-teams' | 'chat-deleted' | 'blocked' | 'gave-up' | 'rejected';

export const FAILURE_LABELS: Record<FailureReason, string> = {
  'no-chat': 'has not opened a chat with the bot yet',
  'not-in-teams': 'has no Teams account in the staff list',
  'chat-deleted': 'chat deleted (could not be re-opened)',
  blocked: 'blocked the bot',
  'gave-up': 'Teams kept failing; gave up after several tries',
  rejected: 'Teams refused the message',
};

export interface DeliveryDoc {
  id: string;
  briefingId: string;
  type: 'delivery';
  recipient: { aadObjectId?: string; employeeId: string; name: string; team: string };
  state: DeliveryState;
  reason?: FailureReason;
  /** The last error, for the operator (status and short message; never message content). */
  detail?: string;
  attempts: number;
  nextAttemptAt: string;
  leaseUntil?: string;
  worker?: string;
  /** The chat was re-created once after a 404. */
  recreated?: boolean;
  /**
   * A worker was killed after claiming this record and before recording its outcome, so it may or
   * may not have reached Teams; it was sent (again). The only way a person can get a briefing twice.
   */
  interrupted?: boolean;
  activityId?: string;
  deliveredAt?: string;
  seenAt?: string;
  acknowledgedAt?: string;
  remindedAt?: string;
  _etag?: string;
}

/**
 * Briefings and their delivery records: the reads and writes of the people using the bot. The
 * delivery engine's own requests (claims, leases, heartbeats) are in ./queue.ts.
 */
export class BriefingStore {
  /** The containers themselves: for ./queue.ts and the demo loader (src/demo/) only. */
  readonly briefings: Container;
  readonly deliveries: Container;
  private readonly conversations: Container;

  /**
   * The briefings staff see in their list (sending or sent, newest first): the same for everyone,
   * so one query serves every list for {@link RECENT_FOR_MS}, and turns that ask while it runs
   * share it. Any change this process makes to a briefing drops it at once; a briefing sent by
   * another instance shows in this one's list within that time.
   */
  private recent?: { until: number; top: number; docs: Promise<BriefingDoc[]> };

  constructor(
    store: Store,
    /** A monotonic clock in ms for how long the list is reused (tests pass their own). */
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.briefings = store.container('briefings');
    this.deliveries = store.container('deliveries');
    this.conversations = store.container('conversations');
  }

  /** Briefings sent or being sent, newest first, as staff see them in the list (at most `top`). */
  async recentlySent(top = 30): Promise<BriefingDoc[]> {
    const now = this.clock();
    let recent = this.recent;
    if (!recent || recent.until <= now || recent.top < top) {
      const docs = this.list({ status: ['sending', 'sent'] }, top);
      recent = this.recent = { until: now + RECENT_FOR_MS, top, docs };
      // A failed query is not kept: the next list asks again.
      docs.catch(() => {
        if (this.recent === recent) this.recent = undefined;
      });
    }
    return (await recent.docs).slice(0, top);
  }

  /** A briefing was written by this process (here or by ./queue.ts): the next list reads again. */
  changed(): void {
    this.recent = undefined;
  }

  /** The stored 1:1 chats of many people in one query (the bot layer reads their inside). */
  async chatsFor(aadObjectIds: string[]): Promise<Map<string, { reference: Record<string, unknown> }>> {
    if (aadObjectIds.length === 0) return new Map();
    const resources = await readAll(
      this.conversations.items.query<{ id: string; reference: Record<string, unknown> }>(
        {
          query: 'SELECT c.id, c.reference FROM c WHERE ARRAY_CONTAINS(@ids, c.id)',
          parameters: [{ name: '@ids', value: aadObjectIds }],
        },
        MANY,
      ),
    );
    return new Map(resources.map((r) => [r.id, { reference: r.reference }]));
  }

  async get(id: string): Promise<BriefingDoc | undefined> {
    if (!isStorableId(id)) return undefined;
    const { resource } = await this.briefings.item(id, id).read<BriefingDoc>();
    return resource?.type === 'briefing' ? resource : undefined;
  }

  async list(filter: { status?: BriefingStatus[]; author?: string }, top = 50): Promise<BriefingDoc[]> {
    const where = ["c.type = 'briefing'"];
    const parameters: { name: string; value: string | string[] }[] = [];
    if (filter.status) {
      where.push('ARRAY_CONTAINS(@status, c.status)');
      parameters.push({ name: '@status', value: filter.status });
    }
    if (filter.author) {
      where.push('c.author.aadObjectId = @author');
      parameters.push({ name: '@author', value: filter.author });
    }
    const resources = await readAll(
      this.briefings.items.query<BriefingDoc>({
        query: `SELECT TOP ${top} * FROM c WHERE ${where.join(' AND ')} ORDER BY c.updatedAt DESC`,
        parameters,
      }),
    );
    return resources;
  }

  async delivery(briefingId: string, id: string): Promise<DeliveryDoc | undefined> {
    const { resource } = await this.deliveries.item(id, briefingId).read<DeliveryDoc>();
    return resource;
  }

  /** Every delivery record of a briefing (one partition). */
  async deliveriesOf(briefingId: string): Promise<DeliveryDoc[]> {
    const resources = await readAll(
      this.deliveries.items.query<DeliveryDoc>(
        { query: 'SELECT * FROM c WHERE c.briefingId = @b', parameters: [{ name: '@b', value: briefingId }] },
        { ...MANY, partitionKey: briefingId },
      ),
    );
    return resources;
  }

  /** Deliveries to one person that Teams may report as read (for read receipts). */
  async unseenFor(aadObjectId: string): Promise<DeliveryDoc[]> {
    const resources = await readAll(
      this.deliveries.items.query<DeliveryDoc>({
        query:
          "SELECT * FROM c WHERE c.recipient.aadObjectId = @oid AND c.state = 'delivered' AND NOT IS_DEFINED(c.seenAt)",
        parameters: [{ name: '@oid', value: aadObjectId }],
      }),
    );
    return resources;
  }

  /** Sent briefings addressed to this person, newest first. */
  async deliveredTo(aadObjectId: string, top = 20): Promise<DeliveryDoc[]> {
    const resources = await readAll(
      this.deliveries.items.query<DeliveryDoc>({
        query: `SELECT TOP ${top} * FROM c WHERE c.recipient.aadObjectId = @oid AND c.state = 'delivered' ORDER BY c.deliveredAt DESC`,
        parameters: [{ name: '@oid', value: aadObjectId }],
      }),
    );
    return resources;
  }

  /** Who has a 1:1 chat with the bot (lower-case Entra object ids), read a page at a time. */
  async reachable(): Promise<Set<string>> {
    const reachable = new Set<string>();
    await forEachPage(this.conversations.items.query<string>('SELECT VALUE c.id FROM c', BIG_PAGE), (page) => {
      for (const id of page) reachable.add(id);
    });
    return reachable;
  }

  /** A new briefing (a draft a lead has just started); returns it as stored. */
  async create(doc: BriefingDoc): Promise<BriefingDoc> {
    const { resource } = await this.briefings.items.create(doc);
    this.changed();
    return resource as BriefingDoc;
  }

  /**
   * A briefing changed by a lead (edited, its audience chosen, confirmed, cancelled or moved),
   * written under the etag it was read with: 'changed' if anyone (the engine, another lead, another
   * device) wrote first, and nothing is written.
   */
  async saveBriefing(next: BriefingDoc, etag: string | undefined): Promise<'saved' | 'changed'> {
    const saved = await writeIfUnchanged(this.briefings, next, next.id, etag);
    if (saved) this.changed();
    return saved ? 'saved' : 'changed';
  }

  /** A delivery's outcome written under the etag it was read with ('changed' if anyone wrote first). */
  async saveDelivery(next: DeliveryDoc, etag: string | undefined): Promise<'saved' | 'changed'> {
    return (await writeIfUnchanged(this.deliveries, next, next.briefingId, etag)) ? 'saved' : 'changed';
  }

  /** "I've read this" recorded under the delivery's etag: 'changed' if it was written meanwhile (read it again). */
  async acknowledge(delivery: DeliveryDoc, at: string): Promise<'saved' | 'changed'> {
    const next = { ...delivery, acknowledgedAt: at, seenAt: delivery.seenAt ?? at };
    return (await writeIfUnchanged(this.deliveries, next, delivery.briefingId, delivery._etag)) ? 'saved' : 'changed';
  }

  /** A Teams read receipt recorded under the delivery's etag; 'changed' (acknowledged meanwhile) is fine and left alone. */
  async markSeen(delivery: DeliveryDoc, at: string): Promise<'saved' | 'changed'> {
    return (await writeIfUnchanged(this.deliveries, { ...delivery, seenAt: at }, delivery.briefingId, delivery._etag))
      ? 'saved'
      : 'changed';
  }

  /**
   * Claims one person's reminder under the delivery's etag before it is sent, so a second press,
   * or a second instance, cannot remind them twice. False when it was not claimed, for any reason.
   */
  async claimReminder(delivery: DeliveryDoc, at: string): Promise<boolean> {
    return this.deliveries
      .item(delivery.id, delivery.briefingId)
      .replace({ ...delivery, remindedAt: at }, { accessCondition: { type: 'IfMatch', condition: delivery._etag! } })
      .then(() => true)
      .catch(() => false);
  }
}
