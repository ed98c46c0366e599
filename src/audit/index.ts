import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger';
import type { Store } from '../storage/store';
import { AuditStore } from './store';

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
  | 'content.reviewed'
  // Briefings, imports, training decisions, assessments, downloads and refusals (issue 16).
  | 'briefing.sent'
  | 'briefing.scheduled'
  | 'briefing.rescheduled'
  | 'briefing.cancelled'
  | 'briefing.reminded'
  | 'import.staff'
  | 'import.training'
  | 'import.leavers'
  | 'training.confirmed'
  | 'training.declined'
  | 'training.reminded'
  | 'assessment.reopened'
  | 'assessment.reminded'
  | 'export.downloaded'
  | 'access.refused';

/** A value in a record's subject: an id, a count, a flag or a time. Never free text. */
export type AuditValue = string | number | boolean;

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
  subject: Record<string, AuditValue>;
}

/** Who did it: a person in Teams, or (for the command line) a label such as `cli:<login>`. */
export interface AuditActor {
  aadObjectId?: string;
  name?: string;
}

export class AuditTrail {
  private readonly store: AuditStore;
  private last = 0;

  constructor(
    store: Store,
    private readonly now: () => Date = () => new Date(),
    private readonly retentionYears = 6,
  ) {
    this.store = new AuditStore(store);
  }

  async record(actor: AuditActor, action: AuditAction, subject: AuditRecord['subject']): Promise<AuditRecord> {
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
    await this.store.add(rec);
    return rec;
  }

  /**
   * Records an action that has already happened. A failed write never undoes it or hides it from
   * the person who did it: the error is logged (with the action and its ids, so the operators' log
   * holds what the trail missed) and the caller carries on and replies as usual.
   */
  async note(actor: AuditActor, action: AuditAction, subject: AuditRecord['subject'], log: Logger): Promise<boolean> {
    try {
      await this.record(actor, action, subject);
      return true;
    } catch (err) {
      log.error(
        {
          audit: { action, subject },
          err: { name: (err as Error).name, message: String((err as Error).message).slice(0, 200) },
        },
        'audit record not written',
      );
      return false;
    }
  }

  /** A month's records, newest first. */
  async month(month: string): Promise<AuditRecord[]> {
    const resources = await this.store.month(month);
    return resources.sort((a, b) => b.at.localeCompare(a.at));
  }
}
