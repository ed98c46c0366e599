import { action } from '../chat/routes';
import type { Capability, ChatTurn } from '../chat/types';
import { feedbackSchema, madeSchema, recordSchema } from './followUpReminders';
import { areaSchema, stepSchema } from './journey';
import type { ReferralService } from './service';
import { REFERRAL_VERBS } from './verbs';

/** The referral capability's own timers; each 0 or absent means off (the tests call the service). */
export interface ReferralTimers {
  /** How often due follow-up reminders are sent. */
  reminderIntervalMs?: number;
  /** Delete closed follow-ups past their retention at start and then daily (the embedded store; Cosmos DB uses a time to live). */
  retentionSweep?: boolean;
}

const SWEEP_EVERY_MS = 24 * 3600_000;

/** What the bot answers for referrals. `service` is only reached when a turn arrives (the command catalogue passes none). */
export function createReferralCapability(service: ReferralService, timers: ReferralTimers = {}): Capability {
  const intervals: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    running.add(work);
    void work.finally(() => running.delete(work));
  };
  const failed = (what: string) => (err: unknown) =>
    service.log.error({ err: { message: (err as Error).message } }, what);
  const stale = (turn: ChatTurn) => service.journey.stale(turn);
  return {
    name: 'referral',
    commands: [
      {
        name: 'worried',
        description: 'Find the right referral route for a child or an adult, step by step',
        patterns: [/^\s*(i'?m\s+)?worried\s*$/i, /^\s*what to do if you'?re worried\s*$/i, /^\s*refer(ral)?s?\s*$/i],
        handle: (turn) => service.journey.start(turn),
        anyone: true,
      },
      {
        name: 'feedback received',
        description: 'Tell me feedback arrived on your latest referral',
        patterns: [/^\s*feedback (received|arrived)\s*\.?\s*$/i],
        handle: (turn) => service.followUp.feedbackByText(turn),
      },
      {
        name: 'content review',
        description: 'Routes and contacts due for review (safeguarding leads)',
        patterns: [/^\s*content review\s*$/i],
        handle: (turn) => service.reviewList.show(turn),
      },
    ],
    actions: [
      action(REFERRAL_VERBS.step, stepSchema, (turn, step) => service.journey.step(turn, step), {
        invalid: stale,
        anyone: true,
      }),
      action(REFERRAL_VERBS.made, madeSchema, (turn, data) => service.followUp.made(turn, data), { invalid: stale }),
      action(REFERRAL_VERBS.record, recordSchema, (turn, data) => service.followUp.record(turn, data), {
        invalid: (turn) => service.followUp.recordInvalid(turn),
      }),
      action(REFERRAL_VERBS.feedback, feedbackSchema, (turn, data) => service.followUp.feedback(turn, data), {
        invalid: (turn) => service.followUp.feedbackInvalid(turn),
      }),
      action(REFERRAL_VERBS.area, areaSchema, (turn, data) => service.journey.area(turn, data), {
        invalid: stale,
        anyone: true,
      }),
    ],
    onUnrecognised: (turn) => service.freeText.answer(turn),
    unrecognisedAnyone: true,
    start() {
      const every = timers.reminderIntervalMs ?? 0;
      if (every > 0)
        intervals.push(
          setInterval(
            () => track(service.sendDueReminders().catch(failed('sending referral reminders failed'))),
            every,
          ),
        );
      if (timers.retentionSweep) {
        const sweep = () => track(service.sweepRetention().catch(failed('retention sweep failed')));
        sweep();
        intervals.push(setInterval(sweep, SWEEP_EVERY_MS));
      }
      for (const t of intervals) t.unref();
    },
    async stop() {
      for (const t of intervals.splice(0)) clearInterval(t);
      await Promise.allSettled([...running]);
    },
  };
}
