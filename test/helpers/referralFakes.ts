import { CLAIM_TIMEOUT_MS, newFollowUp, type FollowUp, type FollowUpStoreApi } from '../../src/referral/followUps';

/**
 * An in-memory FollowUpStore for handler tests, with the store's outcomes: a reminder is claimed
 * by exactly one worker (by etag), a feedback answer stands over a reminder being sent.
 * `beforeClaim` runs just before a claim is written: a test claims the reminder as another
 * worker there to play the etag race (the store's 412).
 */
export class FakeFollowUpStore implements FollowUpStoreApi {
  readonly docs = new Map<string, FollowUp>();
  private etags = 0;
  beforeClaim?: (f: FollowUp) => void;

  private put(doc: FollowUp): FollowUp {
    const stored = { ...doc, _etag: String(++this.etags) };
    this.docs.set(doc.id, stored);
    return { ...stored };
  }

  async record(
    aadObjectId: string,
    routeId: string,
    afterHours: number,
    reference: string | undefined,
    now: Date,
  ): Promise<FollowUp> {
    return this.put(newFollowUp(aadObjectId, routeId, afterHours, reference, now));
  }

  async get(aadObjectId: string, id: string): Promise<FollowUp | undefined> {
    const f = this.docs.get(id);
    return f && f.aadObjectId === aadObjectId ? { ...f } : undefined;
  }

  async open(aadObjectId: string): Promise<FollowUp[]> {
    return [...this.docs.values()]
      .filter((f) => f.aadObjectId === aadObjectId && f.status !== 'feedback-received')
      .sort((a, b) => b.madeAt.localeCompare(a.madeAt))
      .map((f) => ({ ...f }));
  }

  async feedbackReceived(aadObjectId: string, id: string, now: Date): Promise<'updated' | 'already' | 'missing'> {
    const current = await this.get(aadObjectId, id);
    if (!current) return 'missing';
    if (current.status === 'feedback-received') return 'already';
    this.put({ ...current, status: 'feedback-received', feedbackAt: now.toISOString() });
    return 'updated';
  }

  async due(now: Date): Promise<FollowUp[]> {
    const stale = new Date(now.getTime() - CLAIM_TIMEOUT_MS).toISOString();
    return [...this.docs.values()]
      .filter(
        (f) =>
          (f.status === 'awaiting-feedback' && f.dueAt <= now.toISOString()) ||
          (f.status === 'reminding' && f.claimedAt! <= stale),
      )
      .map((f) => ({ ...f }));
  }

  /** Claims as another worker would: the reminder's etag moves on. */
  claimAsAnotherWorker(f: FollowUp, now: Date): void {
    this.put({ ...this.docs.get(f.id)!, status: 'reminding', claimedAt: now.toISOString() });
  }

  async claim(f: FollowUp, now: Date): Promise<FollowUp | undefined> {
    this.beforeClaim?.(f);
    if (this.docs.get(f.id)?._etag !== f._etag) return undefined;
    return this.put({ ...f, status: 'reminding', claimedAt: now.toISOString() });
  }

  async markReminded(f: FollowUp, now: Date): Promise<void> {
    // The person pressed "Feedback received" while the reminder was being sent: their answer stands.
    if (this.docs.get(f.id)?._etag !== f._etag) return;
    this.put({ ...f, status: 'reminded', remindedAt: now.toISOString() });
  }

  async removeClosed(now: Date, days = 90): Promise<number> {
    const before = new Date(now.getTime() - days * 86_400_000).toISOString();
    let removed = 0;
    for (const f of [...this.docs.values()]) {
      if (
        (f.status === 'feedback-received' && f.feedbackAt! < before) ||
        (f.status === 'reminded' && f.remindedAt! < before)
      ) {
        this.docs.delete(f.id);
        removed++;
      }
    }
    return removed;
  }
}
