import type { Container, OperationInput } from '@azure/cosmos';
import { bulkRead, bulkWrite, claimOncePer, releaseClaim } from '../storage/conditional';
import { forEachPage, MANY, readAll, type Store } from '../storage/store';
import type { Completion } from './rules';
import {
  fromDigest,
  RECORD_ID,
  recordOf,
  teamKey,
  withDecision,
  withSelfRecorded,
  type CompletionEntry,
  type SelfRecordDecision,
  type TrainingRecord,
} from './record';
import { upgradeCourseDocuments, upgradeEmployeeIds } from './upgradeStore';

export {
  completionId,
  courseKey,
  RECORD_ID,
  recordOf,
  teamKey,
  type CompletionEntry,
  type SelfRecordDecision,
  type TrainingRecord,
} from './record';

/** Someone else changed the record each time we tried. */
export class RecordBusyError extends Error {
  constructor(readonly employeeId: string) {
    super(`The training record of ${employeeId} kept changing while it was being saved`);
  }
}

/** One person's record to write in bulk: replacing the record read (under its etag), or a first record. */
export interface RecordWrite {
  employeeId: string;
  record: TrainingRecord;
  replacing?: TrainingRecord;
}

/** How a write in bulk went: saved, changed by someone else since it was read (merge again), or failed and why. */
export type RecordWriteOutcome = 'saved' | 'changed' | { failed: string };

/** One training reminder per person per week. */
const REMIND_INTERVAL_MS = 7 * 24 * 3600_000;

/** What the training handlers ask of the store (the handler tests give them an in-memory one). */
export type TrainingRecords = Pick<
  TrainingStore,
  'forPerson' | 'forTeam' | 'recordsOf' | 'addSelfRecorded' | 'decideSelfRecorded' | 'claimReminder' | 'releaseReminder'
>;

export class TrainingStore {
  readonly container: Container;

  constructor(store: Store) {
    this.container = store.container('training');
  }

  async get(employeeId: string): Promise<TrainingRecord | undefined> {
    const { resource } = await this.container.item(RECORD_ID, employeeId).read<TrainingRecord>();
    return resource;
  }

  async forPerson(employeeId: string): Promise<CompletionEntry[]> {
    return (await this.get(employeeId))?.completions ?? [];
  }

