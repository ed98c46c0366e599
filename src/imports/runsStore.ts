import { randomUUID } from 'node:crypto';
import type { Container, OperationInput } from '@azure/cosmos';
import { forEachPage, type Store } from '../storage/store';
import { REPORT_KEPT_MS } from './reports';

/**
 * "Also mark people not in this file as leavers", offered after a staff list is imported in the
 * chat. The file's employee ids are kept for a day (in the `imports` container, like the row
 * reports), and one pointer names the latest staff import, chat or command line: an offer from an
 * older import is refused, and the pointer is claimed by etag when the leavers are marked, so the
 * same offer cannot be applied twice.
 */
export interface LatestStaffImport {
  id: typeof LATEST;
  importId: typeof LATEST;
  runId: string;
  at: string;
  /** Where it came from: the chat (an offer can follow) or the command line. */
  via: 'chat' | 'cli';
  leaversMarkedAt?: string;
  _etag?: string;
}

interface NamedChunk {
  id: string;
  importId: string;
  type: 'named';
  createdAt: string;
  ids: string[];
  ttl: number;
}

const LATEST = 'latest-staff-import';
const CHUNK_IDS = 5000;

export class StaffImportRuns {
  private readonly container: Container;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.container = store.container('imports');
  }

  /**
   * Records a staff import as the latest, before it writes anything: from then on an offer from
   * any earlier file is refused, and one being applied at that moment loses its etag claim.
   * Returns the run id.
   */
  async begin(via: 'chat' | 'cli'): Promise<string> {
    const runId = randomUUID();
    const latest: LatestStaffImport = { id: LATEST, importId: LATEST, runId, at: this.now().toISOString(), via };
    await this.container.items.upsert(latest);
    return runId;
  }

  /** Keeps the employee ids a run's file named, for a day, so its offer can be applied. */
  async keepNamed(runId: string, named: ReadonlySet<string>): Promise<void> {
    const createdAt = this.now().toISOString();
    const ids = [...named];
    const ops: OperationInput[] = [];
    for (let i = 0, n = 0; i < ids.length || n === 0; i += CHUNK_IDS, n++) {
      const chunk: NamedChunk = {
        id: `named-${String(n).padStart(5, '0')}`,
        importId: runId,
        type: 'named',
        createdAt,
        ids: ids.slice(i, i + CHUNK_IDS),
        ttl: REPORT_KEPT_MS / 1000,
      };
      ops.push({ operationType: 'Create', partitionKey: runId, resourceBody: chunk as never });
    }
    for (let i = 0; i < ops.length; i += 20) {
      const results = await this.container.items.bulk(ops.slice(i, i + 20));
      const failed = results.find((r) => r.statusCode >= 400);
      if (failed) throw new Error(`Saving the staff file's ids: storage answered ${failed.statusCode}`);
    }
  }

  async latest(): Promise<LatestStaffImport | undefined> {
    const { resource } = await this.container.item(LATEST, LATEST).read<LatestStaffImport>();
    return resource;
  }

  /** The employee ids a run's file named; undefined once they have been swept (a day). */
  async named(runId: string): Promise<Set<string> | undefined> {
    const out = new Set<string>();
    let chunks = 0;
    await forEachPage<NamedChunk>(
      this.container.items.query<NamedChunk>(
        {
          query: "SELECT * FROM c WHERE c.importId = @id AND c.type = 'named'",
          parameters: [{ name: '@id', value: runId }],
        },
        { partitionKey: runId, maxItemCount: 10 },
      ),
      (page) => {
        for (const chunk of page) {
          chunks++;
          for (const id of chunk.ids) out.add(id);
        }
      },
    );
    return chunks ? out : undefined;
  }

  /** Claims the latest import's leavers for marking, once: false if it changed (a newer import) or was claimed first. */
  async claimLeavers(latest: LatestStaffImport): Promise<boolean> {
    const { _etag, ...rest } = latest;
    try {
      await this.container
        .item(LATEST, LATEST)
        .replace(
          { ...rest, leaversMarkedAt: this.now().toISOString() },
          { accessCondition: { type: 'IfMatch', condition: _etag ?? '' } },
        );
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return false;
      throw err;
    }
  }
}
