import type { AuditTrail } from '../audit';
import type { ChatTurn, Notifier } from '../chat/types';
import type { ExportLinks } from '../exports';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { REFERRAL_SET, type LiveReferralContent } from './live';
import type { LiveFileSet } from './sets';
import type { ContentStoreApi } from './store';

/**
 * The organisation keeps its own referral content: a safeguarding lead proposes a change to a
 * contact in Teams, a different lead approves it, and staff see it at once. Every version is kept
 * (`content history`) and every step is in the audit trail.
 */
export interface ContentDeps {
  store: ContentStoreApi;
  live: LiveReferralContent;
  audit: AuditTrail;
  directory: Pick<PeopleDirectory, 'leadObjectIds'>;
  notifier: Notifier;
  exports: ExportLinks;
  now: () => Date;
  /** The other versioned content sets (briefing library, training rules, self-assessment), by set name. */
  sets?: Map<string, LiveFileSet<unknown>>;
}

/** "Only safeguarding leads can change …", logged and recorded in the audit trail (`content.refused`). */
export async function refuseChange(audit: Pick<AuditTrail, 'note'>, turn: ChatTurn, what = 'the referral content'): Promise<void> {
  turn.log.info({ permission: 'content.edit' }, 'refused');
  await audit.note(turn.user, 'content.refused', { permission: 'content.edit' }, turn.log);
  await turn.send({ text: `Only safeguarding leads can change ${what}.` });
}

/** Content is shown and changed only in the person's 1:1 chat, never in a group chat or channel. */
export function inSharedChat(turn: ChatTurn): boolean {
  return turn.conversation.kind !== 'personal';
}

/** What every content use case shares: its dependencies, and which content set is which. */
export class ContentContext {
  constructor(readonly deps: ContentDeps) {}

  /** Whether this person may change content (safeguarding leads). */
  can(turn: ChatTurn): boolean {
    return can(turn.principal, 'content.edit');
  }

  refuse(turn: ChatTurn, what?: string): Promise<void> {
    return refuseChange(this.deps.audit, turn, what);
  }

  get sets(): Map<string, LiveFileSet<unknown>> {
    return this.deps.sets ?? new Map();
  }

  /** The set a proposal belongs to (its id starts with it), if it is one this bot keeps. */
  setOf(proposalId: string): string | undefined {
    const set = proposalId.split(':p:')[0] ?? '';
    return set === REFERRAL_SET || this.sets.has(set) ? set : undefined;
  }

  labelOf(set: string): string {
    return set === REFERRAL_SET ? 'the referral content' : (this.sets.get(set)?.def.label ?? 'the content');
  }

  liveVersion(set: string): number {
    return set === REFERRAL_SET ? this.deps.live.currentVersion : (this.sets.get(set)?.currentVersion ?? 0);
  }

  async refreshSet(set: string): Promise<void> {
    if (set === REFERRAL_SET) await this.deps.live.refresh();
    else await this.sets.get(set)?.refresh();
  }
}