  /**
   * Changes one person's courses under the record's etag, reading again and re-applying the change
   * when someone else wrote first. `change` returns the new list, or undefined to leave it alone.
   * `team` stamps the record; undefined keeps the stamp it has.
   */
  async update(
    employeeId: string,
    team: string | undefined,
    change: (completions: CompletionEntry[]) => CompletionEntry[] | undefined,
  ): Promise<TrainingRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(employeeId);
      const next = change(current?.completions ?? []);
      if (!next) return undefined;
      const record = recordOf(employeeId, team ?? current?.team ?? '', next);
      try {
        if (current?._etag)
          await this.container
            .item(RECORD_ID, employeeId)
            .replace(record, { accessCondition: { type: 'IfMatch', condition: current._etag } });
        else await this.container.items.create(record);
        return record;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 412 && code !== 409) throw err;
      }
    }
    throw new RecordBusyError(employeeId);
  }

  /** One-off upgrade at start: see ./upgradeStore.ts. */
  upgradeCourseDocuments(): Promise<number> {
    return upgradeCourseDocuments(this);
  }

  /** One-off upgrade at start: see ./upgradeStore.ts. */
  upgradeEmployeeIds(): Promise<number> {
    return upgradeEmployeeIds(this);
  }

  /** Several people's records by point reads in bulk; people without one are absent. */
  readMany(employeeIds: readonly string[]): Promise<Map<string, TrainingRecord>> {
    return bulkRead<TrainingRecord>(
      this.container,
      employeeIds.map((e) => ({ id: RECORD_ID, partitionKey: e })),
    );
  }

  /**
   * The courses of a team's members. One query finds the records stamped with the team; members
   * whose record was stamped with another team (they moved since) or who have none are read by id,
   * and a moved person's stamp is corrected so the next query finds them.
   */
  async forTeam(team: string, memberIds: readonly string[]): Promise<Map<string, CompletionEntry[]>> {
    const key = teamKey(team);
    const members = new Set(memberIds);
    const out = new Map<string, CompletionEntry[]>();
    const stamped = this.container.items.query<Pick<TrainingRecord, 'employeeId' | 'completions'>>(
      {
        query: 'SELECT c.employeeId, c.completions FROM c WHERE c.id = @record AND c.team = @team',
        parameters: [
          { name: '@record', value: RECORD_ID },
          { name: '@team', value: key },
        ],
      },
      MANY,
    );
    await forEachPage(stamped, (page) => {
      for (const r of page) if (members.has(r.employeeId)) out.set(r.employeeId, r.completions);
    });
    const unseen = memberIds.filter((id) => !out.has(id));
    const moved = await this.readMany(unseen);
    for (const [id, record] of moved) out.set(id, record.completions);
    await this.restamp([...moved.values()], key);
    return out;
  }

  /** Corrects the team stamp on records found under another team. Best effort: the next read checks again. */
  private async restamp(records: TrainingRecord[], key: string): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      await Promise.all(
        records.slice(i, i + 10).map((r) =>
          this.container
            .item(RECORD_ID, r.employeeId)
            .patch([{ op: 'set', path: '/team', value: key }])
            .catch(() => undefined),
        ),
      );
    }
  }

  /**
   * The courses (as far as the status needs them) of the given people, in batches of about
   * `batchSize` people. Each batch is one query over a range of employee ids (split at the sorted
   * ids), so a batch is bounded and the whole organisation is never in memory at once. Ranges rather than continuation pages: on Cosmos
   * a range is an index seek, while the embedded engine re-runs the whole query for every page.
   */
  async *recordsOf(
    employeeIds: readonly string[],
    batchSize = 25_000,
  ): AsyncGenerator<{ employeeId: string; completions: () => Completion[] }[]> {
    const sorted = [...employeeIds].sort();
    for (let i = 0; i < sorted.length; i += batchSize) {
      const from = sorted[i]!;
      const to = sorted[Math.min(i + batchSize, sorted.length) - 1]!;
      // A range holds one batch of people, and can also hold records of people who have left, so
      // pages are twice a batch: bounded, and one page in all but odd cases (a full page makes the
      // SDK ask for another, which the embedded engine answers by scanning everything again).
      const resources = await readAll(
        this.container.items.query<[string, string]>(
          {
            query:
              'SELECT VALUE [c.employeeId, c.digest] FROM c WHERE c.id = @record AND c.employeeId >= @from AND c.employeeId <= @to',
            parameters: [
              { name: '@record', value: RECORD_ID },
              { name: '@from', value: from },
              { name: '@to', value: to },
            ],
          },
          { maxItemCount: batchSize * 2 },
        ),
      );
      // Each person's courses are unpacked as they are counted, so they die young (cheap to collect).
      yield resources.map(([employeeId, digest]) => ({ employeeId, completions: () => fromDigest(digest) }));
    }
  }

  /** Adds a course the person recorded themselves (not counted until decided): 'already' when that course is on their record. */
  async addSelfRecorded(employeeId: string, team: string, entry: CompletionEntry): Promise<'added' | 'already'> {
    let outcome = 'added' as 'added' | 'already';
    await this.update(employeeId, team, (list) => {
      const change = withSelfRecorded(list, entry);
      outcome = change.outcome;
      return change.next;
    });
    return outcome;
  }

  /**
   * A manager's or lead's decision on a self-recorded course, once: the course may have gone, been
   * imported since (so it counts anyway) or been decided by someone else first.
   */
  async decideSelfRecorded(
    employeeId: string,
    team: string,
    recordId: string,
    decision: { decision: 'confirm' | 'reject'; by: string; at: string },
  ): Promise<SelfRecordDecision> {
    let outcome = { kind: 'gone' } as SelfRecordDecision;
    await this.update(employeeId, team, (list) => {
      const change = withDecision(list, employeeId, recordId, decision);
      outcome = change.outcome;
      return change.next;
    });
    return outcome;
  }

  /** Claims this week's reminder for a person, by etag: true for exactly one caller, at most once in 7 days. */
  claimReminder(employeeId: string, now: Date): Promise<boolean> {
    return claimOncePer(this.container, 'reminder', employeeId, REMIND_INTERVAL_MS, now, {
      employeeId,
      type: 'reminder',
    });
  }

  /** Gives back this week's reminder slot: the message did not go through. */
  releaseReminder(employeeId: string): Promise<void> {
    return releaseClaim(this.container, 'reminder', employeeId);
  }

  /**
   * Writes people's records in bulk (100 a request), each only if nobody changed it since it was
   * read, and says how each went.
   */
  async writeRecords<T extends RecordWrite>(
    writes: readonly T[],
    outcome: (write: T, result: RecordWriteOutcome) => void,
  ): Promise<void> {
    const ops = writes.map((write) => ({
      write,
      op: (write.replacing
        ? {
            operationType: 'Replace',
            id: RECORD_ID,
            partitionKey: write.employeeId,
            resourceBody: write.record as never,
            ifMatch: write.replacing._etag,
          }
        : {
            operationType: 'Create',
            partitionKey: write.employeeId,
            resourceBody: write.record as never,
          }) as OperationInput,
    }));
    await bulkWrite(this.container, ops, ({ write }, failure, status) => {
      if (!failure) outcome(write, 'saved');
      else if (status === 409 || status === 412) outcome(write, 'changed');
      else outcome(write, { failed: failure });
    });
  }
}
