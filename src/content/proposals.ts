import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { findPatientData } from '../privacy/patientData';
import { proposalCard } from './cards';
import { inSharedChat, type ContentContext } from './context';
import { REFERRAL_SET } from './live';
import type { ContentProposal } from './store';
import { CONTENT_VERBS } from './verbs';

/**
 * The second-lead rule: every change (a contact, a route, a file, a rollback) is a proposal that
 * staff do not see until a different safeguarding lead approves it. Every other lead is sent the
 * approval card; `content proposals` lists what is waiting; a decline needs a reason, which the
 * proposer is told. Approval moves the live version on under its etag (see ./store.ts), so a
 * proposal based on an older version is withdrawn rather than undoing someone else's change.
 */
export const decideSchema = z.object({ verb: z.enum([CONTENT_VERBS.approve, CONTENT_VERBS.decline]), proposal: z.string().max(120), reason: z.string().max(300).optional() });

export class Proposals {
  constructor(private readonly ctx: ContentContext) {}

  /** Every other lead gets the approval card; the proposer sees what they proposed. */
  async askOthers(turn: ChatTurn, proposal: ContentProposal): Promise<void> {
    const { directory, notifier } = this.ctx.deps;
    const label = this.ctx.labelOf(proposal.set);
    const others = (await directory.leadObjectIds()).filter((id) => id !== turn.user.aadObjectId?.toLowerCase());
    let told = 0;
    for (const id of others) {
      try {
        if ((await notifier.sendToPerson(id, { card: proposalCard(proposal, true, label), fallbackText: `A change to ${label} needs your approval` })) === 'sent') told++;
      } catch {
        // One lead we cannot reach does not stop the proposal; they can still type `content proposals`.
      }
    }
    await turn.send({ card: proposalCard(proposal, false, label), fallbackText: 'Change proposed' });
    await turn.send({
      text:
        told > 0
          ? `I have asked ${told === 1 ? 'another safeguarding lead' : `${told} other safeguarding leads`} to approve it. Staff keep seeing the current details until then.`
          : 'No other safeguarding lead could be told yet: ask one to type content proposals. Staff keep seeing the current details until it is approved.',
    });
  }

  /** `content proposals`: the ten latest waiting for a decision, of every set. */
  async list(turn: ChatTurn): Promise<void> {
    if (!this.ctx.can(turn)) return this.ctx.refuse(turn);
    if (inSharedChat(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const open = (await Promise.all([REFERRAL_SET, ...this.ctx.sets.keys()].map((set) => this.ctx.deps.store.open(set)))).flat().sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
    if (open.length === 0) return turn.send({ text: 'No changes are waiting for approval.' });
    for (const p of open.slice(0, 10)) await turn.send({ card: proposalCard(p, p.proposedBy !== turn.user.aadObjectId, this.ctx.labelOf(p.set)), fallbackText: 'A proposed change' });
  }

  /** Approve or Decline on a proposal card. */
  async decide(turn: ChatTurn, data: z.output<typeof decideSchema>): Promise<void> {
    if (!turn.user.aadObjectId) return this.decideInvalid(turn);
    const { store, audit } = this.ctx.deps;
    const by = { aadObjectId: turn.user.aadObjectId, name: turn.principal.name ?? turn.user.name };
    const now = this.ctx.deps.now();
    const { proposal: id } = data;
    const set = this.ctx.setOf(id);
    if (!set) return turn.send({ text: 'I could not find that proposal.' });
    if (data.verb === CONTENT_VERBS.decline) {
      const reason = (data.reason ?? '').trim();
      if (!reason) return turn.send({ text: 'Please give a reason in the box when you decline, so the proposer knows what to change.' });
      if (findPatientData(reason, now).kinds.length > 0) return turn.send({ text: 'Your reason looks like it contains patient details, so I have not saved it. Please reword it.' });
      const result = await store.decline(set, id, by, reason, now);
      if (result === 'own') return this.ownRefused(turn, id);
      if (result !== 'declined') return turn.send({ text: 'That proposal has already been decided.' });
      await audit.note(turn.user, 'content.declined', { proposal: id }, turn.log);
      const p = await store.proposal(set, id);
      if (p) await this.tell(p.proposedBy, `${by.name ?? 'A safeguarding lead'} declined your change (${p.changes.map((c) => c.text).join('; ')}). Reason: ${reason}`);
      return turn.send({ text: 'Declined. I have told the proposer why. The live content has not changed.' });
    }
    const result = await store.approve(set, id, by, now);
    if (result.outcome === 'own') return this.ownRefused(turn, id);
    if (result.outcome === 'missing') return turn.send({ text: 'I could not find that proposal.' });
    if (result.outcome === 'already') return turn.send({ text: `That proposal has already been ${result.proposal.status}.` });
    if (result.outcome === 'stale') {
      return turn.send({ text: `Another change went live first (now version ${result.current}), so this proposal would undo it. It has been withdrawn: the proposer can make the change again on the latest version.` });
    }
    await this.ctx.refreshSet(set);
    await audit.note(turn.user, 'content.approved', { proposal: id, version: result.version.version }, turn.log);
    await this.tell(result.version.proposedBy, `${by.name ?? 'A safeguarding lead'} approved your change. Staff now see version ${result.version.version}: ${result.version.changes.map((c) => c.text).join('; ')}.`);
    await turn.send({ text: `Approved. Staff now see version ${result.version.version}.` });
  }

  async decideInvalid(turn: ChatTurn): Promise<void> {
    await turn.send({ text: 'That button is out of date. Type content proposals to see what is waiting.' });
  }

  private async ownRefused(turn: ChatTurn, id: string): Promise<void> {
    await this.ctx.deps.audit.note(turn.user, 'content.approval-refused', { proposal: id, reason: 'own proposal' }, turn.log);
    await turn.send({ text: 'You proposed this change, so another safeguarding lead must approve or decline it.' });
  }

  private async tell(aadObjectId: string, text: string): Promise<void> {
    try {
      await this.ctx.deps.notifier.sendToPerson(aadObjectId, { text });
    } catch {
      // The proposer will see the outcome in `content history`.
    }
  }
}
