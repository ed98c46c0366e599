import { cardOf, cardText, type SentActivity } from './connector';
import type { TestBot } from './bot';

/** Activities sent into this person's 1:1 chat with the bot. */
export const inChat = (oid: string) => (a: SentActivity) => a.conversationId === `a:personal-${oid}`;
/** Activities whose Adaptive Card contains this text. */
export const withCard = (text: string) => (a: SentActivity) => cardText(cardOf(a)).includes(text);
/** Activities whose plain text matches. */
export const withText = (re: RegExp) => (a: SentActivity) =>
  typeof a.activity.text === 'string' && re.test(a.activity.text);

/** The first activity `send` makes the bot send into `oid`'s 1:1 chat that matches (anything sent before it does not count). */
export async function nextIn(
  bot: TestBot,
  oid: string,
  predicate: (a: SentActivity) => boolean,
  send: () => Promise<unknown>,
): Promise<SentActivity> {
  const before = bot.connector.sent.length;
  await send();
  return bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && inChat(oid)(a) && predicate(a));
}
