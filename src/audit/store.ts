import type { Container } from '@azure/cosmos';
import { MANY, readAll, type Store } from '../storage/store';
import type { AuditRecord } from '.';

/** The `audit` container: one partition per month; records are only ever added, never changed. */
export class AuditStore {
  private readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('audit');
  }

  async add(rec: AuditRecord): Promise<void> {
    await this.container.items.create(rec);
  }

  /** Every record of a month, in no particular order (a busy month may hold more than one page). */
  month(month: string): Promise<AuditRecord[]> {
    return readAll(
      this.container.items.query<AuditRecord>(
        { query: 'SELECT * FROM c WHERE c.month = @m', parameters: [{ name: '@m', value: month }] },
        { partitionKey: month, ...MANY },
      ),
    );
  }
}
