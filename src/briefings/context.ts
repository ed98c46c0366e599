import { md } from '../cards/markdown';
import type { AuditTrail } from '../audit';
import type { ChatTurn, Notifier, Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import type { LibraryBriefing } from './content';
import type { DeliveryEngine } from './engine';
import { ukLabel } from './schedule';
import type { Audience, BriefingDoc, BriefingStore, DeliveryDoc } from './store';

/**
 * What every briefings use case (./read.ts, ./compose.ts, ./send.ts, ./reschedule.ts,
 * ./reports.ts) is given, and the little they share: the leads' refusal, finding a draft a lead may
 * still change, and an audience in words.
 */
export interface BriefingsContext {
  store: Pick<
    BriefingStore,
    | 'get'
    | 'list'
    | 'recentlySent'
    | 'delivery'
    | 'deliveriesOf'
    | 'unseenFor'
    | 'reachable'
    | 'create'
    | 'saveBriefing'
    | 'acknowledge'
    | 'markSeen'
    | 'claimReminder'
  >;
  engine: Pick<DeliveryEngine, 'resolveAudience' | 'work' | 'pacer'>;
  directory: Pick<PeopleDirectory, 'currentTeams'>;
  notifier: Notifier;
  log: Logger;
  library: LibraryBriefing[];
  staffGroups: { id: string; label: string }[];
  practices: { code: string; name: string }[];
  /** Sends, schedules, changes of time, cancellations and reminders are recorded here (ids and counts only). */
  audit: Pick<AuditTrail, 'note'>;
  now: () => Date;
  /** The card a recipient gets (with their own "I've read this"). */
  recipientCard(briefing: BriefingDoc, delivery: DeliveryDoc): Reply;
}

export const people = (n: number) => `${n.toLocaleString('en-GB')} ${n === 1 ? 'person' : 'people'}`;

/** The leads' refusal: everything but reading needs `briefings.send`. */
export async function refuseLead(turn: ChatTurn): Promise<void> {
  turn.log.info({ permission: 'briefings.send' }, 'refused');
  await turn.send({
    text: 'Only safeguarding leads can write and send briefings. You can read every briefing: type briefings.',
  });
}

/** True (and the person told) when they are not a lead: for the leads' text commands. */
export async function refusedUnlessLead(turn: ChatTurn): Promise<boolean> {
  if (can(turn.principal, 'briefings.send')) return false;
  await refuseLead(turn);
  return true;
}

export const NO_SUCH_DRAFT = 'I could not find that draft. Type briefing drafts to see yours.';

/** A draft this lead may work on; tells them when it is not. */
export async function draftFor(
  ctx: Pick<BriefingsContext, 'store'>,
  turn: ChatTurn,
  draftId: string,
): Promise<BriefingDoc | undefined> {
  const draft = await ctx.store.get(draftId);
  if (!draft) {
    await turn.send({ text: NO_SUCH_DRAFT });
    return undefined;
  }
  if (draft.status !== 'draft') {
    await turn.send({
      text: `"${draft.content.title}" has already been ${draft.status === 'scheduled' ? `scheduled for ${ukLabel(new Date(draft.sendAt!))}` : 'sent'}, so it can no longer be changed.`,
    });
    return undefined;
  }
  return draft;
}

/** Who a briefing goes to, in words. */
export function audienceLabel(ctx: Pick<BriefingsContext, 'staffGroups' | 'practices'>, a: Audience): string {
  if (a.kind === 'everyone') return 'everyone in the staff list';
  if (a.kind === 'teams') return `teams: ${a.values.map(md).join(', ')}`;
  if (a.kind === 'staffGroups')
    return `staff groups: ${a.values.map((v) => ctx.staffGroups.find((g) => g.id === v)?.label ?? v).join(', ')}`;
  return `GP practices: ${a.values.map((v) => ctx.practices.find((p) => p.code === v)?.name ?? v).join(', ')}`;
}
