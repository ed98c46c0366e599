import type { TestBot } from './bot';
import { cardOf, cardText, type SentActivity } from './connector';

/**
 * Posts a message (or a card submit) as this person in their 1:1 chat and returns the bot's first
 * reply to it, as text: a reply to this very activity (Teams' replyToId), so a proactive message
 * still arriving from an earlier step is never taken for the answer.
 */
export async function ask(
  bot: TestBot,
  oid: string,
  text: string,
  value?: Record<string, unknown>,
): Promise<{ reply: SentActivity; text: string }> {
  const before = bot.connector.sent.length;
  const conversationId = `a:personal-${oid}`;
  const activity = bot.activity({ type: 'message', text, ...(value ? { value, text: undefined } : {}) }, oid);
  const res = await bot.post(activity);
  if (res.status >= 300) throw new Error(`POST /api/messages answered ${res.status}`);
  const reply = await bot.connector.waitFor(
    (a) =>
      bot.connector.sent.indexOf(a) >= before &&
      a.conversationId === conversationId &&
      a.activity.type === 'message' &&
      a.replyToId === activity.id,
    15000,
  );
  return { reply, text: `${reply.activity.text ?? ''}\n${cardText(cardOf(reply))}` };
}
