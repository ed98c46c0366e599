import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { describeFinding, findPatientData } from '../privacy/patientData';
import { ContentError, type Contact } from '../referral/content';
import { contactsCard, editContactCard } from './cards';
import { fieldChanges, FIELDS, LABELS, type ContactField } from './changes';
import { inSharedChat, type ContentContext } from './context';
import { LiveReferralContent, REFERRAL_SET } from './live';
import type { Proposals } from './proposals';
import { CONTENT_VERBS } from './verbs';

/**
 * `edit contact`: a lead changes one referral contact's name, number, hours, use, e-mail or web
 * page in a form. Free text is screened for patient details; a new telephone number must have been
 * called by the proposer; the whole content is validated as at start-up; then it is a proposal.
 */
const field = z.string().max(300).optional().transform((s) => (s ?? '').trim());
export const editContactSchema = z.object({ verb: z.literal(CONTENT_VERBS.contactEdit), contact: z.string().max(80) });
export const proposeContactSchema = z.object({
  verb: z.literal(CONTENT_VERBS.contactPropose),
  contact: z.string().max(80),
  basedOn: z.coerce.number().int().min(1),
  name: field,
  phone: field,
  hours: field,
  use: field,
  email: field,
  url: field,
  phoneChecked: z.enum(['true', 'false']).optional(),
});

export class ContactEdits {
  constructor(
    private readonly ctx: ContentContext,
    private readonly proposals: Proposals,
  ) {}

  /** `edit contact`: every contact with an Edit button. */
  async list(turn: ChatTurn): Promise<void> {
    if (!this.ctx.can(turn)) return this.ctx.refuse(turn);
    if (inSharedChat(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    await turn.send({ card: contactsCard(this.ctx.deps.live.get(), this.ctx.deps.live.currentVersion), fallbackText: 'Edit a contact' });
  }

  /** Edit (or "Change it" on the review card): the contact's change form. */
  async edit(turn: ChatTurn, data: z.output<typeof editContactSchema>): Promise<void> {
    const contact = this.ctx.deps.live.get().contacts.get(data.contact);
    if (!contact) return this.editInvalid(turn);
    await turn.send({ card: editContactCard(contact, this.ctx.deps.live.currentVersion, {}), fallbackText: `Change: ${contact.name}` });
  }

  async editInvalid(turn: ChatTurn): Promise<void> {
    await turn.send({ text: 'That contact is no longer in the content. Type edit contact to see the current list.' });
  }

  async propose(turn: ChatTurn, d: z.output<typeof proposeContactSchema>): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return this.proposeInvalid(turn);
    const { live, now } = this.ctx.deps;
    const content = live.get();
    const contact = content.contacts.get(d.contact);
    if (!contact) return this.proposeInvalid(turn);
    const values = { name: d.name, phone: d.phone, hours: d.hours, use: d.use, email: d.email, url: d.url };
    const again = (problem: string, clear?: ContactField) => turn.send({ card: editContactCard(contact, live.currentVersion, { ...values, ...(clear ? { [clear]: '' } : {}) }, problem), fallbackText: problem });
    if (d.basedOn !== live.currentVersion) {
      return turn.send({ card: editContactCard(contact, live.currentVersion, {}, 'The content changed since you opened this form (another change was approved). Here are the latest details: make your change again.'), fallbackText: 'The content changed' });
    }
    // Names, hours and uses are free text: the one patient-data screen, and a refused value is never echoed back.
    for (const f of ['name', 'hours', 'use'] as const) {
      const finding = findPatientData(values[f], now());
      if (finding.kinds.length > 0) return again(`The ${LABELS[f]} box looks like it contains patient details (${describeFinding(finding)}). Nothing was saved.`, f);
    }
    const changes = fieldChanges(contact.name, contact, values);
    if (changes.length === 0) return again('Nothing has changed yet: edit a box, then propose the change.');
    const phoneChanged = changes.some((c) => c.phoneChanged);
    if (phoneChanged && d.phoneChecked !== 'true') return again('A new telephone number must be checked: call it, make sure it is the right service, then tick "I have called this number".');
    const next: Contact = { ...contact, ...Object.fromEntries(FIELDS.map((f) => [f, values[f] || undefined])), lastReviewed: now().toISOString().slice(0, 10) } as Contact;
    const body = LiveReferralContent.bodyOf(content);
    const files = body as { contacts: { contacts: Record<string, unknown>[] } };
    const newBody = { ...body, contacts: { ...files.contacts, contacts: files.contacts.contacts.map((c) => (c.id === contact.id ? stripUndefined(next) : c)) } };
    try {
      live.parse(newBody);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      return again(`That change is not valid, so nothing was saved: ${err.problems.map((p) => p.replace(/^content\/referral\/contacts\.json: contacts\[\d+\]\./, '')).join('; ')}.`);
    }
    const proposal = await this.ctx.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: live.currentVersion,
      body: newBody,
      changes,
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: now().toISOString(),
      ...(phoneChanged ? { phoneConfirmed: true } : {}),
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, contact: contact.id, phoneChanged }, turn.log);
    await this.proposals.askOthers(turn, proposal);
  }

  /** An old or tampered form, or one sent outside the 1:1 chat. */
  async proposeInvalid(turn: ChatTurn): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    await turn.send({ text: 'That form is out of date. Type edit contact to start again.' });
  }
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
