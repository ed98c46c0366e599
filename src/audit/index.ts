import { randomUUID } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { MANY, type Store } from '../storage/store';

/**
 * The append-only audit trail of privileged actions: who (Entra object id, and the display name
 * Teams gave), what (an action name), when, and the ids involved. Never message text, card text or
 * patient data: callers pass ids and counts only. One partition per month, so a month's trail is
 * one cheap query and retention can drop whole months.
 */
export type AuditAction =
  | 'content.proposed'
  | 'content.approved'
  | 'content.declined'
  | 'content.refused'
  | 'content.approval-refused'
  | 'content.reviewed';

export interface AuditRecord {
  id: string;
  /** Seconds Cosmos DB keeps the record (retention: AUDIT_RETENTION_YEARS, default 6). */
  ttl?: number;
  month: string;
  at: string;
  actor: string;
  actorName?: string;
  action: AuditAction;
  /** Ids and counts only (a proposal id, a version number, a contact id). */
  subject: Record<string, string | number | boolean>;
}

export class AuditTrail {
  private readonly container: Container;
  private last = 0;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
    private readonly retentionYears = 6,
  ) {
    this.container = store.container('audit');
  }

  async record(actor: { aadObjectId?: string; name?: string }, action: AuditAction, subject: AuditRecord['subject']): Promise<AuditRecord> {
    // Strictly increasing within a process, so "latest first" holds even for two records in one millisecond.
    const at = new Date(Math.max(this.now().getTime(), this.last + 1));
    this.last = at.getTime();
    const rec: AuditRecord = {
      id: randomUUID(),
      month: at.toISOString().slice(0, 7),
      at: at.toISOString(),
      actor: actor.aadObjectId ?? 'unknown',
      actorName: actor.name,
      action,
      subject,
      ttl: Math.round(this.retentionYears * 365.25 * 24 * 3600),
    };
    await this.container.items.create(rec);
    return rec;
  }

  /** A month's records, newest first. */
  async month(month: string): Promise<AuditRecord[]> {
    const { resources } = await this.container.items
      .query<AuditRecord>({ query: 'SELECT * FROM c WHERE c.month = @m ORDER BY c.at DESC', parameters: [{ name: '@m', value: month }] }, { partitionKey: month, ...MANY })
      .fetchNext();
    return resources.sort((a, b) => b.at.localeCompare(a.at));
  }
}
