import type { z } from 'zod';
import { can, type Permission } from '../people/roles';
import type { CardAction, ChatTurn, Command, ExecuteAction, Reply, TurnHandler } from './types';

/**
 * How a capability declares what it answers. A card action names its verb, the zod schema of the
 * data its card submits and who may press it; the route checks the permission, then validates the
 * data once, so a handler receives typed data and never sees `turn.value`.
 */
export interface ActionOptions {
  /** Its replies show names, figures or links: only ever in the person's 1:1 chat. */
  privileged?: boolean;
  /** Who may press it. With `refuse`, anyone else gets that reply before the data is even read. */
  permission?: Permission;
  /** The capability's "only leads can…" reply. */
  refuse?: TurnHandler;
  /** What the person sees when the card's data does not match (an old card, a tampered one). */
  invalid: TurnHandler;
  /** It answers everyone alike, without looking the person up (see Command.anyone); never with a permission. */
  anyone?: true;
}

export function action<S extends z.ZodTypeAny>(
  verb: string,
  schema: S,
  handle: (turn: ChatTurn, data: z.output<S>) => Promise<void>,
  opts: ActionOptions,
): CardAction {
  if (opts.anyone && opts.permission)
    throw new Error(`${verb}: an action for anyone cannot also need a permission (the person is not looked up)`);
  return {
    verb,
    privileged: opts.privileged,
    permission: opts.permission,
    anyone: opts.anyone,
    handle: async (turn) => {
      if (opts.permission && opts.refuse && !can(turn.principal, opts.permission)) return opts.refuse(turn);
      const data = cardData(turn, verb, schema);
      return data.ok ? handle(turn, data.value) : opts.invalid(turn);
    },
  };
}

/** A Universal Action (Action.Execute): the reply replaces the card pressed. */
export function execute<S extends z.ZodTypeAny>(
  verb: string,
  schema: S,
  handle: (turn: ChatTurn, data: z.output<S>) => Promise<Reply>,
  invalid: (turn: ChatTurn) => Promise<Reply> | Reply,
): ExecuteAction {
  return {
    verb,
    handle: async (turn) => {
      const data = cardData(turn, verb, schema);
      return data.ok ? handle(turn, data.value) : invalid(turn);
    },
  };
}

/** The card's data checked against the action's schema; a mismatch is logged (the verb and a count only). */
function cardData<S extends z.ZodTypeAny>(
  turn: ChatTurn,
  verb: string,
  schema: S,
): { ok: true; value: z.output<S> } | { ok: false } {
  const parsed = schema.safeParse(turn.value);
  if (parsed.success) return { ok: true, value: parsed.data };
  turn.log.info({ verb, invalid: parsed.error.issues.length }, 'card data did not match its schema');
  return { ok: false };
}

/**
 * Whether a message is this command, and what followed its name: the pattern's group named `args`,
 * trimmed (the team in "team compliance Finance"). The bot layer calls this once per message and
 * puts the result in `turn.args`. Undefined when no pattern matches.
 */
export function matchCommand(command: Pick<Command, 'patterns'>, text: string): { args?: string } | undefined {
  for (const pattern of command.patterns) {
    const m = pattern.exec(text);
    if (m) return { args: m.groups?.args?.trim() || undefined };
  }
  return undefined;
}

/** Every verb the capabilities answer, for the reachability test and the bot layer. */
export function verbsOf(capabilities: readonly { actions?: CardAction[]; executes?: ExecuteAction[] }[]): string[] {
  return capabilities.flatMap((c) => [...(c.actions ?? []), ...(c.executes ?? [])].map((a) => a.verb));
}
