import type { Container, OperationInput } from '@azure/cosmos';
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

/** `entraIds` container: which employee holds an Entra object id (id = the object id, lower case). */
export interface EntraIdLink {
  id: string;
  employeeId: string;
  linkedAt: string;
  _etag?: string;
}

/** What the staff import changed about one person's Entra id: the id they hold now, and the one they held before. */
export interface EntraIdChange {
  employeeId: string;
  aadObjectId?: string;
  previous?: string;
}

/** Written once every person's Entra id has a link (people imported before links existed got theirs at start). */
const LINKS_BUILT = 'links-built';
/** The condition every read of current staff adds (a leaver is kept, but is no longer staff). */
export const CURRENT = 'NOT IS_DEFINED(c.leftAt)';

export class PeopleDirectory {
  private readonly container: Container;
  private readonly links: Container;

  constructor(
    store: Store,
    private readonly leadIds: readonly string[],
  ) {
    this.container = store.container('people');
    this.links = store.container('entraIds');
  }

  /**
   * The person holding an Entra object id: two point reads (the link, then the person), never a
   * query. The person's own record is the truth: a link that no longer matches it (an import
   * moving the id is half done) finds nobody.
   */
  async findByAadObjectId(aadObjectId: string): Promise<StoredPerson | undefined> {
    const oid = aadObjectId.toLowerCase();
    const { resource: link } = await this.links.item(oid, oid).read<EntraIdLink>();
    if (!link?.employeeId) return undefined;
    const person = await this.get(link.employeeId);
    // A leaver keeps their record for history but is no longer staff.
    return person?.aadObjectId === oid && !person.leftAt ? person : undefined;
  }

