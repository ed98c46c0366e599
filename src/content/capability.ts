import { AUDIT_USAGE } from '../audit/log';
import { action } from '../chat/routes';
import type { Capability, ChatTurn } from '../chat/types';
import { editContactSchema, proposeContactSchema } from './contacts';
import { rollbackSchema } from './history';
import { decideSchema } from './proposals';
import { confirmSchema, type ContentReviews } from './review';
import { routeFormSchema } from './routeEdit';
import { editRouteSchema } from './routes';
import type { ContentService } from './service';
import { CONTENT_VERBS } from './verbs';

/** The content capability's own timer: how often the monthly review run is looked for; 0 or absent means off (tests call run). */
export interface ContentTimers {
  reviewIntervalMs?: number;
}

/**
 * What the bot answers for content. Every button is for safeguarding leads (`content.edit`): anyone
 * else is refused before the card's data is read, and the refusal is recorded as content.refused.
 * `service` and `reviews` are only reached when a turn arrives (the command catalogue passes none).
 */
export function createContentCapability(service: ContentService, reviews: ContentReviews, timers: ContentTimers = {}): Capability {
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<unknown>>();
  const lead = { permission: 'content.edit', refuse: (turn: ChatTurn) => service.refuse(turn) } as const;
  return {
    name: 'content',
    commands: [
      { name: 'edit contact', permission: 'content.edit', privileged: true, description: 'Propose a change to a referral contact', patterns: [/^\s*edit contacts?\s*$/i], handle: (t) => service.contacts.list(t) },
      {
        name: 'edit route',
        permission: 'content.edit',
        privileged: true,
        usage: 'edit route',
        // No welcome-card button (like edit contact): the lead's card keeps its everyday actions; help lists it.
        description: "Propose a change to a referral route's steps, contacts or follow-up",
        patterns: [/^\s*edit routes?\s*$/i],
        handle: (t) => service.routes.list(t),
      },
      { name: 'content proposals', permission: 'content.edit', privileged: true, description: 'Changes to the referral content waiting for approval', patterns: [/^\s*content proposals?\s*$/i], handle: (t) => service.proposals.list(t) },
      {
        name: 'content history',
        permission: 'content.edit',
        privileged: true,
        usage: 'content history [briefings, training or assessment]',
        description: 'Every version of the referral content, briefing library, training rules or self-assessment',
        patterns: [/^\s*content history(?<args>\s+[a-z-]+)?\s*$/i],
        handle: (t) => service.history.show(t),
      },
      { name: 'audit log', permission: 'content.edit', privileged: true, usage: AUDIT_USAGE, description: 'Who did what: content, briefings, imports, training, assessments, downloads, refusals; with a CSV', patterns: [/^\s*audit log\b(?<args>.*)$/i], handle: (t) => service.auditLog.show(t) },
    ],
    actions: [
      action(CONTENT_VERBS.contactEdit, editContactSchema, (t, d) => service.contacts.edit(t, d), { ...lead, invalid: (t) => service.contacts.editInvalid(t) }),
      action(CONTENT_VERBS.contactPropose, proposeContactSchema, (t, d) => service.contacts.propose(t, d), { ...lead, invalid: (t) => service.contacts.proposeInvalid(t) }),
      action(CONTENT_VERBS.approve, decideSchema, (t, d) => service.proposals.decide(t, d), { ...lead, invalid: (t) => service.proposals.decideInvalid(t) }),
      action(CONTENT_VERBS.decline, decideSchema, (t, d) => service.proposals.decide(t, d), { ...lead, invalid: (t) => service.proposals.decideInvalid(t) }),
      action(CONTENT_VERBS.rollback, rollbackSchema, (t, d) => service.history.rollback(t, d), { ...lead, invalid: (t) => service.history.rollbackInvalid(t) }),
      action(CONTENT_VERBS.reviewConfirm, confirmSchema, (t, d) => reviews.confirm(t, d), { permission: 'content.edit', refuse: (t) => reviews.refuse(t), invalid: (t) => reviews.confirmInvalid(t) }),
      action(CONTENT_VERBS.routeEdit, editRouteSchema, (t, d) => service.routes.edit(t, d), { ...lead, invalid: (t) => service.routes.editInvalid(t) }),
      action(CONTENT_VERBS.routePropose, routeFormSchema, (t, form) => service.routes.propose(t, form), { ...lead, invalid: (t) => service.routes.proposeInvalid(t) }),
    ],
    // Before the imports (which answer every file): a content file sent by a lead is a proposal.
    onFiles: (t) => service.files.answer(t),
    start() {
      const every = timers.reviewIntervalMs ?? 0;
      if (every <= 0) return;
      // The monthly content review: one point read a minute once this month's cards have gone.
      timer = setInterval(() => {
        const run = reviews.run().catch((err: unknown) => reviews.log.error({ err: { message: (err as Error).message } }, 'content review cards failed'));
        running.add(run);
        void run.finally(() => running.delete(run));
      }, every);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await Promise.allSettled([...running]);
    },
  };
}
