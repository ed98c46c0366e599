import type { AuditTrail } from '../../src/audit';
import type { Notifier, Reply } from '../../src/chat/types';
import type { ExportLinks } from '../../src/exports';
import type { PeopleDirectory, StoredPerson } from '../../src/people/directory';
import type { Role } from '../../src/people/roles';
import { withDecision, withSelfRecorded, type CompletionEntry } from '../../src/training/record';
import type { Completion } from '../../src/training/rules';
import type { TrainingRecords } from '../../src/training/store';

/**
 * In-memory stand-ins for what the training handlers ask of the store, the people directory, the
 * notifier, export links and the audit trail: handler tests run in milliseconds without a bot or
 * storage. The store applies the same pure changes as the real one (src/training/record.ts).
 */
export class FakeTrainingStore implements TrainingRecords {
  readonly records = new Map<string, CompletionEntry[]>();
  readonly claimed = new Set<string>();
  /**
   * Runs once, between the next change being worked out and written: another writer got there
   * first, as a 412 tells the real store, which reads again and applies the change again.
   */
  beforeNextWrite?: (records: Map<string, CompletionEntry[]>) => void;
  conflicts = 0;

  private update(employeeId: string, change: (list: CompletionEntry[]) => CompletionEntry[] | undefined): void {
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = change(this.records.get(employeeId) ?? []);
      if (!next) return;
      const racer = this.beforeNextWrite;
      this.beforeNextWrite = undefined;
      if (racer) {
        racer(this.records);
        this.conflicts++;
        continue;
      }
      this.records.set(employeeId, next);
      return;
    }
    throw new Error(`The training record of ${employeeId} kept changing`);
  }

  async forPerson(employeeId: string): Promise<CompletionEntry[]> {
    return this.records.get(employeeId) ?? [];
  }

  async forTeam(_team: string, memberIds: readonly string[]): Promise<Map<string, CompletionEntry[]>> {
    return new Map(memberIds.flatMap((id) => (this.records.has(id) ? [[id, this.records.get(id)!] as const] : [])));
  }

  async *recordsOf(
    employeeIds: readonly string[],
  ): AsyncGenerator<{ employeeId: string; completions: () => Completion[] }[]> {
    yield employeeIds
      .filter((id) => this.records.has(id))
      .map((employeeId) => ({ employeeId, completions: () => this.records.get(employeeId)! }));
  }

  async addSelfRecorded(employeeId: string, _team: string, entry: CompletionEntry): Promise<'added' | 'already'> {
    let outcome = 'added' as 'added' | 'already';
    this.update(employeeId, (list) => {
      const change = withSelfRecorded(list, entry);
      outcome = change.outcome;
      return change.next;
    });
    return outcome;
  }

  async decideSelfRecorded(
    employeeId: string,
    _team: string,
    recordId: string,
    decision: { decision: 'confirm' | 'reject'; by: string; at: string },
  ) {
    let outcome = { kind: 'gone' } as ReturnType<typeof withDecision>['outcome'];
    this.update(employeeId, (list) => {
      const change = withDecision(list, employeeId, recordId, decision);
      outcome = change.outcome;
      return change.next;
    });
    return outcome;
  }

  async claimReminder(employeeId: string): Promise<boolean> {
    if (this.claimed.has(employeeId)) return false;
    this.claimed.add(employeeId);
    return true;
  }

  async releaseReminder(employeeId: string): Promise<void> {
    this.claimed.delete(employeeId);
  }
}

export function person(
  id: string,
  name: string,
  team: string,
  opts: { staffGroup?: string; roles?: Role[]; aadObjectId?: string } = {},
): StoredPerson {
  return {
    id,
    employeeId: id,
    name,
    email: `${id.toLowerCase()}@nhs.net`,
    team,
    staffGroup: opts.staffGroup ?? 'all-staff',
    roles: opts.roles ?? [],
    aadObjectId: opts.aadObjectId,
    importedAt: '2026-01-01T00:00:00.000Z',
  };
}

export class FakeDirectory implements Pick<
  PeopleDirectory,
  'get' | 'teamMembers' | 'managersOf' | 'safeguardingLeads' | 'roster' | 'practiceLeads'
> {
  constructor(readonly people: StoredPerson[] = []) {}

  async get(employeeId: string) {
    return this.people.find((p) => p.id === employeeId.trim().toUpperCase());
  }

  async teamMembers(team: string) {
    return this.people.filter((p) => p.team.toLowerCase() === team.toLowerCase());
  }

  async managersOf(team: string) {
    return this.people.filter((p) => p.team === team && p.roles.includes('manager'));
  }

  async safeguardingLeads() {
    return this.people.filter((p) => p.roles.includes('safeguarding-lead'));
  }

  async roster() {
    return this.people.map(({ id, team, staffGroup }) => ({ id, team, staffGroup }));
  }

  async practiceLeads(practiceCode?: string) {
    return this.people.filter(
      (p) => p.roles.includes('practice-lead') && (!practiceCode || p.practiceCode === practiceCode),
    );
  }
}

/** A notifier that records what it sends; people in `unreachable` have no 1:1 chat. */
export class FakeNotifier implements Notifier {
  readonly sent: { to: string; reply: Reply }[] = [];
  readonly unreachable = new Set<string>();

  async hasChat(aadObjectId: string) {
    return !this.unreachable.has(aadObjectId);
  }

  async sendToPerson(aadObjectId: string, reply: Reply): Promise<'sent' | 'no-conversation'> {
    if (this.unreachable.has(aadObjectId)) return 'no-conversation';
    this.sent.push({ to: aadObjectId, reply });
    return 'sent';
  }

  async deliver(): Promise<never> {
    throw new Error('not used by these handlers');
  }

  async update(): Promise<void> {}

  async recreateConversation() {
    return false;
  }
}

/** Audit records noted, as `[action, subject]`. */
export function fakeAudit(): AuditTrail & { notes: [string, unknown][] } {
  const notes: [string, unknown][] = [];
  return {
    notes,
    note: async (_actor: unknown, action: string, subject: unknown) => {
      notes.push([action, subject]);
      return true;
    },
  } as unknown as AuditTrail & { notes: [string, unknown][] };
}

export function fakeExports(): Pick<ExportLinks, 'link'> {
  return {
    link: (kind, params) => ({
      url: `https://bot.example/exports?kind=${kind}&${new URLSearchParams(params).toString()}`,
      expiresAt: new Date('2026-11-23T09:15:00Z'),
    }),
  };
}

/** Everyone with a 1:1 chat, unless listed. */
export function fakeConversations(without: string[] = []) {
  return {
    withChat: async (ids: readonly string[]) =>
      new Set(ids.map((i) => i.toLowerCase()).filter((i) => !without.includes(i))),
  };
}
