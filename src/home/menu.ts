import type { Command, ConversationKind } from '../chat/types';
import { can, PERMISSIONS, type Permission, type Principal, type Role } from '../people/roles';

/**
 * What a person can do, from the capabilities' declared commands: the welcome card, help and the
 * manifest's command list all come from here, so they cannot drift from what the handlers allow.
 */
const ROLE_PLURALS: Record<Role, string> = {
  'safeguarding-lead': 'safeguarding leads',
  manager: 'managers',
  'practice-lead': 'GP practice leads',
  staff: 'everyone',
};

/** "managers and safeguarding leads", from the permission's roles. */
export function whoMay(permission: Permission): string {
  const roles: readonly Role[] = PERMISSIONS[permission];
  const names = roles.map((r) => ROLE_PLURALS[r]);
  return names.length <= 1
    ? (names[0] ?? 'everyone')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** A description without a hand-written "(safeguarding leads)" at its end: who may is generated. */
export const plainDescription = (c: Pick<Command, 'description'>) => c.description.replace(/\s*\([^)]*\)\s*$/, '');

/**
 * The commands this person may use here. Outside a 1:1 chat only everyone's commands are offered:
 * privileged work happens in the person's own chat with the bot.
 */
export function commandsFor(
  commands: readonly Command[],
  principal: Principal,
  kind: ConversationKind = 'personal',
): Command[] {
  return commands.filter((c) => (c.permission ? kind === 'personal' && can(principal, c.permission) : true));
}

/** The person's role in words, for the card's heading. */
export function roleSummary(principal: Principal): string {
  const parts: string[] = [];
  if (principal.roles.has('safeguarding-lead')) parts.push('a safeguarding lead');
  if (principal.roles.has('manager')) parts.push(`the manager of ${principal.team ?? 'your team'}`);
  if (principal.roles.has('practice-lead'))
    parts.push(`a practice lead${principal.practiceCode ? ` (${principal.practiceCode})` : ''}`);
  return parts.length ? `As ${parts.join(' and ')}, you can also:` : '';
}

export interface ManifestCommand {
  title: string;
  description: string;
}

/** Teams allows at most 10 commands per list: everyone's first, then those with a button, then the rest; help last. */
export const MANIFEST_LIMIT = 10;

/**
 * The manifest's personal command list. The manifest is the same for everyone, so a command for
 * some people says who it is for.
 */
export function manifestCommands(commands: readonly Command[]): ManifestCommand[] {
  const everyone = commands.filter((c) => !c.permission);
  const some = commands.filter((c) => c.permission);
  const help = everyone.filter((c) => c.name === 'help');
  const ordered = [
    ...everyone.filter((c) => c.name !== 'help'),
    ...some.filter((c) => c.button),
    ...some.filter((c) => !c.button),
  ];
  return [...ordered.slice(0, MANIFEST_LIMIT - help.length), ...help].map((c) => ({
    title: c.name,
    description: (c.permission ? `${plainDescription(c)} (${whoMay(c.permission)})` : plainDescription(c)).slice(
      0,
      128,
    ),
  }));
}
