import { createHash } from 'node:crypto';
import type { Container } from '@azure/cosmos';
import { bulkRead } from '../storage/conditional';
import { forEachPage, MANY, readAll, type Store } from '../storage/store';
import type { Completion } from './rules';

/** One course on a person's record. */
export interface CompletionEntry extends Completion {
  provider: string;
  source: 'import' | 'self';
  /** When it was imported, or recorded by the person. */
  importedAt: string;
  /** Self-recorded: who decided and when; rejectedAt when it was not confirmed. */
  decidedBy?: string;
  decidedAt?: string;
  rejectedAt?: string;
}

/**
 * A person's training record: one document per person (id `record`, partition = employee id)
 * holding every course they have done. A team's or the organisation's compliance then reads one
 * small document per person instead of one per course, and a person's courses change together
 * under one etag.
 *
 * `team` is the person's team, lower-cased, when the record was last written. It is only an index
 * for the team query: the staff list stays the truth about who is in a team (see `forTeam`).
 */
export interface TrainingRecord {
  id: typeof RECORD_ID;
  employeeId: string;
  team: string;
  completions: CompletionEntry[];
  /**
   * The courses as the compliance counts need them (subject, level, day, hours, counted), as one
   * JSON string: the organisation view reads this field alone, so 50,000 records cross the wire as
   * 50,000 short strings rather than a million small values. Written with every change (recordOf).
   */
  digest: string;
  _etag?: string;
}

type DigestCourse = [Completion['subject'], number, string, number, boolean];

/** A person's record as stored: the only place a record is put together, so its digest always matches. */
export function recordOf(employeeId: string, team: string, completions: CompletionEntry[]): TrainingRecord {
  const digest: DigestCourse[] = completions.map((c) => [c.subject, c.level, c.completedOn, c.hours, c.confirmed !== false]);
  return { id: RECORD_ID, employeeId, team: teamKey(team), completions, digest: JSON.stringify(digest) };
}

function fromDigest(digest: string): Completion[] {
  return (JSON.parse(digest) as DigestCourse[]).map(([subject, level, completedOn, hours, confirmed]) => ({ subject, level, completedOn, hours, confirmed }));
}

export const RECORD_ID = 'record';

/** What makes two courses the same course: subject, level, day and provider (in any case). */
export const courseKey = (c: Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'provider'>) => `${c.subject}|${c.level}|${c.completedOn}|${c.provider.trim().toLowerCase()}`;

/** A course's id on a person's record (the confirm card carries it): the same course always has the same id. */
export function completionId(employeeId: string, c: Pick<CompletionEntry, 'subject' | 'level' | 'completedOn' | 'provider'>): string {
  return createHash('sha256').update(`${employeeId.toLowerCase()}|${courseKey(c)}`).digest('hex').slice(0, 32);
}

/** The course fields of a stored document, without its id and system fields. */
function courseOf(d: CompletionEntry): CompletionEntry {
  const { subject, level, completedOn, hours, provider, source, importedAt, confirmed, decidedBy, decidedAt, rejectedAt } = d;
  const all = { subject, level, completedOn, hours, provider, source, importedAt, confirmed, decidedBy, decidedAt, rejectedAt };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as unknown as CompletionEntry;
}

export const teamKey = (team: string) => team.trim().toLowerCase();

/** Someone else changed the record each time we tried. */
export class RecordBusyError extends Error {
  constructor(readonly employeeId: string) {
    super(`The training record of ${employeeId} kept changing while it was being saved`);
  }
}

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
  async update(employeeId: string, team: string | undefined, change: (completions: CompletionEntry[]) => CompletionEntry[] | undefined): Promise<TrainingRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(employeeId);
      const next = change(current?.completions ?? []);
      if (!next) return undefined;
      const record = recordOf(employeeId, team ?? current?.team ?? '', next);
      try {
        if (current?._etag) await this.container.item(RECORD_ID, employeeId).replace(record, { accessCondition: { type: 'IfMatch', condition: current._etag } });
        else await this.container.items.create(record);
        return record;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 412 && code !== 409) throw err;
      }
    }
    throw new RecordBusyError(employeeId);
  }

  /**
   * Folds training saved by earlier versions (one document per course) into people's records and
   * removes the old documents, so nothing recorded before is lost. Safe to run at every start.
   */
  async upgradeCourseDocuments(): Promise<number> {
    type Old = CompletionEntry & { id: string; employeeId: string };
    const byPerson = new Map<string, Old[]>();
    let found = 0;
    await forEachPage(this.container.items.query<Old>('SELECT * FROM c WHERE IS_DEFINED(c.subject)', MANY), (page) => {
      for (const doc of page) {
        found++;
        const list = byPerson.get(doc.employeeId);
        if (list) list.push(doc);
        else byPerson.set(doc.employeeId, [doc]);
      }
    });
    for (const [employeeId, docs] of byPerson) {
      await this.update(employeeId, undefined, (list) => {
        const have = new Set(list.map((c) => completionId(employeeId, c)));
        const add = docs.filter((d) => !have.has(d.id)).map(courseOf);
        return add.length ? [...list, ...add] : undefined;
      });
      for (const d of docs) await this.container.item(d.id, employeeId).delete().catch(() => undefined);
    }
    return found;
  }

  /**
   * Records stored under an employee id that is not upper case (before ids were normalised) are
   * merged into the upper-case person's record and removed. Safe at every start.
   */
  async upgradeEmployeeIds(): Promise<number> {
    const odd = await readAll(
      this.container.items.query<TrainingRecord>({ query: 'SELECT * FROM c WHERE c.id = @record AND c.employeeId != UPPER(c.employeeId)', parameters: [{ name: '@record', value: RECORD_ID }] }, MANY),
    );
    for (const record of odd) {
      const id = record.employeeId.trim().toUpperCase();
      await this.update(id, record.team || undefined, (list) => {
        const have = new Set(list.map(courseKey));
        const add = record.completions.filter((c) => !have.has(courseKey(c)));
        return add.length || list.length === 0 ? [...list, ...add] : undefined;
      });
      await this.container.item(RECORD_ID, record.employeeId).delete();
    }
    return odd.length;
  }

  /** Several people's records by point reads in bulk; people without one are absent. */
  readMany(employeeIds: readonly string[]): Promise<Map<string, TrainingRecord>> {
    return bulkRead<TrainingRecord>(this.container, employeeIds.map((e) => ({ id: RECORD_ID, partitionKey: e })));
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
  async *recordsOf(employeeIds: readonly string[], batchSize = 25_000): AsyncGenerator<{ employeeId: string; completions: () => Completion[] }[]> {
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
            query: 'SELECT VALUE [c.employeeId, c.digest] FROM c WHERE c.id = @record AND c.employeeId >= @from AND c.employeeId <= @to',
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
}
