import type { Container } from '@azure/cosmos';
import { bulkWrite } from '../storage/conditional';
import { readAll, MANY } from '../storage/store';
import { tallyDeliveries, type DeliveryCounts } from './progress';
import type { BriefingDoc, BriefingStore, DeliveryDoc } from './store';

/**
 * The delivery engine's requests to Cosmos: the durable send queue (one record per briefing and
 * recipient), claims and leases under etags, the briefing's own progress fields, and the workers'
 * heartbeats. Every write that could race is conditional on the etag the caller read, and says
 * so in what it returns (undefined or false: someone else wrote first).
 */
/** One person an audience covers, as the staff directory has them now. */
export interface Recipient {
  employeeId: string;
  name: string;
  team: string;
  aadObjectId?: string;
}

export class DeliveryQueue {
  private readonly briefings: Container;
  private readonly deliveries: Container;

  constructor(private readonly store: BriefingStore) {
    this.briefings = store.briefings;
    this.deliveries = store.deliveries;
  }

  /** Marks a confirmed briefing as sending, once, under the etag it was read with; false if anyone wrote first. */
  async startSending(briefing: BriefingDoc, next: BriefingDoc): Promise<boolean> {
    return (await this.store.saveBriefing(next, briefing._etag!)) === 'saved';
  }

  /**
   * Read-modify-write of a briefing under its etag, re-read and retried when someone else wrote
   * first. `change` returns undefined when there is nothing (left) to do; so does this.
   */
  async update(
    briefing: BriefingDoc,
    change: (b: BriefingDoc) => BriefingDoc | undefined,
  ): Promise<BriefingDoc | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = attempt === 0 ? briefing : await this.store.get(briefing.id);
      const next = current && change(current);
      if (!current || !next) return undefined;
      try {
        const { resource } = await this.briefings
          .item(current.id, current.id)
          .replace<BriefingDoc>(next, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
        this.store.changed();
        return resource;
      } catch (err) {
        if ((err as { code?: number }).code !== 412) throw err;
      }
    }
    return undefined;
  }

  /**
   * Creates every delivery record of a briefing, one per person (idempotent: a record that exists
   * is left alone), due at `now`. Someone without a Teams account is recorded as not delivered.
   */
  async enqueue(briefing: BriefingDoc, recipients: Recipient[], now: string): Promise<number> {
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
    // Written in bulk, 100 a request.
    let failed = 0;
    await bulkWrite(
      this.deliveries,
      docs.map((d) => ({
        op: { operationType: 'Create' as const, partitionKey: d.briefingId, resourceBody: d as never },
      })),
      (_item, failure) => {
        // 409: the record is already there from an earlier, interrupted attempt.
        if (failure && !failure.startsWith('changed by someone else')) failed++;
      },
    );
    if (failed)
      throw new Error(`${failed} delivery records could not be written; the queue will be completed on the next pass`);
    return docs.length;
  }

  /** Up to 200 records due by `now` (ISO), queued or with a lapsed lease. */
  async due(briefingId: string, now: string): Promise<DeliveryDoc[]> {
    const resources = await readAll(
      this.deliveries.items.query<DeliveryDoc>(
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

  /** The timing fields of every record still to send (queued, or claimed and on the wire). */
  async unsent(briefingId: string): Promise<Pick<DeliveryDoc, 'state' | 'nextAttemptAt' | 'leaseUntil'>[]> {
    const resources = await readAll(
      this.deliveries.items.query<Pick<DeliveryDoc, 'state' | 'nextAttemptAt' | 'leaseUntil'>>(
        {
          query:
            "SELECT c.state, c.nextAttemptAt, c.leaseUntil FROM c WHERE c.briefingId = @b AND (c.state = 'queued' OR c.state = 'sending')",
          parameters: [{ name: '@b', value: briefingId }],
        },
        { ...MANY, partitionKey: briefingId },
      ),
    );
    return resources;
  }

  /**
   * Writes a delivery record under the etag it was read (or claimed) with; without one, as it is.
   * Returns it as stored, or undefined if another worker (or the person) changed it first.
   */
  async replace(doc: DeliveryDoc, etag: string | undefined): Promise<DeliveryDoc | undefined> {
    try {
      const { resource } = await this.deliveries
        .item(doc.id, doc.briefingId)
        .replace<DeliveryDoc>(doc, etag ? { accessCondition: { type: 'IfMatch', condition: etag } } : {});
      return resource;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return undefined;
      throw err;
    }
  }

  /**
   * Quick figures while sending: four COUNT queries, no documents moved. Failure reasons come with
   * the full `counts` at the end.
   */
  async quickCounts(briefingId: string): Promise<DeliveryCounts> {
    const count = async (where: string) => {
      const resources = await readAll(
        this.deliveries.items.query<number>(
          {
            query: `SELECT VALUE COUNT(1) FROM c WHERE c.briefingId = @b${where}`,
            parameters: [{ name: '@b', value: briefingId }],
          },
          { partitionKey: briefingId },
        ),
      );
      return resources[0] ?? 0;
    };
    const [total, delivered, failedTotal, acknowledged] = await Promise.all([
      count(''),
      count(" AND c.state = 'delivered'"),
      count(" AND c.state = 'failed'"),
      count(' AND IS_DEFINED(c.acknowledgedAt)'),
    ]);
    return {
      total,
      delivered,
      failedTotal,
      acknowledged,
      queued: total - delivered - failedTotal,
      failed: {},
      seen: acknowledged,
    };
  }

  /** The full figures, failure reasons included: a few short fields of every record. */
  async counts(briefingId: string): Promise<DeliveryCounts> {
    const resources = await readAll(
      this.deliveries.items.query<Pick<DeliveryDoc, 'state' | 'reason' | 'seenAt' | 'acknowledgedAt'>>(
        {
          query: 'SELECT c.state, c.reason, c.seenAt, c.acknowledgedAt FROM c WHERE c.briefingId = @b',
          parameters: [{ name: '@b', value: briefingId }],
        },
        { ...MANY, partitionKey: briefingId },
      ),
    );
    return tallyDeliveries(resources);
  }

  /** This worker is alive at `now`; returns how many workers have been seen since `since` (this one included). */
  async heartbeat(workerId: string, now: number, since: number): Promise<number> {
    const id = `worker:${workerId}`;
    await this.briefings.items.upsert({ id, type: 'worker', lastSeen: new Date(now).toISOString() });
    const resources = await readAll(
      this.briefings.items.query<number>({
        query: "SELECT VALUE c.lastSeen FROM c WHERE c.type = 'worker' AND c.lastSeen > @since",
        parameters: [{ name: '@since', value: new Date(since).toISOString() }],
      }),
    );
    return resources.length;
  }

  /** This worker has stopped: its share of the limit goes to the others from their next heartbeat. */
  async retire(workerId: string): Promise<void> {
    await this.briefings
      .item(`worker:${workerId}`, `worker:${workerId}`)
      .delete()
      .catch(() => undefined);
  }
}
