import { TurnContext, type ConversationReference } from 'botbuilder';
import { ReusedClients } from './connectors';
import type { TeamsAdapter } from '@microsoft/teams-ai';
import type { Config } from '../config';
import { DeliveryError, type Notifier } from '../chat/types';
import type { ConversationStore } from '../people/conversations';
import { toActivity } from './activities';

/**
 * Proactive messages (reminders, briefings, progress cards) and privileged replies moved to the
 * 1:1 chat: sent through the stored conversation reference of each person.
 */
export function createNotifier(adapter: TeamsAdapter, config: Config, conversations: ConversationStore): Notifier {
  const connectors = new ConnectorCache(adapter, config.bot.appId ?? '');

  return {
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
      const reference = (opts?.chat ?? (await conversations.get(aadObjectId.toLowerCase())))?.reference as unknown as
        ConversationReference | undefined;
      if (!reference?.conversation?.id || !reference.serviceUrl) return 'no-conversation';
      const activity = {
        ...toActivity(reply),
        from: reference.bot,
        recipient: reference.user,
        conversation: reference.conversation,
        channelId: reference.channelId,
        serviceUrl: reference.serviceUrl,
      };
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
      const reference = (await conversations.get(aadObjectId.toLowerCase()))?.reference as unknown as
        ConversationReference | undefined;
      if (!reference?.conversation?.id || !reference.serviceUrl)
        throw new DeliveryError('conversation-not-found', 'No stored chat to update');
      try {
        const client = await connectors.get(reference.serviceUrl);
        await client.conversations.updateActivity(reference.conversation.id, activityId, {
          ...toActivity(reply),
          id: activityId,
        } as never);
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
          {
            isGroup: false,
            bot: reference.bot,
            members: [reference.user],
            tenantId,
            channelData: { tenant: { id: tenantId } },
          } as never,
          async (context) => {
            created = TurnContext.getConversationReference(context.activity) as ConversationReference;
          },
        );
      } catch (err) {
        throw classify(err);
      }
      if (!created?.conversation?.id) return false;
      const next = { ...reference, conversation: { ...reference.conversation, ...created.conversation } };
      await conversations.remember(
        aadObjectId.toLowerCase(),
        created.conversation.id,
        next as unknown as Record<string, unknown>,
        tenantId,
      );
      return true;
    },
  };
}

/** Turns the connector's error into a DeliveryError the features understand. */
export function classify(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = err as {
    statusCode?: number;
    status?: number;
    code?: string;
    message?: string;
    response?: { headers?: { get?(n: string): string | undefined } };
  };
  const status = e.statusCode ?? e.status;
  const message = `${status ?? e.code ?? 'error'}: ${(e.message ?? '').slice(0, 200)}`;
  if (status === 429)
    return new DeliveryError('throttled', message, status, retryAfterMs(e.response?.headers?.get?.('retry-after')));
  if (status === 403) return new DeliveryError('blocked', message, status);
  if (status === 404) return new DeliveryError('conversation-not-found', message, status);
  // The Bot Connector's 412 (not a Cosmos etag conflict): worth trying again.
  // eslint-disable-next-line no-restricted-syntax
  if (status === undefined || status === 408 || status === 412 || status >= 500)
    return new DeliveryError('transient', message, status, retryAfterMs(e.response?.headers?.get?.('retry-after')));
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
  private readonly clients = new ReusedClients<Connector>();

  constructor(
    private readonly adapter: TeamsAdapter,
    private readonly appId: string,
  ) {}

  get(serviceUrl: string): Promise<Connector> {
    const inner = this.adapter as unknown as {
      createClaimsIdentity(appId: string): unknown;
      botFrameworkAuthentication: {
        createConnectorFactory(identity: unknown): {
          create(serviceUrl: string, audience?: string): Promise<Connector>;
        };
      };
    };
    return this.clients.get(serviceUrl, () =>
      inner.botFrameworkAuthentication
        .createConnectorFactory(inner.createClaimsIdentity(this.appId))
        .create(serviceUrl)
        .then((c) => {
          c.client?.pipeline?.removePolicy({ phase: 'Retry' });
          return c;
        }),
    );
  }
}
