import { renderCard } from '../cards/render';
import type { Capability, ChatTurn, Command } from '../chat/types';
import { JOBS, type Job } from './jobs';

/**
 * Home: the welcome card on install, `help`, and a helpful answer to anything unrecognised.
 * Jobs whose capability has not been built yet answer with a plain "coming soon".
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

function comingSoon(job: Job): Command {
  return {
    name: job.command,
    description: job.description,
    patterns: job.patterns,
    handle: async (turn) => {
      await turn.send({
        text: `${job.title} is coming soon to this bot. Until then, please use your organisation's usual safeguarding guidance or contact your safeguarding team.`,
      });
    },
  };
}

export interface HomeOptions {
  /** Jobs not yet provided by a capability of their own. */
  pending: Job['key'][];
}

export function createHomeCapability(options: HomeOptions): Capability {
  return {
    name: 'home',
    commands: [
      {
        name: 'help',
        description: 'Show what I can do',
        patterns: [/^\s*(help|menu|start|hi|hello|hey|\?)\s*[.!?]?\s*$/i],
        handle: (turn) => sendMenu(turn, 'help'),
      },
      ...JOBS.filter((j) => options.pending.includes(j.key)).map(comingSoon),
    ],
    onWelcome: (turn) => sendMenu(turn, 'welcome'),
    onUnrecognised: async (turn) => {
      await sendMenu(turn, 'unrecognised');
      return true;
    },
  };
}
