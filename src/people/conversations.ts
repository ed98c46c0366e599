import { bulkRead } from '../storage/conditional';
import type { Container } from '@azure/cosmos';
import { createHash } from 'node:crypto';
import type { Store } from '../storage/store';

/**
 * Where to reach each person in their 1:1 chat with the bot, so later capabilities can message
 * them proactively. The reference is opaque here: only the bot layer reads its inside.
 */
export interface StoredConversation {
  id: string; // Entra object id
  tenantId?: string;
  conversationId: string;
  reference: Record<string, unknown>;
  updatedAt: string;
  /** Set once the welcome card has been sent for this installation. */
  welcomedAt?: string;
  _etag?: string;
}

export class ConversationStore {
  private readonly container: Container;
  /** Last reference written per person in this process, to skip a write when nothing changed. */
  private readonly lastWritten = new Map<string, string>();

  constructor(store: Store) {
    this.container = store.container('conversations');
  }

  async get(aadObjectId: string): Promise<StoredConversation | undefined> {
    const { resource } = await this.container.item(aadObjectId, aadObjectId).read<StoredConversation>();
    return resource;
  }

  /** Which of these people have a 1:1 chat with the bot (so a proactive message can reach them). */
  async withChat(aadObjectIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(aadObjectIds.map((o) => o.toLowerCase()))];
    if (ids.length === 0) return new Set();
    // Point reads in bulk (one partition each), not a query across every conversation.
    const found = await bulkRead<StoredConversation>(
      this.container,
      ids.map((id) => ({ id, partitionKey: id })),
    );
    return new Set([...found.values()].filter((c) => c.reference !== undefined).map((c) => c.id));
  }

  /**
   * Records the latest 1:1 reference for a person; keeps welcomedAt. Retries on a concurrent change.
   * Written only when where to reach them changed (see `whereToReach`), so an ordinary turn costs
   * no storage at all once this process has seen the chat, and one point read after a restart.
   */
  async remember(
    aadObjectId: string,
    conversationId: string,
    reference: Record<string, unknown>,
    tenantId?: string,
  ): Promise<void> {
    const fingerprint = whereToReach(conversationId, reference, tenantId);
    if (this.lastWritten.get(aadObjectId) === fingerprint) return;
    await this.update(aadObjectId, (current) => {
      if (current && whereToReach(current.conversationId, current.reference, current.tenantId) === fingerprint)
        return undefined;
      return {
        ...(current ?? {}),
        id: aadObjectId,
        tenantId,
        conversationId,
        reference,
        updatedAt: new Date().toISOString(),
      };
    });
    this.lastWritten.set(aadObjectId, fingerprint);
  }

  /**
   * Marks the welcome as sent. Returns true for exactly one caller per installation, even when
   * Teams delivers installationUpdate and conversationUpdate at the same moment.
   */
  async claimWelcome(aadObjectId: string): Promise<boolean> {
    let claimed = false;
    await this.update(aadObjectId, (current) => {
      claimed = false;
      if (!current || current.welcomedAt) return undefined;
      claimed = true;
      return { ...current, welcomedAt: new Date().toISOString() };
    });
    return claimed;
  }

  /**
   * The hello in a group chat or channel: true once per conversation, however many install and
   * members-added events Teams sends when it opens (a document of its own, keyed by a hash of the
   * conversation id; nobody's 1:1 record).
   */
  async claimGroupWelcome(conversationId: string): Promise<boolean> {
    const id = groupWelcomeId(conversationId);
    try {
      await this.container.items.create({ id, type: 'groupWelcome', welcomedAt: new Date().toISOString() });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }

  /** The bot was removed from a group chat or channel: saying hello again if it is added back. */
  async forgetGroupWelcome(conversationId: string): Promise<void> {
    const id = groupWelcomeId(conversationId);
    try {
      await this.container.item(id, id).delete();
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }

  /** The app was removed: the next installation gets a welcome again. */
  async forgetWelcome(aadObjectId: string): Promise<void> {
    await this.update(aadObjectId, (current) => {
      if (!current?.welcomedAt) return undefined;
      const { welcomedAt: _welcomedAt, ...rest } = current;
      return rest;
    });
  }

  /** Read-modify-write guarded by the document's etag; retried when someone else wrote first. */
  private async update(
    id: string,
    change: (current: StoredConversation | undefined) => StoredConversation | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.get(id);
      const next = change(current);
      if (!next) return;
      try {
        if (current?._etag) {
          await this.container
            .item(id, id)
            .replace(next, { accessCondition: { type: 'IfMatch', condition: current._etag } });
        } else {
          await this.container.items.create(next);
        }
        return;
      } catch (err) {
        const code = (err as { code?: number }).code;
        if (code !== 412 && code !== 409) throw err;
      }
    }
    throw new Error('The conversation record kept changing; giving up after 5 attempts');
  }
}

/**
 * What decides where a proactive message goes: the conversation, the service URL, the user, the bot,
 * the tenant and the channel. Not the activity id (new on every message) nor the locale.
 */
function whereToReach(
  conversationId: string,
  reference: Record<string, unknown>,
  tenantId: string | undefined,
): string {
  const r = reference as { serviceUrl?: unknown; channelId?: unknown; user?: unknown; bot?: unknown };
  return JSON.stringify([
    conversationId,
    r.serviceUrl ?? null,
    r.channelId ?? null,
    r.user ?? null,
    r.bot ?? null,
    tenantId ?? null,
  ]);
}

const groupWelcomeId = (conversationId: string) =>
  `group-${createHash('sha256').update(conversationId).digest('hex').slice(0, 40)}`;
