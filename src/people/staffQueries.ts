import type { Container, OperationInput } from '@azure/cosmos';
import { bulkWrite } from '../storage/conditional';
import { BIG_PAGE, forEachPage, MANY, readAll } from '../storage/store';
import { CURRENT, type PersonRecord, type RosterEntry, type StoredPerson } from './person';

/**
 * The questions other capabilities ask of the staff list (who is in a team, who manages it, who
 * leads, who a briefing goes to), each one query named by what it is for, so no folder outside
 * src/people/ writes Cosmos SQL against the people container. PeopleDirectory extends this.
 */
export abstract class StaffQueries {
  protected constructor(protected readonly container: Container) {}

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

  /** Who holds each Entra object id in the directory (a small projection, not every person). */
  async entraIdOwners(): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    await forEachPage(
      this.container.items.query<{ id: string; aadObjectId: string }>(
        'SELECT c.id, c.aadObjectId FROM c WHERE IS_DEFINED(c.aadObjectId)',
        BIG_PAGE,
      ),
      (page) => {
        for (const p of page) owners.set(p.aadObjectId, p.id);
      },
    );
    return owners;
  }

  /** Everyone's id, team and staff group, without names or contact details (about 100 bytes a person), read a page at a time. */
  async roster(): Promise<RosterEntry[]> {
    return readAll(
      this.container.items.query<RosterEntry>(`SELECT c.id, c.team, c.staffGroup FROM c WHERE ${CURRENT}`, BIG_PAGE),
    );
  }

  /** How many people are current (not leavers): one aggregate query, for the start-up line. */
  async countCurrent(): Promise<number> {
    const [people] = await readAll(this.container.items.query<number>(`SELECT VALUE COUNT(1) FROM c WHERE ${CURRENT}`));
    return people ?? 0;
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
  async currentStaffIn(filter?: {
    field: 'team' | 'staffGroup' | 'practiceCode';
    values: string[];
  }): Promise<Pick<PersonRecord, 'employeeId' | 'name' | 'team' | 'aadObjectId'>[]> {
    const where = filter ? ` WHERE ARRAY_CONTAINS(@values, c.${filter.field}) AND ${CURRENT}` : ` WHERE ${CURRENT}`;
    return readAll(
      this.container.items.query<Pick<PersonRecord, 'employeeId' | 'name' | 'team' | 'aadObjectId'>>(
        {
          query: `SELECT c.employeeId, c.name, c.team, c.aadObjectId FROM c${where}`,
          parameters: filter ? [{ name: '@values', value: filter.values }] : [],
        },
        MANY,
      ),
    );
  }

  /** Every team current staff belong to, once each (unsorted), read a page at a time. */
  async currentTeams(): Promise<Set<string>> {
    const teams = new Set<string>();
    await forEachPage(
      this.container.items.query<string>(`SELECT VALUE c.team FROM c WHERE ${CURRENT}`, BIG_PAGE),
      (page) => {
        for (const team of page) if (team) teams.add(team);
      },
    );
    return teams;
  }

  /** The people now in a team, whatever case the team is asked in. */
  async teamMembers(team: string): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>(
        {
          query: `SELECT * FROM c WHERE LOWER(c.team) = @team AND ${CURRENT}`,
          parameters: [{ name: '@team', value: team.toLowerCase() }],
        },
        MANY,
      ),
    );
  }

  /** The managers of a team, spelt as the staff list spells it. */
  async managersOf(team: string): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>(
        {
          query: `SELECT * FROM c WHERE c.team = @team AND ARRAY_CONTAINS(c.roles, 'manager') AND ${CURRENT}`,
          parameters: [{ name: '@team', value: team }],
        },
        MANY,
      ),
    );
  }

  /** The safeguarding leads in the staff list (not those named only in configuration). */
  async safeguardingLeads(): Promise<StoredPerson[]> {
    return readAll(
      this.container.items.query<StoredPerson>(
        `SELECT * FROM c WHERE ARRAY_CONTAINS(c.roles, 'safeguarding-lead') AND ${CURRENT}`,
        MANY,
      ),
    );
  }

  /** Writes people in bulk (the staff import and leavers), each operation's outcome reported to `outcome`. */
  async bulkWrite<T extends { op: OperationInput }>(
    items: T[],
    outcome: (item: T, failure: string | undefined, statusCode: number) => void,
  ): Promise<void> {
    return bulkWrite(this.container, items, outcome);
  }
}
