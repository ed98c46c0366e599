import pino from 'pino';
import type { ChatTurn, ConversationKind, Reply } from '../../src/chat/types';
import { resolveRoles, type Principal, type Role } from '../../src/people/roles';

/**
 * A channel-neutral turn for handler tests: no HTTP, no bot, no store unless the test gives one.
 * `sent` collects every reply in order; `texts` and `cards` are views of it.
 */
export interface FakeTurn extends ChatTurn {
  sent: Reply[];
  texts(): string[];
  cards(): Record<string, unknown>[];
}

export interface FakeTurnOptions {
  roles?: Role[];
  principal?: Partial<Omit<Principal, 'roles'>>;
  text?: string;
  args?: string;
  value?: unknown;
  kind?: ConversationKind;
  aadObjectId?: string;
  name?: string;
}

const silent = pino({ level: 'silent' });

export function fakeTurn(opts: FakeTurnOptions = {}): FakeTurn {
  const aadObjectId = opts.aadObjectId ?? opts.principal?.aadObjectId ?? '00000000-0000-0000-0000-0000000000aa';
  const sent: Reply[] = [];
  return {
    user: { aadObjectId, name: opts.name ?? 'Test Person', tenantId: 'tenant' },
    principal: {
      aadObjectId,
      name: opts.name ?? 'Test Person',
      ...opts.principal,
      roles: resolveRoles(opts.roles ?? [], false),
    },
    conversation: { id: `conv-${aadObjectId}`, kind: opts.kind ?? 'personal' },
    text: opts.text ?? '',
    args: opts.args,
    value: opts.value,
    log: silent,
    send: async (reply) => {
      sent.push(reply);
    },
    sent,
    texts: () => sent.flatMap((r) => ('text' in r ? [r.text] : [])),
    cards: () => sent.flatMap((r) => ('card' in r ? [r.card] : [])),
  };
}
