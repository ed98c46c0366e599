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

const versionId = (set: string, n: number) => `${set}:v${n}`;
const pointerId = (set: string) => `${set}:current`;

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
    const next: ContentVersion = {
      id: versionId(set, current + 1),
      set,
      kind: 'version',
      version: current + 1,
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
}
