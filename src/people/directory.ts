import type { Container, OperationInput } from '@azure/cosmos';
import { bulkRead } from '../storage/conditional';
import { MANY, readAll, type Store } from '../storage/store';
import { resolveRoles, type Principal } from './roles';
import { CURRENT, normaliseEmployeeId, type EntraIdChange, type EntraIdLink, type StoredPerson } from './person';
import { StaffQueries } from './staffQueries';

export {
  CURRENT,
  normaliseEmployeeId,
  type EntraIdChange,
  type EntraIdLink,
  type PersonRecord,
  type RosterEntry,
  type StoredPerson,
} from './person';

/** Written once every person's Entra id has a link (people imported before links existed got theirs at start). */
const LINKS_BUILT = 'links-built';
/** At most this many remembered holders (about 150 bytes each); all forgotten when full. */
const HOLDER_HINTS = 50_000;

export class PeopleDirectory extends StaffQueries {
  private readonly links: Container;
  /**
   * Whose record held each Entra id when this process last found it: only a hint of which record
   * to read, so a turn costs one point read instead of two. The record read is checked as the link
   * path checks it (it must still hold the id, and not have left); anything else reads the link.
   */
  private readonly holders = new Map<string, string>();

  constructor(
    store: Store,
    private readonly leadIds: readonly string[],
  ) {
    super(store.container('people'));
    this.links = store.container('entraIds');
  }

  /**
   * The person holding an Entra object id, never by a query: one point read of the record this
   * process last found holding it, or two (the link, then the person). The person's own record is
   * the truth: a record that no longer holds the id (it moved, or they left) is passed over, and a
   * link that no longer matches its person (an import moving the id is half done) finds nobody.
   * While such an import is half done, both records can hold the id for a moment; a process that
   * found the old holder before finds them until the import writes that record (or, if it was cut
   * short, until it is run again).
   */
  async findByAadObjectId(aadObjectId: string): Promise<StoredPerson | undefined> {
    const oid = aadObjectId.toLowerCase();
    // A leaver keeps their record for history but is no longer staff.
    const holds = (person: StoredPerson | undefined): person is StoredPerson =>
      person?.aadObjectId === oid && !person.leftAt;
    const hinted = this.holders.get(oid);
    if (hinted !== undefined) {
      const person = await this.get(hinted);
      if (holds(person)) return person;
      this.holders.delete(oid); // moved, left or removed since: the link decides
    }
    const { resource: link } = await this.links.item(oid, oid).read<EntraIdLink>();
    if (!link?.employeeId) return undefined;
    const person = await this.get(link.employeeId);
    if (!holds(person)) return undefined;
    if (this.holders.size >= HOLDER_HINTS) this.holders.clear();
    this.holders.set(oid, person.id);
    return person;
  }

  /**
   * Points each Entra id at the person who holds it now, and removes the link of an id a person
   * gave up (unless someone else took it meanwhile). Every write is conditional on the link's
   * etag; a link someone else changed meanwhile is read again and decided again, up to 3 times.
   * Returns the people whose link could not be written.
   */
  async relink(changes: readonly EntraIdChange[], now: Date): Promise<{ employeeId: string; reason: string }[]> {
    for (const c of changes) {
      if (c.aadObjectId) this.holders.delete(c.aadObjectId);
      if (c.previous) this.holders.delete(c.previous);
    }
    const wanted = new Map<string, string>(); // object id -> employee id
    for (const c of changes) if (c.aadObjectId) wanted.set(c.aadObjectId, c.employeeId);
    const released = new Map<string, string>(); // object id -> the employee who gave it up
    for (const c of changes)
      if (c.previous && c.previous !== c.aadObjectId && !wanted.has(c.previous)) released.set(c.previous, c.employeeId);
    let pending = [...wanted.keys(), ...released.keys()];
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const retry: string[] = [];
      for (let i = 0; i < pending.length; i += 1000) {
        const chunk = pending.slice(i, i + 1000);
        const current = await bulkRead<EntraIdLink>(
          this.links,
          chunk.map((id) => ({ id, partitionKey: id })),
        );
        const ops: { oid: string; op: OperationInput }[] = [];
        for (const oid of chunk) {
          const link = current.get(oid);
          const employeeId = wanted.get(oid);
          if (employeeId !== undefined) {
            if (link?.employeeId === employeeId) continue;
            const body = { id: oid, employeeId, linkedAt: now.toISOString() };
            ops.push({
              oid,
              op: link
                ? { operationType: 'Replace', id: oid, partitionKey: oid, resourceBody: body, ifMatch: link._etag }
                : { operationType: 'Create', partitionKey: oid, resourceBody: body },
            });
          } else if (link && link.employeeId === released.get(oid)) {
            // Rare (someone gave up an id nobody took): one conditional delete each.
            try {
              await this.links
                .item(oid, oid)
                .delete({ accessCondition: { type: 'IfMatch', condition: link._etag ?? '' } });
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
    return pending.map((oid) => ({
      employeeId: wanted.get(oid) ?? released.get(oid) ?? '',
      reason: 'its Entra id was changed by someone else during the import; run it again',
    }));
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
    const query = this.container.items.query<{ aadObjectId?: string }>(
      `SELECT c.aadObjectId FROM c WHERE ARRAY_CONTAINS(c.roles, 'safeguarding-lead') AND ${CURRENT}`,
      { maxItemCount: 1000 },
    );
    while (query.hasMoreResults())
      for (const p of (await query.fetchNext()).resources) if (p.aadObjectId) ids.add(p.aadObjectId.toLowerCase());
    return [...ids];
  }

  /**
   * People stored under an id that is not upper case (by a version before ids were normalised) are
   * moved to the upper-case id, so `e001` and `E001` are one person. Someone already stored under
   * both spellings is left as they are and reported, for a person to decide. Safe at every start.
   */
  async upgradeEmployeeIds(): Promise<{ moved: number; conflicts: string[] }> {
    const odd = await readAll(
      this.container.items.query<StoredPerson>('SELECT * FROM c WHERE c.id != UPPER(c.id)', MANY),
    );
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
    if (!person) return this.teamsPrincipal(user);
    return {
      aadObjectId: oid,
      employeeId: person.employeeId,
      name: person.name ?? user.name,
      roles: resolveRoles(person.roles ?? [], this.isConfiguredLead(oid)),
      team: person.team,
      staffGroup: person.staffGroup,
      practiceCode: person.practiceCode,
    };
  }

  /**
   * Who Teams says this is, without asking the directory: plain staff, or a lead named in
   * configuration; never more than `principalFor` would give them. For turns that answer everyone
   * alike (Command.anyone).
   */
  teamsPrincipal(user: { aadObjectId?: string; name?: string }): Principal {
    const oid = user.aadObjectId?.toLowerCase();
    return { aadObjectId: oid, name: user.name, roles: resolveRoles([], this.isConfiguredLead(oid)) };
  }

  private isConfiguredLead(oid: string | undefined): boolean {
    return oid !== undefined && this.leadIds.includes(oid);
  }

  /** Several people by id (point reads in bulk); people not in the directory are absent. */
  getMany(employeeIds: readonly string[]): Promise<Map<string, StoredPerson>> {
    return bulkRead<StoredPerson>(
      this.container,
      employeeIds.map((id) => ({ id, partitionKey: id })),
    );
  }
}
