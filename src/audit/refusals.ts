import type { Capability, ChatTurn, TurnHandler } from '../chat/types';
import { can, type Permission } from '../people/roles';
import type { AuditTrail } from '.';

/**
 * Records every refusal of a privileged command or card action in the audit trail: who, which
 * command or button (its declared name or verb, never what was typed) and the permission it needs.
 * The handler still decides and answers as before; this only records, before it runs, that the
 * person lacks the declared permission. Refusals a handler makes for other reasons (another team,
 * their own record) are recorded by the handler with `auditRefusal`.
 */
export function withRefusalAudit(capability: Capability, audit: AuditTrail): Capability {
  const guard = (
    permission: Permission | undefined,
    what: { command: string } | { verb: string },
    handle: TurnHandler,
  ): TurnHandler =>
    permission
      ? async (turn) => {
          if (!can(turn.principal, permission)) await auditRefusal(audit, turn, permission, what);
          return handle(turn);
        }
      : handle;
  return {
    ...capability,
    commands: capability.commands?.map((c) => ({ ...c, handle: guard(c.permission, { command: c.name }, c.handle) })),
    actions: capability.actions?.map((a) => ({ ...a, handle: guard(a.permission, { verb: a.verb }, a.handle) })),
  };
}

/** One `access.refused` record (a failed write is logged, and the person still gets their answer). */
export async function auditRefusal(
  audit: AuditTrail,
  turn: ChatTurn,
  permission: Permission,
  what: Record<string, string | number | boolean>,
): Promise<void> {
  await audit.note(turn.user, 'access.refused', { permission, ...what }, turn.log);
}
