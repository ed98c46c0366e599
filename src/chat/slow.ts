import { newReferenceCode } from '../logging/logger';
import { inBackground, withStorageBudget } from '../storage/deadline';
import type { ChatTurn, Notifier, Reply } from './types';

/**
 * Replies that may need more storage time than a turn has (src/storage/deadline.ts): the figures
 * for a whole large organisation. The work runs outside the turn's budget, with one of its own;
 * if it is done within a few seconds the reply comes in the turn as usual, otherwise the person is
 * told it is on its way and it arrives in their 1:1 chat when ready (or an apology, if it fails).
 */
export const STILL_WORKING_AFTER_MS = 3000;
/** Storage time the work may take in all before it gives up. */
export const SLOW_REPLY_STORAGE_MS = 60_000;

export async function replyWhenReady(
  turn: ChatTurn,
  notifier: Notifier,
  work: () => Promise<Reply>,
  workingText: string,
  waitMs = STILL_WORKING_AFTER_MS,
): Promise<void> {
  const job = inBackground(() => withStorageBudget(SLOW_REPLY_STORAGE_MS, work));
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), waitMs)));
  const first = await Promise.race([
    job.then(
      (reply) => ({ reply }),
      (err: unknown) => ({ err }),
    ),
    waited,
  ]);
  clearTimeout(timer);
  if (first !== 'waited') {
    if ('err' in first) throw first.err;
    return turn.send(first.reply);
  }
  const oid = turn.user.aadObjectId;
  await turn.send({ text: workingText });
  turn.log.info({ slow: true }, 'reply will follow when ready');
  job
    .then(async (reply) => {
      if (oid) await notifier.sendToPerson(oid, reply);
    })
    .catch(async (err: unknown) => {
      const ref = newReferenceCode();
      turn.log.error({ err: { name: (err as Error).name, message: (err as Error).message }, ref }, 'slow reply failed');
      if (oid) {
        await notifier
          .sendToPerson(oid, {
            text: `Sorry, I could not finish that after all. Please try again later. If it keeps happening, tell the safeguarding team and quote reference ${ref}.`,
          })
          .catch(() => undefined);
      }
    });
}
