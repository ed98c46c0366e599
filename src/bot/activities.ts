import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { ChatFile, ConversationKind, Reply } from '../chat/types';

/** Between channel-neutral replies and turns and the Bot Framework's activities. */

export function conversationKind(context: TurnContext): ConversationKind {
  const t = context.activity.conversation?.conversationType;
  return t === 'channel' ? 'channel' : t === 'groupChat' ? 'groupChat' : 'personal';
}

export function toActivity(reply: Reply) {
  if ('text' in reply) return MessageFactory.text(reply.text);
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card));
  if (reply.fallbackText) activity.summary = reply.fallbackText;
  return activity;
}

/**
 * Files attached in a 1:1 chat. Teams sends `file.download.info` with a pre-authorised download
 * address; other clients (the Playground, the Emulator) send the file's own content type and URL.
 */
export function filesOf(
  attachments: { contentType?: string; name?: string; contentUrl?: string; content?: unknown }[] | undefined,
): ChatFile[] | undefined {
  const files = (attachments ?? []).flatMap((a) => {
    const content = (a.content ?? {}) as { downloadUrl?: unknown };
    if (
      a.contentType === 'application/vnd.microsoft.teams.file.download.info' &&
      typeof content.downloadUrl === 'string'
    )
      return [{ name: a.name ?? 'file', downloadUrl: content.downloadUrl }];
    if (
      a.contentUrl &&
      a.contentType &&
      !a.contentType.startsWith('application/vnd.microsoft.card') &&
      a.contentType !== 'text/html'
    )
      return [{ name: a.name ?? 'file', downloadUrl: a.contentUrl }];
    return [];
  });
  return files.length ? files : undefined;
}
