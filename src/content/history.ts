import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { formatDate } from '../referral/cards';
import { historyCard } from './cards';
import { fieldChanges, filesChanges } from './changes';
import { inSharedChat, type ContentContext } from './context';
import { REFERRAL_SET } from './live';
import type { Proposals } from './proposals';
import type { SetFile } from './sets';
import type { ContentChange } from './store';
import { CONTENT_VERBS } from './verbs';

/**
 * `content history [briefings|training|assessment]`: every version of a content set, who proposed
 * and approved it and what changed. "Propose this version again" is a rollback, and a rollback is
 * a proposal like any other: another lead approves it.
 */
export const rollbackSchema = z.object({ verb: z.literal(CONTENT_VERBS.rollback), version: z.coerce.number().int().min(1), set: z.string().max(40).optional() });

export class ContentHistory {
  constructor(
    private readonly ctx: ContentContext,
    private readonly proposals: Proposals,
  ) {}

  /** `content history`, with the set named after it (`turn.args`, any case; the referral content when none). */
  async show(turn: ChatTurn): Promise<void> {
    if (!this.ctx.can(turn)) return this.ctx.refuse(turn);
    if (inSharedChat(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const sets = this.ctx.sets;
    const asked = (turn.args ?? '').toLowerCase();
    const set = asked === '' || asked === 'referral' ? REFERRAL_SET : [...sets.keys()].find((k) => k === asked || k.startsWith(asked));
    if (!set) return turn.send({ text: `I keep the history of the referral content${[...sets.keys()].map((k) => `, ${k}`).join('')}. Type, for example, content history ${[...sets.keys()][0] ?? 'referral'}.` });
    const versions = await this.ctx.deps.store.history(set);
    const title = set === REFERRAL_SET ? 'Referral content history' : `History of ${this.ctx.labelOf(set)}`;
    await turn.send({ card: historyCard(title, set, versions, this.ctx.liveVersion(set)), fallbackText: title });
  }

  /** "Propose this version again": a rollback is a proposal too, approved by another lead. */
  async rollback(turn: ChatTurn, data: z.output<typeof rollbackSchema>): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return this.rollbackInvalid(turn);
    const { live, store, now } = this.ctx.deps;
    const set = data.set ?? REFERRAL_SET;
    if (set !== REFERRAL_SET && this.ctx.sets.has(set)) return this.rollbackSet(turn, set, data.version);
    const old = set === REFERRAL_SET ? await store.version(REFERRAL_SET, data.version) : undefined;
    if (!old) return this.rollbackInvalid(turn);
    const current = live.currentVersion;
    if (old.version === current) return turn.send({ text: `Version ${old.version} is the live version already.` });
    const content = live.get();
    const before = new Map([...content.contacts.values()].map((c) => [c.id, c]));
    const after = live.parse(old.body);
    const changes: ContentChange[] = [{ text: `Go back to version ${old.version} (from ${formatDate(old.approvedAt.slice(0, 10))})` }];
    for (const c of after.contacts.values()) {
      const was = before.get(c.id);
      if (was) changes.push(...fieldChanges(c.name, was, c));
    }
    const proposal = await store.propose({
      set: REFERRAL_SET,
      basedOn: current,
      body: old.body,
      changes,
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: now().toISOString(),
      rollbackOf: old.version,
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: current, rollbackOf: old.version }, turn.log);
    await this.proposals.askOthers(turn, proposal);
  }

  /** An old or tampered button, a version that is not there, or a button pressed outside the 1:1 chat. */
  async rollbackInvalid(turn: ChatTurn): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    await turn.send({ text: 'I could not find that version. Type content history to see them.' });
  }

  /** A rollback of one of the other content sets: the earlier version's files, proposed again. */
  private async rollbackSet(turn: ChatTurn, set: string, version: number): Promise<void> {
    const live = this.ctx.sets.get(set)!;
    const old = await this.ctx.deps.store.version(set, version);
    if (!old) return turn.send({ text: `I could not find that version. Type content history ${set} to see them.` });
    if (old.version === live.currentVersion) return turn.send({ text: `Version ${old.version} is the live version already.` });
    const files = (old.body as { files?: SetFile[] }).files ?? [];
    const changes: ContentChange[] = [{ text: `Go back to version ${old.version} of ${live.def.label} (from ${formatDate(old.approvedAt.slice(0, 10))})` }, ...filesChanges(live.current, files)];
    const proposal = await this.ctx.deps.store.propose({
      set,
      basedOn: live.currentVersion,
      body: old.body,
      changes: changes.slice(0, 41),
      proposedBy: turn.user.aadObjectId!,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.ctx.deps.now().toISOString(),
      rollbackOf: old.version,
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, set, basedOn: live.currentVersion, rollbackOf: old.version }, turn.log);
    await this.proposals.askOthers(turn, proposal);
  }
}
