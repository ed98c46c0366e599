import type { TestBot } from './bot';
import { cardOf, cardText, type SentActivity } from './connector';

/** Posts a message (or a card submit) as this person in their 1:1 chat and returns the bot's first reply, as text. */
export async function ask(bot: TestBot, oid: string, text: string, value?: Record<string, unknown>): Promise<{ reply: SentActivity; text: string }> {
  const before = bot.connector.sent.length;
  const conversationId = `a:personal-${oid}`;
  const res = await bot.say(text, { oid, value });
  if (res.status >= 300) throw new Error(`POST /api/messages answered ${res.status}`);
  const reply = await bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && a.conversationId === conversationId);
  return { reply, text: `${reply.activity.text ?? ''}\n${cardText(cardOf(reply))}` };
}
