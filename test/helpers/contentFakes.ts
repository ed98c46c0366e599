import { randomUUID } from 'node:crypto';
import type {
  ApproveOutcome,
  ContentProposal,
  ContentStoreApi,
  ContentVersion,
  ItemReviews,
  ReviewRecord,
} from '../../src/content/store';
import { versionFrom } from '../../src/content/store';

/**
 * An in-memory ContentStore for handler tests: the same outcomes as the Cosmos store (versions
 * created once, the live pointer moved under its etag, a proposal decided once), in milliseconds.
 * `beforePointerMove` runs between reading the live version and moving it on: a test lands another
 * instance's approval there to play the etag race (the store's 412).
 */
export class FakeContentStore implements ContentStoreApi {
  readonly versions = new Map<string, ContentVersion>();
  readonly proposals = new Map<string, ContentProposal>();
  private readonly pointers = new Map<string, { version: number; etag: number }>();
  private readonly reviewed = new Map<string, ItemReviews>();
  private readonly claims = new Map<string, { status: 'claimed' | 'sent'; at: number }>();
  private readonly runsDone = new Set<string>();
  private etags = 0;
  beforePointerMove?: (set: string) => void;

  async currentVersion(set: string): Promise<number | undefined> {
    return this.pointers.get(set)?.version;
  }

  async version(set: string, n: number): Promise<ContentVersion | undefined> {
    return this.versions.get(`${set}:v${n}`);
  }

  async seed(set: string, body: Record<string, unknown>, now: Date): Promise<'seeded' | 'already'> {
    if (this.pointers.has(set)) return 'already';
    this.versions.set(`${set}:v1`, {
      id: `${set}:v1`,
      set,
      kind: 'version',
      version: 1,
      body,
      proposedBy: 'content files',
      approvedBy: 'content files',
      approvedAt: now.toISOString(),
      changes: [{ text: 'First version, from the files in content/' }],
    });
    this.pointers.set(set, { version: 1, etag: ++this.etags });
    return 'seeded';
  }

  async propose(p: Omit<ContentProposal, 'id' | 'kind' | 'status'>): Promise<ContentProposal> {
    const proposal: ContentProposal = { ...p, id: `${p.set}:p:${randomUUID()}`, kind: 'proposal', status: 'proposed' };
    this.proposals.set(proposal.id, proposal);
    return { ...proposal };
  }

  async proposal(set: string, id: string): Promise<ContentProposal | undefined> {
    const p = id.startsWith(`${set}:p:`) ? this.proposals.get(id) : undefined;
    return p && { ...p };
  }

  /** Another instance approves a change first: the next version exists and the pointer has moved. */
  landOtherVersion(set: string, now = new Date()): void {
    const pointer = this.pointers.get(set)!;
    const n = pointer.version + 1;
    this.versions.set(`${set}:v${n}`, {
      id: `${set}:v${n}`,
      set,
      kind: 'version',
      version: n,
      body: this.versions.get(`${set}:v${pointer.version}`)!.body,
      proposedBy: 'someone',
      approvedBy: 'someone else',
      approvedAt: now.toISOString(),
      changes: [{ text: 'Another change' }],
    });
    this.pointers.set(set, { version: n, etag: ++this.etags });
  }

  async approve(
    set: string,
    id: string,
    by: { aadObjectId: string; name?: string },
    now: Date,
  ): Promise<ApproveOutcome> {
    const proposal = this.proposals.get(id);
    if (!proposal || !id.startsWith(`${set}:p:`)) return { outcome: 'missing' };
    if (proposal.status !== 'proposed') return { outcome: 'already', proposal: { ...proposal } };
    if (proposal.proposedBy === by.aadObjectId) return { outcome: 'own' };
    const read = this.pointers.get(set);
    const current = read?.version ?? 0;
    if (current !== proposal.basedOn) {
      proposal.status = 'superseded';
      return { outcome: 'stale', current };
    }
    this.beforePointerMove?.(set);
    const key = `${set}:v${current + 1}`;
    if (this.versions.has(key)) return { outcome: 'stale', current: current + 1 };
    const next = versionFrom(proposal, key, current + 1, by, now);
    this.versions.set(key, next);
    if (this.pointers.get(set)?.etag !== read?.etag) {
      this.versions.delete(key);
      return { outcome: 'stale', current: this.pointers.get(set)!.version };
    }
    this.pointers.set(set, { version: next.version, etag: ++this.etags });
    Object.assign(proposal, {
      status: 'approved',
      decidedBy: by.aadObjectId,
      decidedByName: by.name,
      decidedAt: now.toISOString(),
      approvedVersion: next.version,
    });
    return { outcome: 'approved', version: next };
  }

  async decline(
    set: string,
    id: string,
    by: { aadObjectId: string; name?: string },
    reason: string,
    now: Date,
  ): Promise<'declined' | 'own' | 'already' | 'missing'> {
    const proposal = this.proposals.get(id);
    if (!proposal || !id.startsWith(`${set}:p:`)) return 'missing';
    if (proposal.status !== 'proposed') return 'already';
    if (proposal.proposedBy === by.aadObjectId) return 'own';
    Object.assign(proposal, {
      status: 'declined',
      decidedBy: by.aadObjectId,
      decidedByName: by.name,
      decidedAt: now.toISOString(),
      reason,
    });
    return 'declined';
  }

  async history(set: string): Promise<ContentVersion[]> {
    return [...this.versions.values()].filter((v) => v.set === set).sort((a, b) => b.version - a.version);
  }

  async open(set: string): Promise<ContentProposal[]> {
    return [...this.proposals.values()]
      .filter((p) => p.set === set && p.status === 'proposed')
      .sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
  }

  async reviews(set: string): Promise<ItemReviews | undefined> {
    return this.reviewed.get(set);
  }

  async recordReview(set: string, key: string, record: ReviewRecord): Promise<void> {
    this.reviewed.set(set, {
      tag: String(++this.etags),
      byItem: { ...(this.reviewed.get(set)?.byItem ?? {}), [key]: record },
    });
  }

  async claimReviewCard(month: string, person: string, now: Date): Promise<boolean> {
    const current = this.claims.get(`${month}:${person}`);
    if (current && (current.status === 'sent' || now.getTime() - current.at < 60 * 60_000)) return false;
    this.claims.set(`${month}:${person}`, { status: 'claimed', at: now.getTime() });
    return true;
  }

  async markReviewCardSent(month: string, person: string): Promise<void> {
    const current = this.claims.get(`${month}:${person}`);
    if (current) current.status = 'sent';
  }

  async releaseReviewCard(month: string, person: string): Promise<void> {
    this.claims.delete(`${month}:${person}`);
  }

  async reviewRunDone(month: string): Promise<boolean> {
    return this.runsDone.has(month);
  }

  async markReviewRunDone(month: string): Promise<void> {
    this.runsDone.add(month);
  }
}
