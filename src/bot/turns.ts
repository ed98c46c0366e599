import { randomBytes, randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { Config } from '../config';
import { pseudonymiser, type Logger } from '../logging/logger';
import type { ChatTurn, Reply, TurnHandler } from '../chat/types';
import type { PeopleDirectory } from '../people/directory';
import { conversationKind, filesOf, toActivity } from './activities';

/** What the bot layer keeps per turn, and how a turn becomes a channel-neutral ChatTurn. */
export interface Turns {
  /** What handled each turn: "command:<name>", "verb:<verb>", "welcome", "screened", "unrecognised"… */
  handledBy: WeakMap<TurnContext, string>;
  /** What a matched command's pattern captured after its name (matched once, in the route selector). */
  commandArgs: WeakMap<TurnContext, string>;
  turnLog(context: TurnContext): Logger;
  /**
   * The turn as capabilities see it. `anyone`: for a route that answers everyone alike, the person
   * is not looked up in the directory (two point reads fewer) and its principal is plain staff.
   */
  toChatTurn(context: TurnContext, opts?: { anyone?: boolean }): Promise<ChatTurn>;
  /** A route handler that records what handled the turn and gives the capability its ChatTurn. */
  run(handler: TurnHandler, name: string, opts?: { anyone?: boolean }): (context: TurnContext) => Promise<void>;
}

export function createTurns(config: Config, log: Logger, directory: PeopleDirectory): Turns {
  // Operators see one line per turn: what ran, how long it took and a pseudonymous user id.
  const userPseudonym = pseudonymiser(config.logPseudonymKey ?? randomBytes(32).toString('hex'));
  /** What handled each turn: "command:<name>", "verb:<verb>", "welcome", "screened", "unrecognised"… */
  const handledBy = new WeakMap<TurnContext, string>();
  /** One child logger per turn, made when first asked for (the turn's handler and its closing line share it). */
  const turnLogs = new WeakMap<TurnContext, Logger>();
  const turnLog = (context: TurnContext): Logger => {
    let child = turnLogs.get(context);
    if (!child) {
      child = log.child({
        reqId: context.activity.id ?? randomUUID(),
        activityType: context.activity.type,
        conversationType: context.activity.conversation?.conversationType,
        user: userPseudonym(context.activity.from?.aadObjectId),
      });
      turnLogs.set(context, child);
    }
    return child;
  };

  /** What a matched command's pattern captured after its name, per turn (matched once, in the route selector). */
  const commandArgs = new WeakMap<TurnContext, string>();

  async function toChatTurn(context: TurnContext, opts: { anyone?: boolean } = {}): Promise<ChatTurn> {
    const a = context.activity;
    const user = {
      aadObjectId: a.from?.aadObjectId?.toLowerCase(),
      name: a.from?.name,
      tenantId: a.conversation?.tenantId ?? a.channelData?.tenant?.id,
    };
    return {
      user,
      principal: opts.anyone ? directory.teamsPrincipal(user) : await directory.principalFor(user),
      conversation: { id: a.conversation.id, kind: conversationKind(context) },
      text: (a.text ?? '').trim(),
      args: commandArgs.get(context),
      value: a.value,
      files: filesOf(a.attachments),
      log: turnLog(context),
      send: async (reply: Reply) => {
        await context.sendActivity(toActivity(reply));
      },
    };
  }

  const run =
    (handler: TurnHandler, name: string, opts?: { anyone?: boolean }) =>
    async (context: TurnContext): Promise<void> => {
      handledBy.set(context, name);
      await handler(await toChatTurn(context, opts));
    };

  return { handledBy, commandArgs, turnLog, toChatTurn, run };
}
