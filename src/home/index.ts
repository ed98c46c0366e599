import { renderCard } from '../cards/render';
import type { Capability, ChatTurn } from '../chat/types';
import { JOBS } from './jobs';

/**
 * Home: the welcome card on install, `help`, and a helpful answer to anything unrecognised.
 */
export function menuCard(variant: 'welcome' | 'help' | 'unrecognised'): Record<string, unknown> {
  const titles = {
    welcome: 'Welcome to Safeguarding support',
    help: 'How I can help',
    unrecognised: 'Sorry, I did not understand that',
  };
  const intros = {
    welcome: 'I help NHS staff act when they are worried about a child or an adult, and keep safeguarding knowledge and training up to date.',
    help: 'Choose what you need, or type one of the commands below.',
    unrecognised: 'Choose one of these options, or type help to see this menu again.',
  };
  return renderCard('home/menu', {
    title: titles[variant],
    intro: intros[variant],
    showDetail: variant !== 'unrecognised',
    jobs: JOBS.map((j) => ({ title: j.title, command: j.command, description: j.description })),
  });
}

async function sendMenu(turn: ChatTurn, variant: 'welcome' | 'help' | 'unrecognised'): Promise<void> {
  if (turn.conversation.kind !== 'personal' && variant === 'welcome') {
    await turn.send({ text: 'Hello, I am the safeguarding support bot. Message me in a 1:1 chat to find referral routes, briefings and your training record.' });
    return;
  }
  await turn.send({ card: menuCard(variant), fallbackText: 'Safeguarding support menu' });
}

export function createHomeCapability(): Capability {
  return {
    name: 'home',
    commands: [
      {
        name: 'help',
        description: 'Show what I can do',
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
