import type { Role } from './roles';

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

/** The condition every read of current staff adds (a leaver is kept, but is no longer staff). */
export const CURRENT = 'NOT IS_DEFINED(c.leftAt)';
