import type { ChatTurn, Notifier, TurnHandler } from './types';

/**
 * Privileged replies (names, compliance figures, download links) are never posted where others
 * can read them. Asked for in a group chat or a channel, the whole answer goes to the person's 1:1
 * chat and the shared conversation is only told that it did; with no 1:1 chat to send it to, the
 * handler does not run at all, so nothing privileged is worked out, changed or sent.
 */
export const SENT_PRIVATELY = "I've sent this to you privately.";
export const ASK_PRIVATELY =
  'Please ask me in our 1:1 chat: this shows information that should not be shared with everyone here. Open a chat with me (Safeguarding support), then ask again.';

export function privately(notifier: Notifier, handler: TurnHandler): TurnHandler {
  return async (turn: ChatTurn) => {
    if (turn.conversation.kind === 'personal') return handler(turn);
    const oid = turn.user.aadObjectId;
    if (!oid || !(await notifier.hasChat(oid))) {
      turn.log.info(
        { privileged: true, moved: false },
        'privileged request in a shared conversation: asked to use the 1:1 chat',
      );
      return turn.send({ text: ASK_PRIVATELY });
    }
    let sent = 0;
    const personal: ChatTurn = {
      ...turn,
      // The handler sees a 1:1 turn: its answers (and anything it refuses) reach this person alone.
      conversation: { ...turn.conversation, kind: 'personal' },
      send: async (reply) => {
        if ((await notifier.sendToPerson(oid, reply)) !== 'sent')
          throw new Error('The 1:1 chat with the bot is no longer stored');
        sent++;
      },
    };
    await handler(personal);
    turn.log.info({ privileged: true, moved: true, replies: sent }, 'privileged reply sent to the 1:1 chat');
    if (sent > 0) await turn.send({ text: SENT_PRIVATELY });
  };
}
