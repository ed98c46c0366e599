import { createHash } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { MANY, type Store } from '../storage/store';
import type { Completion } from './rules';

export interface CompletionDoc extends Completion {
  id: string;
  employeeId: string;
  provider: string;
  source: 'import' | 'self';
  /** When it was imported, or recorded by the person. */
  importedAt: string;
  /** Self-recorded: who decided and when; rejectedAt when it was not confirmed. */
  decidedBy?: string;
  decidedAt?: string;
  rejectedAt?: string;
  _etag?: string;
}

/** The same course, on the same day, from the same provider, is the same record: re-imports change nothing. */
export function completionId(employeeId: string, c: Pick<CompletionDoc, 'subject' | 'level' | 'completedOn' | 'provider'>): string {
  return createHash('sha256').update([employeeId.toLowerCase(), c.subject, c.level, c.completedOn, c.provider.trim().toLowerCase()].join('|')).digest('hex').slice(0, 32);
}

export class TrainingStore {
  readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('training');
  }

  async forPerson(employeeId: string): Promise<CompletionDoc[]> {
    const { resources } = await this.container.items
      .query<CompletionDoc>({ query: "SELECT * FROM c WHERE c.employeeId = @e AND c.id != 'reminder'", parameters: [{ name: '@e', value: employeeId }] }, { partitionKey: employeeId })
      .fetchAll();
    return resources;
  }

  /** Completions for many people at once (a team), grouped by employee id. */
  async forPeople(employeeIds: string[]): Promise<Map<string, CompletionDoc[]>> {
    const out = new Map<string, CompletionDoc[]>(employeeIds.map((e) => [e, []]));
    for (let i = 0; i < employeeIds.length; i += 1000) {
      const ids = employeeIds.slice(i, i + 1000);
      const { resources } = await this.container.items
        .query<CompletionDoc>({ query: "SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.employeeId) AND c.id != 'reminder'", parameters: [{ name: '@ids', value: ids }] }, MANY)
        .fetchAll();
      for (const r of resources) out.get(r.employeeId)?.push(r);
    }
    return out;
  }

  async all(): Promise<CompletionDoc[]> {
    const { resources } = await this.container.items.query<CompletionDoc>("SELECT * FROM c WHERE c.id != 'reminder'", MANY).fetchAll();
    return resources;
  }
}
