import { randomUUID } from 'node:crypto';
import type { Container, OperationInput } from '@azure/cosmos';
import { toCsv, type ExportLinks } from '../exports';
import { forEachPage, type Store } from '../storage/store';
import { REPORT_KEPT_MS, type ImportOutcome } from './reports';

/** Rows per stored chunk: a chunk stays far below Cosmos DB's 2 MB document limit. */
const CHUNK_ROWS = 2000;

interface ReportChunk {
  id: string;
  importId: string;
  type: 'rows';
  createdAt: string;
  rows: [number | null, string | null, string][];
  ttl: number;
}

/**
 * Full row reports of chat imports, stored in the `imports` container (one partition per import)
 * and served as CSV through a signed 15-minute link, so a chat message never carries more than a
 * summary however many rows were rejected.
 */
export class ImportReports {
  private readonly container: Container;

  constructor(
    store: Store,
    private readonly exports: ExportLinks,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.container = store.container('imports');
    exports.register('import-report', (params) => this.csv(params.importId ?? '', params.file ?? 'import'));
  }

  /** Stores the problem rows and returns the id of the report (undefined when there is nothing to report). */
  async save(outcome: ImportOutcome): Promise<string | undefined> {
    if (outcome.problems.length === 0) return undefined;
    const importId = randomUUID();
    const createdAt = this.now().toISOString();
    const ops: OperationInput[] = [];
    for (let i = 0, n = 0; i < outcome.problems.length; i += CHUNK_ROWS, n++) {
      const rows = outcome.problems
        .slice(i, i + CHUNK_ROWS)
        .map((p): ReportChunk['rows'][number] => [p.line ?? null, p.employeeId ?? null, p.reason]);
      const chunk: ReportChunk = {
        id: `rows-${String(n).padStart(5, '0')}`,
        importId,
        type: 'rows',
        createdAt,
        rows,
        ttl: REPORT_KEPT_MS / 1000,
      };
      ops.push({ operationType: 'Create', partitionKey: importId, resourceBody: chunk as never });
    }
    for (let i = 0; i < ops.length; i += 20) {
      const results = await this.container.items.bulk(ops.slice(i, i + 20));
      const failed = results.find((r) => r.statusCode >= 400);
      if (failed) throw new Error(`Saving the import report: storage answered ${failed.statusCode}`);
    }
    await this.removeOld();
    return importId;
  }

  /** A signed 15-minute link to a stored report. */
  link(importId: string, file: string, by?: string): { url: string; expiresAt: Date } {
    return this.exports.link('import-report', { importId, file: file.slice(0, 80) }, by);
  }

  async csv(importId: string, file: string): Promise<{ filename: string; csv: string }> {
    const rows: unknown[][] = [];
    await forEachPage<ReportChunk>(
      this.container.items.query<ReportChunk>(
        {
          query: "SELECT * FROM c WHERE c.importId = @id AND c.type = 'rows'",
          parameters: [{ name: '@id', value: importId }],
        },
        { partitionKey: importId, maxItemCount: 10 },
      ),
      (page) => {
        for (const chunk of page)
          for (const [line, employeeId, reason] of chunk.rows) rows.push([line ?? '', employeeId ?? '', reason]);
      },
    );
    rows.sort((a, b) => Number(a[0] || Infinity) - Number(b[0] || Infinity));
    return {
      filename: `${file.replace(/\.csv$/i, '')}-report.csv`,
      csv: toCsv(['line', 'employee_id', 'problem'], rows),
    };
  }

  /** Reports past their day (Cosmos DB removes them by `ttl`; the embedded store needs this sweep). */
  private async removeOld(): Promise<void> {
    const before = new Date(this.now().getTime() - REPORT_KEPT_MS).toISOString();
    const old: { id: string; importId: string }[] = [];
    await forEachPage<{ id: string; importId: string }>(
      this.container.items.query(
        {
          query: 'SELECT c.id, c.importId FROM c WHERE c.createdAt < @before',
          parameters: [{ name: '@before', value: before }],
        },
        { maxItemCount: 1000 },
      ),
      (page) => {
        for (const d of page) old.push(d);
      },
    );
    for (const d of old)
      await this.container
        .item(d.id, d.importId)
        .delete()
        .catch(() => undefined);
  }
}
