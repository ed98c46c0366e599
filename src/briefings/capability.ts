import { z } from 'zod';
import { action, execute, type ActionOptions } from '../chat/routes';
import type { Capability, ChatTurn } from '../chat/types';
import { draftRef, editSchema, libraryRef, NOT_IN_LIBRARY, TOO_LONG_TO_SAVE } from './compose';
import { NO_SUCH_DRAFT, refuseLead, refusedUnlessLead } from './context';
import type { DeliveryEngine } from './engine';
import type { BriefingsService } from './index';
import { ackSchema, NOT_UNDERSTOOD_ACK, NOT_UNDERSTOOD_OPEN, openSchema, searchSchema } from './read';
import { NO_SUCH_REPORT, NOTHING_TO_REMIND } from './reports';
import { briefingRef, NOT_UNDERSTOOD_SCHEDULED, rescheduleSchema, scheduledRef } from './reschedule';
import { audienceSchema, sendSchema } from './send';
import { BRIEFINGS_VERBS as V } from './verbs';

/**
 * The briefings capability as the bot layer sees it: its text commands, every card action with the
 * data its card submits and who may press it, "I've read this", read receipts, and the delivery
 * engine's timer.
 */
export interface BriefingsCapabilityOptions {
  /** How often the delivery engine looks for due work; 0 turns it off (tests call its `tick`). */
  engineIntervalMs: number;
}

/** What the table calls: the use cases, and the engine it starts and stops. */
export type BriefingsUseCases = Pick<BriefingsService, 'read' | 'compose' | 'send' | 'reschedule' | 'reports'> & {
  engine: Pick<DeliveryEngine, 'start' | 'stop'>;
};

const says = (text: string) => async (turn: ChatTurn) => turn.send({ text });

export function createBriefingsCapability(service: BriefingsUseCases, options: BriefingsCapabilityOptions): Capability {
  const lead = (
    name: string,
    description: string,
    patterns: RegExp[],
    handle: (t: ChatTurn) => Promise<void>,
    button?: string,
  ) => ({
    name,
    description,
    patterns,
    handle: async (t: ChatTurn) => {
      if (await refusedUnlessLead(t)) return;
      await handle(t);
    },
    permission: 'briefings.send' as const,
    // Leads' commands show drafts, audiences and who has read what: only ever in the 1:1 chat.
    privileged: true,
    ...(button ? { button } : {}),
  });
  /** Everything a lead presses: refused for anyone else before its data is read; only ever in the 1:1 chat. */
  const leads = (invalid: ActionOptions['invalid']): ActionOptions => ({
    permission: 'briefings.send',
    refuse: refuseLead,
    invalid,
    privileged: true,
  });
  const noSuchDraft = says(NO_SUCH_DRAFT);
  const notUnderstood = says(NOT_UNDERSTOOD_SCHEDULED);
  return {
    name: 'briefings',
    commands: [
      lead(
        'new briefing',
        'Write a new briefing or send one from the library',
        [/^\s*(new|write( a)?)\s+briefing\s*$/i],
        (t) => service.compose.newBriefing(t),
        'New briefing',
      ),
      lead('briefing drafts', 'Carry on with a briefing you started', [/^\s*(my\s+)?(briefing\s+)?drafts\s*$/i], (t) =>
        service.reports.drafts(t),
      ),
      lead(
        'briefing reports',
        'Who has read each briefing, and remind those who have not',
        [/^\s*briefing\s+reports?\s*$/i],
        (t) => service.reports.reports(t),
      ),
      // Last: "briefings <words>" searches, so the commands above must match first.
      {
        name: 'briefings',
        button: '7-minute briefings',
        description: 'Read and acknowledge short safeguarding briefings',
        patterns: [/^\s*(7[- ]minute\s+)?briefings?(?<args>\s+.*)?$/i],
        handle: (t) => service.read.list(t, t.args ?? ''),
      },
    ],
    actions: [
      action(V.search, searchSchema, (t, d) => service.read.search(t, d), { invalid: (t) => service.read.list(t, '') }),
      action(V.open, openSchema, (t, d) => service.read.open(t, d), { invalid: says(NOT_UNDERSTOOD_OPEN) }),
      // Reads no data: whatever the card sends, the empty edit card.
      action(
        V.new,
        z.unknown(),
        (t) => service.compose.newBriefing(t),
        leads((t) => service.compose.newBriefing(t)),
      ),
      action(V.start, libraryRef, (t, d) => service.compose.startFromLibrary(t, d), leads(says(NOT_IN_LIBRARY))),
      action(V.edit, draftRef, (t, d) => service.compose.edit(t, d), leads(noSuchDraft)),
      action(V.save, editSchema, (t, d) => service.compose.save(t, d), leads(says(TOO_LONG_TO_SAVE))),
      action(V.preview, draftRef, (t, d) => service.compose.preview(t, d), leads(noSuchDraft)),
      action(V.audienceCard, draftRef, (t, d) => service.send.audienceCard(t, d), leads(noSuchDraft)),
      action(V.audience, audienceSchema, (t, d) => service.send.chooseAudience(t, d), leads(noSuchDraft)),
      action(V.send, sendSchema, (t, d) => service.send.send(t, d), leads(noSuchDraft)),
      action(V.confirmCard, draftRef, (t, d) => service.send.confirmCard(t, d), leads(noSuchDraft)),
      action(V.report, briefingRef, (t, d) => service.reports.report(t, d), leads(says(NO_SUCH_REPORT))),
      action(V.remind, briefingRef, (t, d) => service.reports.remind(t, d), leads(says(NOTHING_TO_REMIND))),
      action(V.cancel, scheduledRef, (t, d) => service.reschedule.cancel(t, d), leads(notUnderstood)),
      action(V.changeTime, briefingRef, (t, d) => service.reschedule.changeTimeCard(t, d), leads(notUnderstood)),
      action(V.reschedule, rescheduleSchema, (t, d) => service.reschedule.reschedule(t, d), leads(notUnderstood)),
    ],
    executes: [
      execute(
        V.ack,
        ackSchema,
        (t, d) => service.read.acknowledge(t, d),
        () => ({ text: NOT_UNDERSTOOD_ACK }),
      ),
    ],
    onReadReceipt: (r, log) => service.read.readReceipt(r, log),
    start: () => service.engine.start(options.engineIntervalMs),
    // Lets sends already on the wire finish and record their outcome before storage closes.
    stop: () => service.engine.stop(),
  };
}
