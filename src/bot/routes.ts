import { ActivityTypes, TurnContext } from 'botbuilder';
import type { Application, TurnState } from '@microsoft/teams-ai';
import type { Logger } from '../logging/logger';
import { newReferenceCode } from '../logging/logger';
import type { Capability, ChatTurn, Command, Notifier, TextScreen, TurnHandler } from '../chat/types';
import { privately } from '../chat/private';
import { matchCommand } from '../chat/routes';
import { StorageTimeoutError } from '../storage/deadline';
import type { ConversationStore } from '../people/conversations';
import { conversationKind, filesOf, toActivity } from './activities';
import type { Turns } from './turns';

export interface RouteDeps {
  log: Logger;
  turns: Turns;
  notifier: Notifier;
  conversations: ConversationStore;
  capabilities: Capability[];
  screens: TextScreen[];
}

/**
 * Every activity the bot answers, routed to the capabilities: the patient-data screen before
 * anything, the welcome, text commands (then the menu buttons that name them), card actions,
 * Universal Actions, read receipts and free text; and the apology when a turn fails.
 */
export function registerRoutes(app: Application<TurnState>, deps: RouteDeps): void {
  const { log, turns, notifier, conversations, capabilities, screens } = deps;
  const { handledBy, commandArgs, turnLog, toChatTurn, run } = turns;

  // Every turn: remember where to reach this person in their 1:1 chat.
  app.turn('beforeTurn', async (context) => {
    const a = context.activity;
    const oid = a.from?.aadObjectId?.toLowerCase();
    if (oid && conversationKind(context) === 'personal' && a.from.id !== a.recipient?.id) {
      const reference = TurnContext.getConversationReference(a) as unknown as Record<string, unknown>;
      await conversations.remember(oid, a.conversation.id, reference, a.conversation?.tenantId);
    }
    const text = a.type === ActivityTypes.Message ? (a.text ?? '') : '';
    for (const screen of screens) {
      const stop = text ? screen(text) : undefined;
      if (stop) {
        handledBy.set(context, 'screened');
        turnLog(context).info({ screened: true }, 'message not processed: screened');
        await context.sendActivity(toActivity(stop));
        return false;
      }
    }
    return true;
  });

  const welcome = async (context: TurnContext) => {
    handledBy.set(context, 'welcome');
    const turn = await toChatTurn(context);
    if (turn.conversation.kind === 'personal' && turn.user.aadObjectId) {
      if (!(await conversations.claimWelcome(turn.user.aadObjectId))) return;
    } else if (turn.conversation.kind !== 'personal') {
      // Teams sends installationUpdate and conversationUpdate when a group chat opens: hello once.
      if (!(await conversations.claimGroupWelcome(turn.conversation.id))) return;
    }
    for (const c of capabilities) if (c.onWelcome) await c.onWelcome(turn);
  };

  app.activity(ActivityTypes.InstallationUpdate, async (context) => {
    const action = String(context.activity.action ?? '');
    const oid = context.activity.from?.aadObjectId?.toLowerCase();
    if (action.startsWith('remove')) {
      if (conversationKind(context) !== 'personal')
        await conversations.forgetGroupWelcome(context.activity.conversation.id);
      else if (oid) await conversations.forgetWelcome(oid);
      return;
    }
    await welcome(context);
  });

  app.conversationUpdate('membersAdded', async (context) => {
    const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
    if (botAdded) await welcome(context);
  });

  // Text commands, then the menu buttons that name them, then card actions.
  // Privileged replies asked for in a shared conversation go to the person's 1:1 chat.
  const guarded = (h: { handle: TurnHandler; privileged?: boolean }): TurnHandler =>
    h.privileged ? privately(notifier, h.handle) : h.handle;
  const commands: Command[] = capabilities.flatMap((c) => c.commands ?? []);
  for (const route of [...commands, ...capabilities.flatMap((c) => c.actions ?? [])])
    if (route.anyone && route.permission)
      throw new Error(
        `A route for anyone cannot also need a permission (the person is not looked up): ${route.permission}`,
      );
  for (const command of commands) {
    const selector = async (context: TurnContext): Promise<boolean> => {
      if (context.activity.type !== ActivityTypes.Message || !context.activity.text) return false;
      const matched = matchCommand(command, context.activity.text);
      if (matched?.args !== undefined) commandArgs.set(context, matched.args);
      return matched !== undefined;
    };
    app.message(selector, run(guarded(command), `command:${command.name}`, command));
  }

  app.adaptiveCards.actionSubmit('menu', async (context, _state, data: Record<string, unknown>) => {
    const name = typeof data.command === 'string' ? data.command : '';
    const command = commands.find((c) => c.name === name);
    if (command) await run(guarded(command), `command:${command.name}`, command)(context);
    else await unrecognised(context, 'verb:menu');
  });

  for (const action of capabilities.flatMap((c) => c.actions ?? [])) {
    app.adaptiveCards.actionSubmit(action.verb, async (context) =>
      run(guarded(action), `verb:${action.verb}`, action)(context),
    );
  }

  // Universal Actions: the handler's card replaces the one pressed; text is shown as a message.
  for (const action of capabilities.flatMap((c) => c.executes ?? [])) {
    app.adaptiveCards.actionExecute(action.verb, async (context, _state, data: Record<string, unknown>) => {
      handledBy.set(context, `verb:${action.verb}`);
      const turn = await toChatTurn(context);
      const reply = await action.handle({ ...turn, value: { ...data, verb: action.verb } });
      return 'text' in reply ? reply.text : (reply.card as never);
    });
  }

  // Teams read receipts (1:1 chats, where the user allows them). Teams AI names the event with a
  // slash; accept the dotted spelling too.
  const receiptHandlers = capabilities.flatMap((c) => (c.onReadReceipt ? [c.onReadReceipt] : []));
  app.activity(
    async (context) =>
      context.activity.type === ActivityTypes.Event &&
      (context.activity.name === 'application/vnd.microsoft/readReceipt' ||
        context.activity.name === 'application/vnd.microsoft.readReceipt'),
    async (context) => {
      const oid = context.activity.from?.aadObjectId?.toLowerCase();
      const value = (context.activity.value ?? {}) as { lastReadMessageId?: unknown };
      handledBy.set(context, 'readReceipt');
      if (!oid || typeof value.lastReadMessageId !== 'string') return;
      for (const handle of receiptHandlers)
        await handle({ aadObjectId: oid, lastReadMessageId: value.lastReadMessageId }, turnLog(context));
    },
  );

  // Files first (each capability that takes files), then free text in capability order. The person
  // is looked up once, and only when a handler that depends on who they are is reached.
  const unrecognised = async (context: TurnContext, name: string) => {
    handledBy.set(context, name);
    let known: ChatTurn | undefined;
    const knownTurn = async () => (known ??= await toChatTurn(context));
    if (filesOf(context.activity.attachments))
      for (const c of capabilities) if (c.onFiles && (await c.onFiles(await knownTurn()))) return;
    let anyone: ChatTurn | undefined;
    for (const c of capabilities) {
      if (!c.onUnrecognised) continue;
      const turn = c.unrecognisedAnyone ? (anyone ??= await toChatTurn(context, { anyone: true })) : await knownTurn();
      if (await c.onUnrecognised(turn)) return;
    }
  };
  app.activity(ActivityTypes.Message, (context) => unrecognised(context, 'free-text'));

  app.error(async (context, err) => {
    const ref = newReferenceCode();
    if (err instanceof StorageTimeoutError)
      turnLog(context).error(
        { err: { name: err.name, message: err.message }, ref, storage: 'no answer in time' },
        'turn failed',
      );
    else
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
}
