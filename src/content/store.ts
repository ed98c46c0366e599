import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { writeIfUnchanged } from '../storage/conditional';
import { MANY, type Store } from '../storage/store';

/**
 * Versioned content sets in Cosmos (container `content`, partition = the set, e.g. "referral").
 * Every approved version is kept whole; a proposal is a document of its own until a second
 * safeguarding lead approves it; a pointer document names the live version. All reads a turn or a
 * refresh makes are point reads (1 RU each in Cosmos DB); the pointer is replaced under its etag,
 * so two approvals can never both become the next version.
 */
export interface ContentChange {
  /** Plain words for a person: "MASH telephone: 01709 336080 → 01709 336081". */
  text: string;
  /** A phone number changed: the proposer confirmed they dialled it. */
  phoneChanged?: boolean;
}

export interface ContentVersion {
  id: string;
  set: string;
  kind: 'version';
  version: number;
  body: Record<string, unknown>;
  proposedBy: string;
  proposedByName?: string;
  approvedBy: string;
  approvedByName?: string;
  approvedAt: string;
  changes: ContentChange[];
  /** The proposer confirmed a changed phone number by calling it. */
  phoneConfirmed?: boolean;
  rollbackOf?: number;
}

export interface ContentProposal {
  id: string;
  set: string;
  kind: 'proposal';
  status: 'proposed' | 'approved' | 'declined' | 'superseded';
  basedOn: number;
  body: Record<string, unknown>;
  changes: ContentChange[];
  proposedBy: string;
  proposedByName?: string;
  proposedAt: string;
  phoneConfirmed?: boolean;
  rollbackOf?: number;
  decidedBy?: string;
  decidedByName?: string;
  decidedAt?: string;
  reason?: string;
  approvedVersion?: number;
  _etag?: string;
}

interface Pointer {
  id: string;
  set: string;
  kind: 'pointer';
  version: number;
  _etag?: string;
}

export type ApproveOutcome =
  | { outcome: 'approved'; version: ContentVersion }
  | { outcome: 'own' }
  | { outcome: 'stale'; current: number }
  | { outcome: 'already'; proposal: ContentProposal }
  | { outcome: 'missing' };

/** One "still correct" review: who checked an item and when. */
export interface ReviewRecord {
  /** The day it was checked (`YYYY-MM-DD`, UK): the item's review date moves on from here. */
  on: string;
  at: string;
  by: string;
  byName?: string;
}

/** The latest review of each item of a set, by `route:<id>` or `contact:<id>`; `tag` changes whenever one is recorded. */
export interface ItemReviews {
  tag: string | undefined;
  byItem: Record<string, ReviewRecord>;
}

/** The latest review of each item of a set (`route:<id>`, `contact:<id>`), kept beside the versions. */
interface ReviewsDoc {
  id: string;
  set: string;
  kind: 'reviews';
  items: Record<string, ReviewRecord>;
  _etag?: string;
}

/** Who has been sent the monthly review card: one document per person per month, created once. */
interface ReviewClaim {
  id: string;
  set: string;
  kind: 'review-claim';
  month: string;
  person: string;
  status: 'claimed' | 'sent';
  claimedAt: string;
  sentAt?: string;
  items?: number;
  _etag?: string;
}

/** A claim left as `claimed` this long (its instance stopped mid-send) may be taken again. */
const CLAIM_STALE_MS = 60 * 60_000;
const CLAIMS = 'review-claims';

const versionId = (set: string, n: number) => `${set}:v${n}`;
const reviewsId = (set: string) => `${set}:reviews`;
const pointerId = (set: string) => `${set}:current`;

/** The version an approved proposal becomes: its body and changes, who proposed and who approved it. */
export function versionFrom(proposal: ContentProposal, id: string, version: number, by: { aadObjectId: string; name?: string }, now: Date): ContentVersion {
  return {
    id,
    set: proposal.set,
    kind: 'version',
    version,
    body: proposal.body,
    proposedBy: proposal.proposedBy,
    proposedByName: proposal.proposedByName,
    approvedBy: by.aadObjectId,
    approvedByName: by.name,
    approvedAt: now.toISOString(),
    changes: proposal.changes,
    phoneConfirmed: proposal.phoneConfirmed,
    rollbackOf: proposal.rollbackOf,
  };
}

