/**
 * Roles and what each may do, in one place. Handlers ask `can(principal, permission)`; they never
 * test role names themselves.
 */
export const ROLES = ['safeguarding-lead', 'manager', 'practice-lead', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  aadObjectId?: string;
  /** Set when the person is in the imported staff directory. */
  employeeId?: string;
  name?: string;
  roles: ReadonlySet<Role>;
  /** The person's own team (a manager manages this team). */
  team?: string;
  /** The person's staff group (which training they need). */
  staffGroup?: string;
  /** The GP practice a practice lead answers for. */
  practiceCode?: string;
}

export const PERMISSIONS = {
  'referral.use': ['staff'],
  'referral.review': ['safeguarding-lead'],
  'briefings.read': ['staff'],
  'briefings.send': ['safeguarding-lead'],
  'training.own': ['staff'],
  'training.team': ['manager', 'safeguarding-lead'],
  'training.organisation': ['safeguarding-lead'],
  'assessment.answer': ['practice-lead'],
  'assessment.oversee': ['safeguarding-lead'],
  'people.import': ['safeguarding-lead'],
  'content.edit': ['safeguarding-lead'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(principal: Principal, permission: Permission): boolean {
  const allowed: readonly Role[] = PERMISSIONS[permission];
  return allowed.some((role) => principal.roles.has(role));
}

/** Everyone is staff; extra roles come from the directory and, for leads, from configuration. */
export function resolveRoles(directoryRoles: readonly Role[], isConfiguredLead: boolean): Set<Role> {
  const roles = new Set<Role>(['staff', ...directoryRoles]);
  if (isConfiguredLead) roles.add('safeguarding-lead');
  return roles;
}
