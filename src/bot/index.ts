import {
  ActivityTypes,
  CardFactory,
  MessageFactory,
  TurnContext,
  type ConversationReference,
  type Request,
  type Response,
} from 'botbuilder';
import { Application, TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import { newReferenceCode, type Logger } from '../logging/logger';
import type { Capability, ChatTurn, Command, ConversationKind, Notifier, Reply, TextScreen, TurnHandler } from '../chat/types';
import type { PeopleDirectory } from '../people/directory';
import type { ConversationStore } from '../people/conversations';

/**
 * The channel layer: the only folder that imports botbuilder or Teams AI. It turns activities into
 * channel-neutral ChatTurns, routes them to the capabilities' commands and card actions, and
 * implements proactive messaging. Porting to the Teams SDK v2 means rewriting this folder only.
 */
export interface BotDeps {
  config: Config;
  log: Logger;
  directory: PeopleDirectory;
  conversations: ConversationStore;
  capabilities: Capability[];
  /** Checks on message text before routing (the patient-data guard). */
  screens?: TextScreen[];
}

export interface Bot {
  /** Handles POST /api/messages (authentication included). */
  process(req: Request, res: Response): Promise<void>;
  notifier: Notifier;
}

export function createBot(deps: BotDeps): Bot {
  const { config, log, directory, conversations, capabilities, screens = [] } = deps;
  const adapter = new TeamsAdapter(
    config.bot.appId
      ? {
          MicrosoftAppId: config.bot.appId,
          MicrosoftAppPassword: config.bot.appPassword,
          MicrosoftAppType: config.bot.appType,
          MicrosoftAppTenantId: config.bot.tenantId,
        }
      : {},
  );
  const app = new Application<TurnState>({
    adapter,
    botAppId: config.bot.appId,
    startTypingTimer: false,
    removeRecipientMention: true,
    longRunningMessages: false,
  });

  const turnLog = (context: TurnContext): Logger =>
    log.child({
      reqId: context.activity.id ?? randomUUID(),
      activityType: context.activity.type,
      conversationType: context.activity.conversation?.conversationType,
    });

  async function toChatTurn(context: TurnContext): Promise<ChatTurn> {
    const a = context.activity;
    const user = { aadObjectId: a.from?.aadObjectId?.toLowerCase(), name: a.from?.name, tenantId: a.conversation?.tenantId ?? a.channelData?.tenant?.id };
    return {
      user,
      principal: await directory.principalFor(user),
      conversation: { id: a.conversation.id, kind: conversationKind(context) },
      text: (a.text ?? '').trim(),
      value: a.value,
      log: turnLog(context),
      send: async (reply: Reply) => {
        await context.sendActivity(toActivity(reply));
      },
    };
  }

  const run =
    (handler: TurnHandler) =>
    async (context: TurnContext): Promise<void> => {
      await handler(await toChatTurn(context));
    };

  // Every turn: remember where to reach this person in their 1:1 chat.
  app.turn('beforeTurn', async (context) => {
    const a = context.activity;
    const oid = a.from?.aadObjectId?.toLowerCase();
    if (oid && conversationKind(context) === 'personal' && a.from.id !== a.recipient?.id) {
      const reference = TurnContext.getConversationReference(a) as unknown as Record<string, unknown>;
      await conversations.remember(oid, a.conversation.id, reference, a.conversation?.tenantId);
    }
    turnLog(context).info('turn');
    const text = a.type === ActivityTypes.Message ? (a.text ?? '') : '';
    for (const screen of screens) {
      const stop = text ? screen(text) : undefined;
      if (stop) {
        turnLog(context).info({ screened: true }, 'message not processed: screened');
        await context.sendActivity(toActivity(stop));
        return false;
      }
    }
    return true;
  });

  const welcome = async (context: TurnContext) => {
    const turn = await toChatTurn(context);
    if (turn.conversation.kind === 'personal' && turn.user.aadObjectId) {
      if (!(await conversations.claimWelcome(turn.user.aadObjectId))) return;
    }
    for (const c of capabilities) if (c.onWelcome) await c.onWelcome(turn);
  };

  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    const action = String(context.activity.action ?? '');
    const oid = context.activity.from?.aadObjectId?.toLowerCase();
    if (action.startsWith('remove')) {
      if (oid) await conversations.forgetWelcome(oid);
      return;
    }
    await welcome(context);
  });

  app.conversationUpdate('membersAdded', async (context) => {
    const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
    if (botAdded) await welcome(context);
  });

  // Text commands, then the menu buttons that name them, then card actions.
  const commands: Command[] = capabilities.flatMap((c) => c.commands ?? []);
  for (const command of commands) app.message(command.patterns, run(command.handle));

  app.adaptiveCards.actionSubmit('menu', async (context, _state, data: Record<string, unknown>) => {
    const name = typeof data.command === 'string' ? data.command : '';
    const command = commands.find((c) => c.name === name);
    await run(command ? command.handle : unrecognised)(context);
  });

  for (const action of capabilities.flatMap((c) => c.actions ?? [])) {
    app.adaptiveCards.actionSubmit(action.verb, async (context) => run(action.handle)(context));
  }

  const unrecognised: TurnHandler = async (turn) => {
    for (const c of capabilities) if (c.onUnrecognised && (await c.onUnrecognised(turn))) return;
  };
  app.activity(ActivityTypes.Message, run(unrecognised));

  app.error(async (context, err) => {
    const ref = newReferenceCode();
    turnLog(context).error({ err: { message: err.message, name: err.name, stack: err.stack }, ref }, 'turn failed');
    try {
      await context.sendActivity(
        `Sorry, something went wrong on our side and I could not finish that. Please try again. ` +
          `If it keeps happening, tell the safeguarding team and quote reference ${ref}.`,
      );
    } catch (sendErr) {
      log.error({ err: { message: (sendErr as Error).message }, ref }, 'could not send the apology');
    }
  });

  const notifier: Notifier = {
    async sendToPerson(aadObjectId, reply) {
      const stored = await conversations.get(aadObjectId.toLowerCase());
      if (!stored) return 'no-conversation';
      const reference = stored.reference as unknown as ConversationReference;
      // The adapter hands errors in this callback to onTurnError (which would post an apology into
      // the person's chat) and does not rethrow them: catch here, and report the failure to the caller.
      let failure: unknown;
      await adapter.continueConversationAsync(config.bot.appId ?? '', reference, async (context) => {
        try {
          await context.sendActivity(toActivity(reply));
        } catch (err) {
          failure = err;
        }
      });
      if (failure) throw failure;
      return 'sent';
    },
  };

  return {
    process: (req, res) => adapter.process(req, res, async (context) => void (await app.run(context))),
    notifier,
  };
}

function conversationKind(context: TurnContext): ConversationKind {
  const t = context.activity.conversation?.conversationType;
  return t === 'channel' ? 'channel' : t === 'groupChat' ? 'groupChat' : 'personal';
}

function toActivity(reply: Reply) {
  if ('text' in reply) return MessageFactory.text(reply.text);
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card));
  if (reply.fallbackText) activity.summary = reply.fallbackText;
  return activity;
}