export class ContentStore {
  private readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('content');
  }

  /** The live version's number: one point read. */
  async currentVersion(set: string): Promise<number | undefined> {
    const { resource } = await this.container.item(pointerId(set), set).read<Pointer>();
    return resource?.version;
  }

  async version(set: string, n: number): Promise<ContentVersion | undefined> {
    const { resource } = await this.container.item(versionId(set, n), set).read<ContentVersion>();
    return resource;
  }

  /** First start: the files become version 1. Safe when several instances start at once (the second create is refused). */
  async seed(set: string, body: Record<string, unknown>, now: Date): Promise<'seeded' | 'already'> {
    if ((await this.currentVersion(set)) !== undefined) return 'already';
    const v1: ContentVersion = { id: versionId(set, 1), set, kind: 'version', version: 1, body, proposedBy: 'content files', approvedBy: 'content files', approvedAt: now.toISOString(), changes: [{ text: 'First version, from the files in content/' }] };
    if (!(await writeIfUnchanged(this.container, v1, set, undefined))) return 'already';
    return (await writeIfUnchanged(this.container, { id: pointerId(set), set, kind: 'pointer', version: 1 } satisfies Pointer, set, undefined)) ? 'seeded' : 'already';
  }

  async propose(p: Omit<ContentProposal, 'id' | 'kind' | 'status'>): Promise<ContentProposal> {
    const proposal: ContentProposal = { ...p, id: `${p.set}:p:${randomUUID()}`, kind: 'proposal', status: 'proposed' };
    await this.container.items.create(proposal);
    return proposal;
  }

  async proposal(set: string, id: string): Promise<ContentProposal | undefined> {
    if (!id.startsWith(`${set}:p:`)) return undefined;
    const { resource } = await this.container.item(id, set).read<ContentProposal>();
    return resource;
  }

  /**
   * A different lead approves: the proposal must still be based on the live version (otherwise
   * someone else's change went live first and this one would undo it), the next version is
   * written, then the pointer moves under its etag.
   */
  async approve(set: string, id: string, by: { aadObjectId: string; name?: string }, now: Date): Promise<ApproveOutcome> {
    const proposal = await this.proposal(set, id);
    if (!proposal) return { outcome: 'missing' };
    if (proposal.status !== 'proposed') return { outcome: 'already', proposal };
    if (proposal.proposedBy === by.aadObjectId) return { outcome: 'own' };
    const { resource: pointer } = await this.container.item(pointerId(set), set).read<Pointer>();
    const current = pointer?.version ?? 0;
    if (current !== proposal.basedOn) {
      await writeIfUnchanged(this.container, { ...proposal, status: 'superseded', decidedAt: now.toISOString() }, set, proposal._etag);
      return { outcome: 'stale', current };
    }
    const next = versionFrom(proposal, versionId(set, current + 1), current + 1, by, now);
    // Created, never replaced: if another approval wrote this version number first, this one is stale.
    if (!(await writeIfUnchanged(this.container, next, set, undefined))) return { outcome: 'stale', current: current + 1 };
    if (!(await writeIfUnchanged(this.container, { id: pointerId(set), set, kind: 'pointer', version: next.version } satisfies Pointer, set, pointer?._etag))) {
      await this.container.item(next.id, set).delete();
      return { outcome: 'stale', current: (await this.currentVersion(set)) ?? current };
    }
    await writeIfUnchanged(this.container, { ...proposal, status: 'approved', decidedBy: by.aadObjectId, decidedByName: by.name, decidedAt: now.toISOString(), approvedVersion: next.version }, set, proposal._etag);
    return { outcome: 'approved', version: next };
  }

  async decline(set: string, id: string, by: { aadObjectId: string; name?: string }, reason: string, now: Date): Promise<'declined' | 'own' | 'already' | 'missing'> {
    const proposal = await this.proposal(set, id);
    if (!proposal) return 'missing';
    if (proposal.status !== 'proposed') return 'already';
    if (proposal.proposedBy === by.aadObjectId) return 'own';
    const ok = await writeIfUnchanged(this.container, { ...proposal, status: 'declined', decidedBy: by.aadObjectId, decidedByName: by.name, decidedAt: now.toISOString(), reason }, set, proposal._etag);
    return ok ? 'declined' : 'already';
  }

  /** Every version, newest first (one partition). */
  async history(set: string): Promise<ContentVersion[]> {
    const { resources } = await this.container.items
      .query<ContentVersion>({ query: "SELECT * FROM c WHERE c['set'] = @set AND c.kind = 'version' ORDER BY c.version DESC", parameters: [{ name: '@set', value: set }] }, { partitionKey: set, ...MANY })
      .fetchNext();
    return resources;
  }

  /** Proposals waiting for a decision (one partition). */
  async open(set: string): Promise<ContentProposal[]> {
    const { resources } = await this.container.items
      .query<ContentProposal>({ query: "SELECT * FROM c WHERE c['set'] = @set AND c.kind = 'proposal' AND c.status = 'proposed'", parameters: [{ name: '@set', value: set }] }, { partitionKey: set, ...MANY })
      .fetchNext();
    return resources.sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
  }

  /** The latest review of every item of a set: one point read (the refresh makes it with the pointer's). */
  async reviews(set: string): Promise<ItemReviews | undefined> {
    const doc = await this.reviewsDoc(set);
    return doc && { tag: doc._etag, byItem: doc.items };
  }

  private async reviewsDoc(set: string): Promise<ReviewsDoc | undefined> {
    const { resource } = await this.container.item(reviewsId(set), set).read<ReviewsDoc>();
    return resource;
  }

  /** Records that an item was checked and is still correct, under the reviews document's etag (retried when two reviews race). */
  async recordReview(set: string, key: string, record: ReviewRecord): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.reviewsDoc(set);
      const doc: ReviewsDoc = { id: reviewsId(set), set, kind: 'reviews', items: { ...(current?.items ?? {}), [key]: record } };
      if (await writeIfUnchanged(this.container, doc, set, current?._etag)) return;
    }
    throw new Error('content: the review could not be recorded (the reviews document kept changing)');
  }

  /**
   * Claims the monthly review card for one person and month: true for exactly one caller, however
   * many instances ask, and never again once it was sent. A claim whose sender stopped before
   * finishing (still `claimed` after an hour) can be taken again.
   */
  async claimReviewCard(month: string, person: string, now: Date): Promise<boolean> {
    const id = `${CLAIMS}:${month}:${person}`;
    const { resource: current } = await this.container.item(id, CLAIMS).read<ReviewClaim>();
    if (current && (current.status === 'sent' || now.getTime() - Date.parse(current.claimedAt) < CLAIM_STALE_MS)) return false;
    const claim: ReviewClaim = { id, set: CLAIMS, kind: 'review-claim', month, person, status: 'claimed', claimedAt: now.toISOString() };
    return writeIfUnchanged(this.container, claim, CLAIMS, current?._etag);
  }

  async markReviewCardSent(month: string, person: string, items: number, now: Date): Promise<void> {
    const id = `${CLAIMS}:${month}:${person}`;
    const { resource } = await this.container.item(id, CLAIMS).read<ReviewClaim>();
    if (resource) await writeIfUnchanged(this.container, { ...resource, status: 'sent', sentAt: now.toISOString(), items }, CLAIMS, resource._etag);
  }

  /** Gives a claim back (the card did not go out), so the next run tries again. */
  async releaseReviewCard(month: string, person: string): Promise<void> {
    try {
      await this.container.item(`${CLAIMS}:${month}:${person}`, CLAIMS).delete();
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  /** Whether this month's review run finished (every card claimed or sent). */
  async reviewRunDone(month: string): Promise<boolean> {
    const { resource } = await this.container.item(`${CLAIMS}:${month}:done`, CLAIMS).read<{ id: string }>();
    return resource !== undefined;
  }

  async markReviewRunDone(month: string, cards: number, now: Date): Promise<void> {
    await writeIfUnchanged(this.container, { id: `${CLAIMS}:${month}:done`, set: CLAIMS, kind: 'review-run', month, cards, at: now.toISOString() }, CLAIMS, undefined);
  }
}

/** What the content capability asks of its store: the store, or an in-memory fake in handler tests. */
export type ContentStoreApi = Pick<ContentStore, keyof ContentStore>;