  /**
   * Points each Entra id at the person who holds it now, and removes the link of an id a person
   * gave up (unless someone else took it meanwhile). Every write is conditional on the link's
   * etag; a link someone else changed meanwhile is read again and decided again, up to 3 times.
   * Returns the people whose link could not be written.
   */
  async relink(changes: readonly EntraIdChange[], now: Date): Promise<{ employeeId: string; reason: string }[]> {
    const wanted = new Map<string, string>(); // object id -> employee id
    for (const c of changes) if (c.aadObjectId) wanted.set(c.aadObjectId, c.employeeId);
    const released = new Map<string, string>(); // object id -> the employee who gave it up
    for (const c of changes) if (c.previous && c.previous !== c.aadObjectId && !wanted.has(c.previous)) released.set(c.previous, c.employeeId);
    let pending = [...wanted.keys(), ...released.keys()];
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const retry: string[] = [];
      for (let i = 0; i < pending.length; i += 1000) {
        const chunk = pending.slice(i, i + 1000);
        const current = await bulkRead<EntraIdLink>(this.links, chunk.map((id) => ({ id, partitionKey: id })));
        const ops: { oid: string; op: OperationInput }[] = [];
        for (const oid of chunk) {
          const link = current.get(oid);
          const employeeId = wanted.get(oid);
          if (employeeId !== undefined) {
            if (link?.employeeId === employeeId) continue;
            const body = { id: oid, employeeId, linkedAt: now.toISOString() };
            ops.push({ oid, op: link ? { operationType: 'Replace', id: oid, partitionKey: oid, resourceBody: body, ifMatch: link._etag } : { operationType: 'Create', partitionKey: oid, resourceBody: body } });
          } else if (link && link.employeeId === released.get(oid)) {
            // Rare (someone gave up an id nobody took): one conditional delete each.
            try {
              await this.links.item(oid, oid).delete({ accessCondition: { type: 'IfMatch', condition: link._etag ?? '' } });
            } catch (err) {
              const code = (err as { code?: number }).code;
              if (code === 412) retry.push(oid);
              else if (code !== 404) throw err;
            }
          }
        }
        for (let j = 0; j < ops.length; j += 100) {
          const batch = ops.slice(j, j + 100);
          const results = await this.links.items.bulk(batch.map((o) => o.op));
          results.forEach((r, k) => {
            if (r.statusCode < 400) return;
            if (r.statusCode === 409 || r.statusCode === 412) retry.push(batch[k]!.oid);
            else throw new Error(`Linking Entra ids: storage answered ${r.statusCode}`);
          });
        }
      }
      pending = retry;
    }
    return pending.map((oid) => ({ employeeId: wanted.get(oid) ?? released.get(oid) ?? '', reason: 'its Entra id was changed by someone else during the import; run it again' }));
  }

  /**
   * At start: people imported before Entra id links existed get theirs (once; a marker document
   * says it is done, so later starts cost one point read). Returns how many links were made or checked.
   */
  async ensureEntraIdLinks(now: Date): Promise<number> {
    const { resource: marker } = await this.links.item(LINKS_BUILT, LINKS_BUILT).read();
    if (marker) return 0;
    const owners = await this.entraIdOwners();
    const changes = [...owners].map(([aadObjectId, employeeId]) => ({ employeeId, aadObjectId }));
    const failed = await this.relink(changes, now);
    if (failed.length) throw new Error(`Could not link ${failed.length} Entra ids to their people; start again`);
    await this.links.items.upsert({ id: LINKS_BUILT, builtAt: now.toISOString(), people: changes.length });
    return changes.length;
  }

  async get(employeeId: string): Promise<StoredPerson | undefined> {
    const id = normaliseEmployeeId(employeeId);
    const { resource } = await this.container.item(id, id).read<StoredPerson>();
    return resource;
  }

  /** Every safeguarding lead's Entra object id: from configuration and from the directory. */
  async leadObjectIds(): Promise<string[]> {
    const ids = new Set(this.leadIds);
    const query = this.container.items.query<{ aadObjectId?: string }>(`SELECT c.aadObjectId FROM c WHERE ARRAY_CONTAINS(c.roles, 'safeguarding-lead') AND ${CURRENT}`, { maxItemCount: 1000 });
    while (query.hasMoreResults()) for (const p of (await query.fetchNext()).resources) if (p.aadObjectId) ids.add(p.aadObjectId.toLowerCase());
    return [...ids];
  }

  /**
   * People stored under an id that is not upper case (by a version before ids were normalised) are
   * moved to the upper-case id, so `e001` and `E001` are one person. Someone already stored under
   * both spellings is left as they are and reported, for a person to decide. Safe at every start.
   */
  async upgradeEmployeeIds(): Promise<{ moved: number; conflicts: string[] }> {
    const odd = await readAll(this.container.items.query<StoredPerson>('SELECT * FROM c WHERE c.id != UPPER(c.id)', MANY));
    const conflicts: string[] = [];
    const relinked: EntraIdChange[] = [];
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
      if (person.aadObjectId) relinked.push({ employeeId: id, aadObjectId: person.aadObjectId });
      moved++;
    }
    // Their Entra id links pointed at the old spelling.
    if (relinked.length) await this.relink(relinked, new Date());
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
      staffGroup: person?.staffGroup,
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

  /** How many people are current (not leavers): one aggregate query, for the start-up line. */
  async countCurrent(): Promise<number> {
    const [people] = await readAll(this.container.items.query<number>(`SELECT VALUE COUNT(1) FROM c WHERE ${CURRENT}`));
    return people ?? 0;
  }

  get raw(): Container {
    return this.container;
  }

  /**
   * The Entra object id (in lower case) of the current member of staff with this e-mail address,
   * compared in any case; undefined when nobody current has it or they have no Entra id yet.
   */
  async currentObjectIdByEmail(email: string): Promise<string | undefined> {
    const resources = await readAll(
      this.container.items.query<{ aadObjectId?: string }>({
        query: 'SELECT c.aadObjectId FROM c WHERE LOWER(c.email) = @e AND NOT IS_DEFINED(c.leftAt)',
        parameters: [{ name: '@e', value: email.toLowerCase() }],
      }),
    );
    return resources.find((r) => r.aadObjectId)?.aadObjectId?.toLowerCase();
  }

  /**
   * Current staff a briefing goes to: everyone, or those whose team, staff group or practice is one
   * of `values`. Only the fields a delivery record keeps.
   */
  async currentStaffIn(filter?: { field: 'team' | 'staffGroup' | 'practiceCode'; values: string[] }): Promise<Pick<PersonRecord, 'employeeId' | 'name' | 'team' | 'aadObjectId'>[]> {
    const where = filter ? ` WHERE ARRAY_CONTAINS(@values, c.${filter.field}) AND ${CURRENT}` : ` WHERE ${CURRENT}`;
    return readAll(
      this.container.items.query<Pick<PersonRecord, 'employeeId' | 'name' | 'team' | 'aadObjectId'>>(
        { query: `SELECT c.employeeId, c.name, c.team, c.aadObjectId FROM c${where}`, parameters: filter ? [{ name: '@values', value: filter.values }] : [] },
        MANY,
      ),
    );
  }

  /** Every team current staff belong to, once each (unsorted), read a page at a time. */
  async currentTeams(): Promise<Set<string>> {
    const teams = new Set<string>();
    await forEachPage(this.container.items.query<string>(`SELECT VALUE c.team FROM c WHERE ${CURRENT}`, BIG_PAGE), (page) => {
      for (const team of page) if (team) teams.add(team);
    });
    return teams;
  }

  /** The people now in a team, whatever case the team is asked in. */
  async teamMembers(team: string): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>({ query: `SELECT * FROM c WHERE LOWER(c.team) = @team AND ${CURRENT}`, parameters: [{ name: '@team', value: team.toLowerCase() }] }, MANY),
    );
  }

  /** The managers of a team, spelt as the staff list spells it. */
  async managersOf(team: string): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>({ query: `SELECT * FROM c WHERE c.team = @team AND ARRAY_CONTAINS(c.roles, 'manager') AND ${CURRENT}`, parameters: [{ name: '@team', value: team }] }, MANY),
    );
  }

  /** The safeguarding leads in the staff list (not those named only in configuration). */
  async safeguardingLeads(): Promise<StoredPerson[]> {
    return readAll(this.container.items.query<StoredPerson>(`SELECT * FROM c WHERE ARRAY_CONTAINS(c.roles, 'safeguarding-lead') AND ${CURRENT}`, MANY));
  }
}
