import {
  ActivityTypes,
  type Activity,
  CardFactory,
  type InvokeResponse,
  MessageFactory,
  TurnContext,
  type ConversationReference,
  type Request,
  type Response,
} from 'botbuilder';
import { Application, TeamsAdapter, type TurnState } from '@microsoft/teams-ai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Config } from '../config';
import { newReferenceCode, pseudonymiser, type Logger } from '../logging/logger';
import { DeliveryError, type Capability, type ChatFile, type ChatTurn, type Command, type ConversationKind, type Notifier, type Reply, type TextScreen, type TurnHandler } from '../chat/types';
import { privately } from '../chat/private';
import { matchCommand } from '../chat/routes';
import { checkActivity, tokenProblem } from './requests';
import { StorageTimeoutError, TURN_STORAGE_BUDGET_MS, withStorageBudget } from '../storage/deadline';
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

  async function toChatTurn(context: TurnContext): Promise<ChatTurn> {
    const a = context.activity;
    const user = { aadObjectId: a.from?.aadObjectId?.toLowerCase(), name: a.from?.name, tenantId: a.conversation?.tenantId ?? a.channelData?.tenant?.id };
    return {
      user,
      principal: await directory.principalFor(user),
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
    (handler: TurnHandler, name: string) =>
    async (context: TurnContext): Promise<void> => {
      handledBy.set(context, name);
      await handler(await toChatTurn(context));
    };

  // Proactive messages (reminders, briefings) and privileged replies moved to the 1:1 chat.
  const connectors = new ConnectorCache(adapter, config.bot.appId ?? '');

  const notifier: Notifier = {
    async hasChat(aadObjectId) {
      return (await conversations.get(aadObjectId.toLowerCase())) !== undefined;
    },

    async sendToPerson(aadObjectId, reply) {
      const stored = await conversations.get(aadObjectId.toLowerCase());
      if (!stored) return 'no-conversation';
      const reference = stored.reference as unknown as ConversationReference;
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

    async deliver(aadObjectId, reply, opts) {
      const reference = (opts?.chat ?? (await conversations.get(aadObjectId.toLowerCase())))?.reference as unknown as ConversationReference | undefined;
      if (!reference?.conversation?.id || !reference.serviceUrl) return 'no-conversation';
      const activity = { ...toActivity(reply), from: reference.bot, recipient: reference.user, conversation: reference.conversation, channelId: reference.channelId, serviceUrl: reference.serviceUrl };
      try {
        const client = await connectors.get(reference.serviceUrl);
        await opts?.beforeSend?.();
        const response = await client.conversations.sendToConversation(reference.conversation.id, activity as never);
        return { activityId: response.id ?? '', conversationId: reference.conversation.id };
      } catch (err) {
        throw classify(err);
      }
    },

    async update(aadObjectId, activityId, reply) {
      const reference = (await conversations.get(aadObjectId.toLowerCase()))?.reference as unknown as ConversationReference | undefined;
      if (!reference?.conversation?.id || !reference.serviceUrl) throw new DeliveryError('conversation-not-found', 'No stored chat to update');
      try {
        const client = await connectors.get(reference.serviceUrl);
        await client.conversations.updateActivity(reference.conversation.id, activityId, { ...toActivity(reply), id: activityId } as never);
      } catch (err) {
        throw classify(err);
      }
    },

    async recreateConversation(aadObjectId) {
      const stored = await conversations.get(aadObjectId.toLowerCase());
      const reference = stored?.reference as unknown as ConversationReference | undefined;
      if (!stored || !reference?.user || !reference.serviceUrl) return false;
      const tenantId = stored.tenantId ?? reference.conversation?.tenantId;
      let created: ConversationReference | undefined;
      try {
        await adapter.createConversationAsync(
          config.bot.appId ?? '',
          reference.channelId ?? 'msteams',
          reference.serviceUrl,
          'https://api.botframework.com',
          { isGroup: false, bot: reference.bot, members: [reference.user], tenantId, channelData: { tenant: { id: tenantId } } } as never,
          async (context) => {
            created = TurnContext.getConversationReference(context.activity) as ConversationReference;
          },
        );
      } catch (err) {
        throw classify(err);
      }
      if (!created?.conversation?.id) return false;
      const next = { ...reference, conversation: { ...reference.conversation, ...created.conversation } };
      await conversations.remember(aadObjectId.toLowerCase(), created.conversation.id, next as unknown as Record<string, unknown>, tenantId);
      return true;
    },
  };

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
      if (conversationKind(context) !== 'personal') await conversations.forgetGroupWelcome(context.activity.conversation.id);
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
  const guarded = (h: { handle: TurnHandler; privileged?: boolean }): TurnHandler => (h.privileged ? privately(notifier, h.handle) : h.handle);
  const commands: Command[] = capabilities.flatMap((c) => c.commands ?? []);
  for (const command of commands) {
    const selector = async (context: TurnContext): Promise<boolean> => {
      if (context.activity.type !== ActivityTypes.Message || !context.activity.text) return false;
      const matched = matchCommand(command, context.activity.text);
      if (matched?.args !== undefined) commandArgs.set(context, matched.args);
      return matched !== undefined;
    };
    app.message(selector, run(guarded(command), `command:${command.name}`));
  }

  app.adaptiveCards.actionSubmit('menu', async (context, _state, data: Record<string, unknown>) => {
    const name = typeof data.command === 'string' ? data.command : '';
    const command = commands.find((c) => c.name === name);
    await run(command ? guarded(command) : unrecognised, command ? `command:${command.name}` : 'verb:menu')(context);
  });

  for (const action of capabilities.flatMap((c) => c.actions ?? [])) {
    app.adaptiveCards.actionSubmit(action.verb, async (context) => run(guarded(action), `verb:${action.verb}`)(context));
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
      (context.activity.name === 'application/vnd.microsoft/readReceipt' || context.activity.name === 'application/vnd.microsoft.readReceipt'),
    async (context) => {
      const oid = context.activity.from?.aadObjectId?.toLowerCase();
      const value = (context.activity.value ?? {}) as { lastReadMessageId?: unknown };
      handledBy.set(context, 'readReceipt');
      if (!oid || typeof value.lastReadMessageId !== 'string') return;
      for (const handle of receiptHandlers) await handle({ aadObjectId: oid, lastReadMessageId: value.lastReadMessageId }, turnLog(context));
    },
  );

  const unrecognised: TurnHandler = async (turn) => {
    for (const c of capabilities) if (c.onUnrecognised && (await c.onUnrecognised(turn))) return;
  };
  app.activity(ActivityTypes.Message, run(unrecognised, 'free-text'));

  app.error(async (context, err) => {
    const ref = newReferenceCode();
    if (err instanceof StorageTimeoutError) turnLog(context).error({ err: { name: err.name, message: err.message }, ref, storage: 'no answer in time' }, 'turn failed');
    else turnLog(context).error({ err: { message: err.message, name: err.name, stack: err.stack }, ref }, 'turn failed');
    try {
      await context.sendActivity(
        `Sorry, something went wrong on our side and I could not finish that. Please try again. ` +
          `If it keeps happening, tell the safeguarding team and quote reference ${ref}.`,
      );
    } catch (sendErr) {
      log.error({ err: { message: (sendErr as Error).message }, ref }, 'could not send the apology');
    }
  });

  return {
    process: async (req, res) => {
      const refuse = (status: 400 | 401, problem: string) => {
        log.warn({ status, problem }, 'messages request refused');
        res.status(status);
        res.send({ error: status === 401 ? 'Unauthorized.' : 'This request is not a Bot Framework activity.' });
        res.end();
      };
      const checked = checkActivity(req.body);
      if (!checked.ok) return refuse(checked.status, checked.problem);
      const authorization = (req.headers.authorization ?? req.headers.Authorization) as string | undefined;
      if (config.bot.appId) {
        const problem = tokenProblem(authorization);
        if (problem) return refuse(401, problem);
      }
      // The adapter's own process() prints errors with their stack and returns their text; we call
      // the step after it (authentication and the turn) and answer ourselves.
      const processActivity = (adapter as unknown as { processActivity(auth: string, activity: Activity, logic: (c: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> }).processActivity.bind(adapter);
      try {
        // Every turn's storage calls share one budget, so a hung store ends in the apology, not a hang.
        const invoke = await processActivity(authorization ?? '', checked.activity as unknown as Activity, async (context) => {
          const started = performance.now();
          let failed = false;
          try {
            await withStorageBudget(TURN_STORAGE_BUDGET_MS, () => app.run(context));
          } catch (err) {
            failed = true;
            throw err;
          } finally {
            // One line per turn for operators: the command or verb, the time taken, a pseudonymous user id.
            turnLog(context).info({ handler: handledBy.get(context) ?? 'none', ms: Math.round(performance.now() - started), ...(failed ? { failed } : {}) }, 'turn');
          }
        });
        if (invoke?.status === 501) {
          // An invoke nothing here handles (an unknown verb or invoke name) is the sender's mistake,
          // not ours: a card action gets the Universal Actions error response, anything else 400.
          log.warn({ invoke: String(checked.activity.name ?? '').slice(0, 100) }, 'invoke not handled');
          const isCardAction = checked.activity.name === 'adaptiveCard/action';
          res.status(isCardAction ? 200 : 400);
          res.send(isCardAction ? { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'This action is not available.' } } : { error: 'This invoke is not supported.' });
          res.end();
          return;
        }
        res.status(invoke?.status ?? 200);
        if (invoke?.body !== undefined) res.send(invoke.body as never);
        res.end();
      } catch (err) {
        if ((err as Error).name === 'AuthenticationError' || (err as { statusCode?: number }).statusCode === 401) return refuse(401, `authentication failed: ${String((err as Error).message).slice(0, 200)}`);
        log.error({ err: { name: (err as Error).name, message: String((err as Error).message).slice(0, 300) } }, 'messages request failed');
        res.status(500);
        res.send({ error: 'internal error' });
        res.end();
      }
    },
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

/** Turns the connector's error into a DeliveryError the features understand. */
export function classify(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as { statusCode?: number; status?: number; code?: string; message?: string; response?: { headers?: { get?(n: string): string | undefined } } };
  const status = e.statusCode ?? e.status;
  const message = `${status ?? e.code ?? 'error'}: ${(e.message ?? '').slice(0, 200)}`;
  if (status === 429) return new DeliveryError('throttled', message, status, retryAfterMs(e.response?.headers?.get?.('retry-after')));
  if (status === 403) return new DeliveryError('blocked', message, status);
  if (status === 404) return new DeliveryError('conversation-not-found', message, status);
  if (status === undefined || status === 408 || status === 412 || status >= 500) return new DeliveryError('transient', message, status, retryAfterMs(e.response?.headers?.get?.('retry-after')));
  return new DeliveryError('rejected', message, status);
}

/** Retry-After is whole seconds or an HTTP date. */
function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

interface Connector {
  conversations: {
    sendToConversation(conversationId: string, activity: never): Promise<{ id?: string }>;
    updateActivity(conversationId: string, activityId: string, activity: never): Promise<unknown>;
  };
  client?: { pipeline?: { removePolicy(o: { phase: string }): unknown } };
}

/**
 * One connector client per service URL, reused for ten minutes, for broadcasts and progress cards:
 * botbuilder's continueConversation builds a new client (and a token client) for every message. Made through
 * the adapter's own authentication, so credentials and token caching are the SDK's; the SDK's
 * retry policy is removed, since the caller paces and retries.
 */
class ConnectorCache {
  private readonly clients = new Map<string, { client: Promise<Connector>; until: number }>();

  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly appId: string,
  ) {}

  get(serviceUrl: string): Promise<Connector> {
    const cached = this.clients.get(serviceUrl);
    if (cached && cached.until > Date.now()) return cached.client;
    const inner = this.adapter as unknown as {
      createClaimsIdentity(appId: string): unknown;
      botFrameworkAuthentication: { createConnectorFactory(identity: unknown): { create(serviceUrl: string, audience?: string): Promise<Connector> } };
    };
    const client = inner.botFrameworkAuthentication
      .createConnectorFactory(inner.createClaimsIdentity(this.appId))
      .create(serviceUrl)
      .then((c) => {
        c.client?.pipeline?.removePolicy({ phase: 'Retry' });
        return c;
      });
    client.catch(() => this.clients.delete(serviceUrl));
    this.clients.set(serviceUrl, { client, until: Date.now() + 10 * 60_000 });
    return client;
  }
}

/**
 * Files attached in a 1:1 chat. Teams sends `file.download.info` with a pre-authorised download
 * address; other clients (the Playground, the Emulator) send the file's own content type and URL.
 */
function filesOf(attachments: { contentType?: string; name?: string; contentUrl?: string; content?: unknown }[] | undefined): ChatFile[] | undefined {
  const files = (attachments ?? []).flatMap((a) => {
    const content = (a.content ?? {}) as { downloadUrl?: unknown };
    if (a.contentType === 'application/vnd.microsoft.teams.file.download.info' && typeof content.downloadUrl === 'string') return [{ name: a.name ?? 'file', downloadUrl: content.downloadUrl }];
    if (a.contentUrl && a.contentType && !a.contentType.startsWith('application/vnd.microsoft.card') && a.contentType !== 'text/html') return [{ name: a.name ?? 'file', downloadUrl: a.contentUrl }];
    return [];
  });
  return files.length ? files : undefined;
}
