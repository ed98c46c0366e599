import { menuTemplate } from './cards';
import type { Capability, ChatTurn, Command } from '../chat/types';
import { commandsFor, plainDescription, roleSummary, whoMay } from './menu';

/**
 * Home: the welcome card on install, `help`, and a helpful answer to anything unrecognised. The
 * menu shows what this person can do, from the capabilities' declared commands.
 */
export type MenuVariant = 'welcome' | 'help' | 'unrecognised';

/** Teams shows at most five buttons in a row of actions: everyone's jobs at the foot, the role's own under its line. */
const MAX_BUTTONS = 5;

export function menuCard(
  variant: MenuVariant,
  commands: readonly Command[],
  turn: Pick<ChatTurn, 'principal'> & { conversation?: ChatTurn['conversation'] },
): Record<string, unknown> {
  const titles = {
    welcome: 'Welcome to Safeguarding support',
    help: 'How I can help',
    unrecognised: 'Sorry, I did not understand that',
  };
  const intros = {
    welcome:
      'I help NHS staff act when they are worried about a child or an adult, and keep safeguarding knowledge and training up to date.',
    help: 'Choose what you need, or type one of the commands below.',
    unrecognised: 'Choose one of these options, or type help to see this menu again.',
  };
  const allowed = commandsFor(commands, turn.principal, turn.conversation?.kind ?? 'personal');
  // Everyone's first, then what this person's role adds.
  const mine = [...allowed.filter((c) => !c.permission), ...allowed.filter((c) => c.permission)];
  const role = roleSummary(turn.principal);
  const roles = (['safeguarding-lead', 'manager', 'practice-lead'] as const).filter((r) =>
    turn.principal.roles.has(r),
  ).length;
  return menuTemplate({
    title: titles[variant],
    intro: intros[variant],
    role: variant === 'unrecognised' || mine.every((c) => !c.permission) ? '' : role,
    showDetail: variant !== 'unrecognised',
    buttons: mine
      .filter((c) => c.button && !c.permission)
      .slice(0, MAX_BUTTONS)
      .map((c) => ({ title: c.button, command: c.name })),
    roleButtons: mine
      .filter((c) => c.button && c.permission)
      .slice(0, MAX_BUTTONS)
      .map((c) => ({ title: c.button, command: c.name })),
    commands: mine
      .filter((c) => !c.permission)
      .map((c) => ({ command: c.usage ?? c.name, description: plainDescription(c) })),
    // Under the line that says which role adds them; with more than one role, each says whose it is.
    roleCommands: mine
      .filter((c) => c.permission)
      .map((c) => ({
        command: c.usage ?? c.name,
        description: roles > 1 ? `${plainDescription(c)} (${whoMay(c.permission!)})` : plainDescription(c),
      })),
  });
}

export function createHomeCapability(allCommands: () => readonly Command[]): Capability {
  async function sendMenu(turn: ChatTurn, variant: MenuVariant): Promise<void> {
    if (turn.conversation.kind !== 'personal' && variant === 'welcome') {
      await turn.send({
        text: 'Hello, I am the safeguarding support bot. Message me in a 1:1 chat to find referral routes, briefings and your training record.',
      });
      return;
    }
    await turn.send({ card: menuCard(variant, allCommands(), turn), fallbackText: 'Safeguarding support menu' });
  }
  return {
    name: 'home',
    commands: [
      {
        name: 'help',
        description: 'Show everything you can do',
        patterns: [/^\s*(help|menu|start|hi|hello|hey|\?)\s*[.!?]?\s*$/i],
        handle: (turn) => sendMenu(turn, 'help'),
      },
    ],
    onWelcome: (turn) => sendMenu(turn, 'welcome'),
    onUnrecognised: async (turn) => {
      await sendMenu(turn, 'unrecognised');
      return true;
    },
  };
}
