import type { Container } from '@azure/cosmos';
import { bulkRead } from '../storage/conditional';
import { BIG_PAGE, forEachPage, MANY, readAll, type Store } from '../storage/store';
import { resolveRoles, type Principal, type Role } from './roles';

/** A member of staff as held in the directory (from the staff import). No patient data, ever. */
export interface PersonRecord {
  id: string; // employee id
  employeeId: string;
  name: string;
  email: string;
  aadObjectId?: string;
  team: string;
  staffGroup: string;
  roles: Role[];
  practiceCode?: string;
}

/**
 * Employee ids compare case-insensitively (`e001` is `E001`): every id is stored and looked up in
 * upper case, whatever case a file or a card gives it in.
 */
export const normaliseEmployeeId = (id: string): string => id.trim().toUpperCase();

export type RosterEntry = Pick<PersonRecord, 'id' | 'team' | 'staffGroup'>;

export interface StoredPerson extends PersonRecord {
  _etag?: string;
  importedAt: string;
  /**
   * Set by a full staff import (`--full`) when the person was no longer in the file: out of
   * audiences, menus and compliance figures, kept for history. Cleared when they are imported again.
   */
  leftAt?: string;
}

/** The condition every read of current staff adds (a leaver is kept, but is no longer staff). */
export const CURRENT = 'NOT IS_DEFINED(c.leftAt)';

export class PeopleDirectory {
  private readonly container: Container;

  constructor(
    store: Store,
    private readonly leadIds: readonly string[],
  ) {
    this.container = store.container('people');
  }

  async findByAadObjectId(aadObjectId: string): Promise<StoredPerson | undefined> {
    const resources = await readAll(
      this.container.items.query<StoredPerson>({ query: `SELECT * FROM c WHERE c.aadObjectId = @oid AND ${CURRENT}`, parameters: [{ name: '@oid', value: aadObjectId.toLowerCase() }] }),
    );
    return resources[0];
  }

  async get(employeeId: string): Promise<StoredPerson | undefined> {
    const id = normaliseEmployeeId(employeeId);
    const { resource } = await this.container.item(id, id).read<StoredPerson>();
    return resource;
  }

  /**
   * People stored under an id that is not upper case (by a version before ids were normalised) are
   * moved to the upper-case id, so `e001` and `E001` are one person. Someone already stored under
   * both spellings is left as they are and reported, for a person to decide. Safe at every start.
   */
  async upgradeEmployeeIds(): Promise<{ moved: number; conflicts: string[] }> {
    const odd = await readAll(this.container.items.query<StoredPerson>('SELECT * FROM c WHERE c.id != UPPER(c.id)', MANY));
    const conflicts: string[] = [];
    let moved = 0;
    for (const person of odd) {
      const id = normaliseEmployeeId(person.id);
      const { _etag, _rid, _self, _ts, _attachments, ...rest } = person as StoredPerson & Record<string, unknown>;
      try {
        await this.container.items.create({ ...rest, id, employeeId: id });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        conflicts.push(person.id);
        continue;
      }
      await this.container.item(person.id, person.id).delete();
      moved++;
    }
    return { moved, conflicts };
  }

  /** Who is this, and what may they do? Unknown people are plain staff. */
  async principalFor(user: { aadObjectId?: string; name?: string }): Promise<Principal> {
    const oid = user.aadObjectId?.toLowerCase();
    const person = oid ? await this.findByAadObjectId(oid) : undefined;
    const isLead = oid !== undefined && this.leadIds.includes(oid);
    return {
      aadObjectId: oid,
      employeeId: person?.employeeId,
      name: person?.name ?? user.name,
      roles: resolveRoles(person?.roles ?? [], isLead),
      team: person?.team,
      practiceCode: person?.practiceCode,
    };
  }

  /** Practice leads, optionally of one practice. */
  async practiceLeads(practiceCode?: string): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>(
        {
          query: `SELECT * FROM c WHERE ARRAY_CONTAINS(c.roles, 'practice-lead') AND ${CURRENT}${practiceCode ? ' AND c.practiceCode = @code' : ''}`,
          parameters: practiceCode ? [{ name: '@code', value: practiceCode }] : [],
        },
        MANY,
      ),
    );
  }

  /** Several people by id (point reads in bulk); people not in the directory are absent. */
  getMany(employeeIds: readonly string[]): Promise<Map<string, StoredPerson>> {
    return bulkRead<StoredPerson>(this.container, employeeIds.map((id) => ({ id, partitionKey: id })));
  }

  /** Who holds each Entra object id in the directory (a small projection, not every person). */
  async entraIdOwners(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    await forEachPage(this.container.items.query<{ id: string; aadObjectId: string }>('SELECT c.id, c.aadObjectId FROM c WHERE IS_DEFINED(c.aadObjectId)', BIG_PAGE), (page) => {
      for (const p of page) owners.set(p.aadObjectId, p.id);
    });
    return owners;
  }

  /** Everyone's id, team and staff group, without names or contact details (about 100 bytes a person), read a page at a time. */
  async roster(): Promise<RosterEntry[]> {
    return readAll(this.container.items.query<RosterEntry>(`SELECT c.id, c.team, c.staffGroup FROM c WHERE ${CURRENT}`, BIG_PAGE));
  }

  get raw(): Container {
    return this.container;
  }
}
