import { z } from 'zod';
import type { AuditTrail } from '../audit';
import { AUDIT_USAGE, auditCsv, auditLogText, auditMonths } from '../audit/log';
import type { ExportLinks } from '../exports';
import { downloadText } from '../imports';
import { renderCard } from '../cards/render';
import type { Capability, ChatTurn, Notifier } from '../chat/types';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { findPatientData, describeFinding } from '../privacy/patientData';
import { contactDetail, formatDate } from '../referral/cards';
import { ContentError, type Contact } from '../referral/content';
import { LiveReferralContent, REFERRAL_SET } from './live';
import type { ContentReviews } from './review';
import { jsonChanges, SetContentError, type LiveFileSet, type SetFile } from './sets';
import { applyRouteForm, NO_CONTACT, MAX_CONTACTS, MAX_STEPS, readRouteForm, routeChanges, routeProblem, SPARE_CONTACTS, SPARE_STEPS, type RawRoute, type RouteForm } from './routeEdit';
import type { ContentChange, ContentProposal, ContentStore } from './store';

/**
 * The organisation keeps its own referral content: a safeguarding lead proposes a change to a
 * contact in Teams, a different lead approves it, and staff see it at once. Every version is kept
 * (`content history`) and every step is in the audit trail.
 */
export interface ContentDeps {
  store: ContentStore;
  live: LiveReferralContent;
  audit: AuditTrail;
  directory: PeopleDirectory;
  notifier: Notifier;
  exports: ExportLinks;
  now: () => Date;
  /** The other versioned content sets (briefing library, training rules, self-assessment), by set name. */
  sets?: Map<string, LiveFileSet<unknown>>;
}

const CONTENT_FILES = ['contacts.json', 'routes.json', 'pathway.json', 'phrasing.json'] as const;
const FIELDS = ['name', 'phone', 'hours', 'use', 'email', 'url'] as const;
const LABELS: Record<(typeof FIELDS)[number], string> = { name: 'name', phone: 'telephone', hours: 'hours', use: 'what it is for', email: 'e-mail', url: 'web page' };
const field = z.string().max(300).optional().transform((s) => (s ?? '').trim());
const editSchema = z.object({ verb: z.literal('content.contact.edit'), contact: z.string().max(80) });
const proposeSchema = z.object({
  verb: z.literal('content.contact.propose'),
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
const editRouteSchema = z.object({ verb: z.literal('content.route.edit'), route: z.string().max(80) });
const rollbackSchema = z.object({ verb: z.literal('content.rollback'), version: z.coerce.number().int().min(1), set: z.string().max(40).optional() });
const decideSchema = z.object({ verb: z.enum(['content.approve', 'content.decline']), proposal: z.string().max(120), reason: z.string().max(300).optional() });

export class ContentService {
  constructor(private readonly deps: ContentDeps) {
    deps.exports.register('audit', (params) => auditCsv(deps.audit, params));
  }

  private async refuse(turn: ChatTurn, what = 'the referral content'): Promise<void> {
    turn.log.info({ permission: 'content.edit' }, 'refused');
    await this.deps.audit.note(turn.user, 'content.refused', { permission: 'content.edit' }, turn.log);
    await turn.send({ text: `Only safeguarding leads can change ${what}.` });
  }

  private get sets(): Map<string, LiveFileSet<unknown>> {
    return this.deps.sets ?? new Map();
  }

  /** The set a proposal belongs to (its id starts with it), if it is one this bot keeps. */
  private setOf(proposalId: string): string | undefined {
    const set = proposalId.split(':p:')[0] ?? '';
    return set === REFERRAL_SET || this.sets.has(set) ? set : undefined;
  }

  private labelOf(set: string): string {
    return set === REFERRAL_SET ? 'the referral content' : (this.sets.get(set)?.def.label ?? 'the content');
  }

  private liveVersion(set: string): number {
    return set === REFERRAL_SET ? this.deps.live.currentVersion : (this.sets.get(set)?.currentVersion ?? 0);
  }

  private async refreshSet(set: string): Promise<void> {
    if (set === REFERRAL_SET) await this.deps.live.refresh();
    else await this.sets.get(set)?.refresh();
  }

  private privateOnly(turn: ChatTurn): boolean {
    return turn.conversation.kind !== 'personal';
  }

  /** `edit contact`: every contact with an Edit button. */
  async contacts(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const content = this.deps.live.get();
    await turn.send({
      card: renderCard('content/contacts', {
        intro: `Live version ${this.deps.live.currentVersion}. Choose a contact to change. Another safeguarding lead approves every change before staff see it.`,
        contacts: [...content.contacts.values()].map((c) => ({ id: c.id, name: c.name, detail: contactDetail(c) })),
      }),
      fallbackText: 'Edit a contact',
    });
  }

  private editCard(contact: Contact, values: Partial<Record<(typeof FIELDS)[number], string>>, problem = ''): Record<string, unknown> {
    return renderCard('content/editContact', {
      heading: `Change: ${contact.name}`,
      problem,
      id: contact.id,
      basedOn: String(this.deps.live.currentVersion),
      name: values.name ?? contact.name,
      phone: values.phone ?? contact.phone ?? '',
      hours: values.hours ?? contact.hours ?? '',
      use: values.use ?? contact.use,
      email: values.email ?? contact.email ?? '',
      url: values.url ?? contact.url ?? '',
    });
  }

  async edit(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    const parsed = editSchema.safeParse(turn.value);
    const contact = parsed.success ? this.deps.live.get().contacts.get(parsed.data.contact) : undefined;
    if (!contact) return turn.send({ text: 'That contact is no longer in the content. Type edit contact to see the current list.' });
    await turn.send({ card: this.editCard(contact, {}), fallbackText: `Change: ${contact.name}` });
  }

  /** `edit route`: a picker of every route. */
  async routes(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const routes = this.deps.live.get().routes;
    await turn.send({
      card: renderCard('content/routes', {
        intro: `Live version ${this.deps.live.currentVersion}. Choose a route to change its steps, contacts or follow-up reminder. Another safeguarding lead approves every change before staff see it.`,
        first: routes[0]?.id ?? '',
        routes: routes.map((r) => ({ id: r.id, title: r.title })),
      }),
      fallbackText: 'Edit a route',
    });
  }

  /** The route as stored in the live version (the JSON of routes.json, without defaults filled in). */
  private rawRoute(id: string): RawRoute | undefined {
    const files = LiveReferralContent.bodyOf(this.deps.live.get()) as { routes?: { routes?: RawRoute[] } };
    return files.routes?.routes?.find((r) => r.id === id);
  }

  private routeCard(raw: RawRoute, form: Pick<RouteForm, 'steps' | 'contacts' | 'followContact' | 'followHours' | 'followMessage'> | undefined, problem = '', extra = 0): Record<string, unknown> {
    const content = this.deps.live.get();
    const steps = form?.steps ?? raw.stepsNow;
    const contacts = form?.contacts ?? raw.contacts;
    // As many boxes as were shown (or the route's own, plus spare ones), and more when asked for.
    const filled = (list: unknown[], empty: (x: never) => boolean) => list.length - [...list].reverse().findIndex((x) => !empty(x as never));
    const steps0 = steps.some((x) => x !== '') ? filled(steps, (x: string) => x === '') : 0;
    const contacts0 = contacts.some((c) => c.contact !== '') ? filled(contacts, (c: { contact: string }) => c.contact === '') : 0;
    const stepBoxes = Math.min(MAX_STEPS, Math.max(steps.length, steps0 + SPARE_STEPS) + extra);
    const contactBoxes = Math.min(MAX_CONTACTS, Math.max(contacts.length, contacts0 + SPARE_CONTACTS) + (extra ? 1 : 0));
    const choices = [{ title: '(none)', value: NO_CONTACT }, ...[...content.contacts.values()].map((c) => ({ title: c.name, value: c.id }))];
    return renderCard('content/editRoute', {
      heading: `Change: ${raw.title}`,
      problem,
      id: raw.id,
      basedOn: String(this.deps.live.currentVersion),
      steps: Array.from({ length: stepBoxes }, (_, i) => ({ key: `step${i}`, label: `Step ${i + 1}`, text: steps[i] ?? '' })),
      contacts: Array.from({ length: contactBoxes }, (_, i) => ({ contactKey: `contact${i}`, whyKey: `why${i}`, label: `Contact ${i + 1}`, contact: contacts[i]?.contact || NO_CONTACT, why: contacts[i]?.why ?? '' })),
      contactChoices: choices,
      followChoices: [{ title: '(no reminder)', value: NO_CONTACT }, ...choices.slice(1)],
      followNote: raw.followUp?.audiences
        ? `A reminder to chase the referral if nothing is heard back, for ${raw.followUp.audiences.join(' and ')} only. Choose (no reminder) to remove it.`
        : 'A reminder to chase the referral if nothing is heard back. Choose (no reminder) for none.',
      followContact: (form ? form.followContact : raw.followUp?.contact) || NO_CONTACT,
      followHours: form ? form.followHours : raw.followUp ? String(raw.followUp.afterHours) : '',
      followMessage: form ? form.followMessage : (raw.followUp?.message ?? ''),
    });
  }

  /** A route chosen in the picker, or "Change it" on the review card: the route's editing card. */
  async editRoute(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please change content in our 1:1 chat.' });
    const parsed = editRouteSchema.safeParse(turn.value);
    const raw = parsed.success ? this.rawRoute(parsed.data.route) : undefined;
    if (!raw) return turn.send({ text: 'That route is no longer in the content. Type edit route to see the current list.' });
    await turn.send({ card: this.routeCard(raw, undefined), fallbackText: `Change: ${raw.title}` });
  }

  async proposeRoute(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    const form = readRouteForm(turn.value);
    const raw = form ? this.rawRoute(form.route) : undefined;
    if (!form || !raw) return turn.send({ text: 'That form is out of date. Type edit route to start again.' });
    if (form.basedOn !== this.deps.live.currentVersion) {
      return turn.send({ card: this.routeCard(raw, undefined, 'The content changed since you opened this form (another change was approved). Here is the latest route: make your change again.'), fallbackText: 'The content changed' });
    }
    // Every box is free text: the one patient-data screen for what was typed (the approved wording
    // is not screened again). A flagged box is emptied, never echoed back.
    const now = this.deps.now();
    const approved = new Set([...raw.stepsNow, ...raw.contacts.map((c) => c.why), raw.followUp?.message ?? '']);
    const boxes: { label: string; value: string; clear: () => void }[] = [
      ...form.steps.map((v, i) => ({ label: `Step ${i + 1}`, value: v, clear: () => (form.steps[i] = '') })),
      ...form.contacts.map((c, i) => ({ label: `The "Why" box of contact ${i + 1}`, value: c.why, clear: () => (c.why = '') })),
      { label: 'The reminder message', value: form.followMessage, clear: () => (form.followMessage = '') },
    ];
    for (const b of boxes.filter((x) => !approved.has(x.value))) {
      const finding = findPatientData(b.value, now);
      if (finding.kinds.length > 0) {
        b.clear();
        return turn.send({ card: this.routeCard(raw, form, `${b.label} looks like it contains patient details (${describeFinding(finding)}). A route must never contain patient details. Nothing was saved.`), fallbackText: 'Patient details found' });
      }
    }
    const again = (problem: string) => turn.send({ card: this.routeCard(raw, form, problem), fallbackText: problem });
    if (form.more) return turn.send({ card: this.routeCard(raw, form, '', 3), fallbackText: `Change: ${raw.title}` });
    const made = applyRouteForm(raw, form, now.toISOString().slice(0, 10));
    if ('problem' in made) return again(`${made.problem} Nothing was saved.`);
    const live = this.deps.live.get();
    const changes = routeChanges(raw, made.route, live);
    if (changes.length === 0) return again('Nothing has changed yet: edit a box, then propose the change.');
    const body = LiveReferralContent.bodyOf(live);
    const files = body as { routes: { routes: RawRoute[] } };
    const newBody = { ...body, routes: { ...files.routes, routes: files.routes.routes.map((r) => (r.id === raw.id ? made.route : r)) } };
    try {
      this.deps.live.parse(newBody);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      return again(`That change is not valid, so nothing was saved: ${err.problems.map(routeProblem).join('; ')}.`);
    }
    const proposal = await this.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: this.deps.live.currentVersion,
      body: newBody,
      changes: [{ text: `Route: ${raw.title}` }, ...changes],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: now.toISOString(),
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, route: raw.id, changes: changes.length }, turn.log);
    await this.askOthers(turn, proposal);
  }

  async propose(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    const parsed = proposeSchema.safeParse(turn.value);
    const live = this.deps.live.get();
    const contact = parsed.success ? live.contacts.get(parsed.data.contact) : undefined;
    if (!parsed.success || !contact) return turn.send({ text: 'That form is out of date. Type edit contact to start again.' });
    const d = parsed.data;
    const values = { name: d.name, phone: d.phone, hours: d.hours, use: d.use, email: d.email, url: d.url };
    const again = (problem: string, clear?: (typeof FIELDS)[number]) => turn.send({ card: this.editCard(contact, { ...values, ...(clear ? { [clear]: '' } : {}) }, problem), fallbackText: problem });
    if (d.basedOn !== this.deps.live.currentVersion) {
      return turn.send({ card: this.editCard(contact, {}, 'The content changed since you opened this form (another change was approved). Here are the latest details: make your change again.'), fallbackText: 'The content changed' });
    }
    // Names, hours and uses are free text: the one patient-data screen, and a refused value is never echoed back.
    for (const f of ['name', 'hours', 'use'] as const) {
      const finding = findPatientData(values[f], this.deps.now());
      if (finding.kinds.length > 0) return again(`The ${LABELS[f]} box looks like it contains patient details (${describeFinding(finding)}). Nothing was saved.`, f);
    }
    const changes = fieldChanges(contact.name, contact, values);
    if (changes.length === 0) return again('Nothing has changed yet: edit a box, then propose the change.');
    const phoneChanged = changes.some((c) => c.phoneChanged);
    if (phoneChanged && d.phoneChecked !== 'true') return again('A new telephone number must be checked: call it, make sure it is the right service, then tick "I have called this number".');
    const next: Contact = { ...contact, ...Object.fromEntries(FIELDS.map((f) => [f, values[f] || undefined])), lastReviewed: this.deps.now().toISOString().slice(0, 10) } as Contact;
    const body = LiveReferralContent.bodyOf(live);
    const files = body as { contacts: { contacts: Record<string, unknown>[] } };
    const newBody = { ...body, contacts: { ...files.contacts, contacts: files.contacts.contacts.map((c) => (c.id === contact.id ? stripUndefined(next) : c)) } };
    try {
      this.deps.live.parse(newBody);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      return again(`That change is not valid, so nothing was saved: ${err.problems.map((p) => p.replace(/^content\/referral\/contacts\.json: contacts\[\d+\]\./, '')).join('; ')}.`);
    }
    const proposal = await this.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: this.deps.live.currentVersion,
      body: newBody,
      changes,
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.deps.now().toISOString(),
      ...(phoneChanged ? { phoneConfirmed: true } : {}),
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, contact: contact.id, phoneChanged }, turn.log);
    await this.askOthers(turn, proposal);
  }

  /** Every other lead gets the approval card; the proposer sees what they proposed. */
  private async askOthers(turn: ChatTurn, proposal: ContentProposal): Promise<void> {
    const others = (await this.deps.directory.leadObjectIds()).filter((id) => id !== turn.user.aadObjectId?.toLowerCase());
    let told = 0;
    for (const id of others) {
      try {
        if ((await this.deps.notifier.sendToPerson(id, { card: this.proposalCard(proposal, true), fallbackText: `A change to ${this.labelOf(proposal.set)} needs your approval` })) === 'sent') told++;
      } catch {
        // One lead we cannot reach does not stop the proposal; they can still type `content proposals`.
      }
    }
    await turn.send({ card: this.proposalCard(proposal, false), fallbackText: 'Change proposed' });
    await turn.send({
      text:
        told > 0
          ? `I have asked ${told === 1 ? 'another safeguarding lead' : `${told} other safeguarding leads`} to approve it. Staff keep seeing the current details until then.`
          : 'No other safeguarding lead could be told yet: ask one to type content proposals. Staff keep seeing the current details until it is approved.',
    });
  }

  private proposalCard(p: ContentProposal, canDecide: boolean): Record<string, unknown> {
    return renderCard('content/proposal', {
      heading: canDecide ? `A change to ${this.labelOf(p.set)} needs your approval` : 'Change proposed',
      intro: canDecide ? 'Check the change. You cannot approve a change you proposed yourself.' : 'Another safeguarding lead must approve this before staff see it.',
      changes: p.changes.map((c) => `- ${c.text}`).join('\n'),
      facts: [
        { title: 'Proposed by', value: p.proposedByName ?? 'a safeguarding lead' },
        { title: 'Proposed', value: new Date(p.proposedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' }) },
        { title: 'Based on version', value: String(p.basedOn) },
        ...(p.phoneConfirmed ? [{ title: 'New number', value: 'called by the proposer and confirmed as the right service' }] : []),
      ],
      id: p.id,
      canDecide,
    });
  }

  async proposals(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const open = (await Promise.all([REFERRAL_SET, ...this.sets.keys()].map((set) => this.deps.store.open(set)))).flat().sort((a, b) => b.proposedAt.localeCompare(a.proposedAt));
    if (open.length === 0) return turn.send({ text: 'No changes are waiting for approval.' });
    for (const p of open.slice(0, 10)) await turn.send({ card: this.proposalCard(p, p.proposedBy !== turn.user.aadObjectId), fallbackText: 'A proposed change' });
  }

  async decide(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    const parsed = decideSchema.safeParse(turn.value);
    if (!parsed.success || !turn.user.aadObjectId) return turn.send({ text: 'That button is out of date. Type content proposals to see what is waiting.' });
    const by = { aadObjectId: turn.user.aadObjectId, name: turn.principal.name ?? turn.user.name };
    const now = this.deps.now();
    const { proposal: id } = parsed.data;
    const set = this.setOf(id);
    if (!set) return turn.send({ text: 'I could not find that proposal.' });
    if (parsed.data.verb === 'content.decline') {
      const reason = (parsed.data.reason ?? '').trim();
      if (!reason) return turn.send({ text: 'Please give a reason in the box when you decline, so the proposer knows what to change.' });
      if (findPatientData(reason, now).kinds.length > 0) return turn.send({ text: 'Your reason looks like it contains patient details, so I have not saved it. Please reword it.' });
      const result = await this.deps.store.decline(set, id, by, reason, now);
      if (result === 'own') return this.ownRefused(turn, id);
      if (result !== 'declined') return turn.send({ text: 'That proposal has already been decided.' });
      await this.deps.audit.note(turn.user, 'content.declined', { proposal: id }, turn.log);
      const p = await this.deps.store.proposal(set, id);
      if (p) await this.tell(p.proposedBy, `${by.name ?? 'A safeguarding lead'} declined your change (${p.changes.map((c) => c.text).join('; ')}). Reason: ${reason}`);
      return turn.send({ text: 'Declined. I have told the proposer why. The live content has not changed.' });
    }
    const result = await this.deps.store.approve(set, id, by, now);
    if (result.outcome === 'own') return this.ownRefused(turn, id);
    if (result.outcome === 'missing') return turn.send({ text: 'I could not find that proposal.' });
    if (result.outcome === 'already') return turn.send({ text: `That proposal has already been ${result.proposal.status}.` });
    if (result.outcome === 'stale') {
      return turn.send({ text: `Another change went live first (now version ${result.current}), so this proposal would undo it. It has been withdrawn: the proposer can make the change again on the latest version.` });
    }
    await this.refreshSet(set);
    await this.deps.audit.note(turn.user, 'content.approved', { proposal: id, version: result.version.version }, turn.log);
    await this.tell(result.version.proposedBy, `${by.name ?? 'A safeguarding lead'} approved your change. Staff now see version ${result.version.version}: ${result.version.changes.map((c) => c.text).join('; ')}.`);
    await turn.send({ text: `Approved. Staff now see version ${result.version.version}.` });
  }

  private async ownRefused(turn: ChatTurn, id: string): Promise<void> {
    await this.deps.audit.note(turn.user, 'content.approval-refused', { proposal: id, reason: 'own proposal' }, turn.log);
    await turn.send({ text: 'You proposed this change, so another safeguarding lead must approve or decline it.' });
  }

  private async tell(aadObjectId: string, text: string): Promise<void> {
    try {
      await this.deps.notifier.sendToPerson(aadObjectId, { text });
    } catch {
      // The proposer will see the outcome in `content history`.
    }
  }

  async history(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const asked = turn.text.replace(/^\s*content history\s*/i, '').trim().toLowerCase();
    const set = asked === '' || asked === 'referral' ? REFERRAL_SET : [...this.sets.keys()].find((k) => k === asked || k.startsWith(asked));
    if (!set) return turn.send({ text: `I keep the history of the referral content${[...this.sets.keys()].map((k) => `, ${k}`).join('')}. Type, for example, content history ${[...this.sets.keys()][0] ?? 'referral'}.` });
    const versions = await this.deps.store.history(set);
    const live = this.liveVersion(set);
    const title = set === REFERRAL_SET ? 'Referral content history' : `History of ${this.labelOf(set)}`;
    await turn.send({
      card: renderCard('content/history', {
        heading: title,
        set,
        versions: versions.slice(0, 20).map((v) => ({
          version: String(v.version),
          live: v.version === live,
          heading: `Version ${v.version}${v.version === live ? ' (live)' : ''}, ${formatDate(v.approvedAt.slice(0, 10))}`,
          who: v.proposedBy === 'content files' ? 'From the content files' : `Proposed by ${v.proposedByName ?? 'a lead'}, approved by ${v.approvedByName ?? 'a lead'}${v.phoneConfirmed ? '; new number called and confirmed' : ''}`,
          changes: v.changes.map((c) => `- ${c.text}`).join('\n'),
        })),
      }),
      fallbackText: title,
    });
  }

  /** "Propose this version again": a rollback is a proposal too, approved by another lead. */
  async rollback(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    const parsed = rollbackSchema.safeParse(turn.value);
    const set = parsed.success ? (parsed.data.set ?? REFERRAL_SET) : undefined;
    if (set && set !== REFERRAL_SET && this.sets.has(set)) return this.rollbackSet(turn, set, parsed.data!.version);
    const old = parsed.success && set === REFERRAL_SET ? await this.deps.store.version(REFERRAL_SET, parsed.data.version) : undefined;
    if (!old) return turn.send({ text: 'I could not find that version. Type content history to see them.' });
    const current = this.deps.live.currentVersion;
    if (old.version === current) return turn.send({ text: `Version ${old.version} is the live version already.` });
    const live = this.deps.live.get();
    const before = new Map([...live.contacts.values()].map((c) => [c.id, c]));
    const after = this.deps.live.parse(old.body);
    const changes: ContentChange[] = [{ text: `Go back to version ${old.version} (from ${formatDate(old.approvedAt.slice(0, 10))})` }];
    for (const c of after.contacts.values()) {
      const was = before.get(c.id);
      if (was) changes.push(...fieldChanges(c.name, was, c));
    }
    const proposal = await this.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: current,
      body: old.body,
      changes,
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.deps.now().toISOString(),
      rollbackOf: old.version,
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: current, rollbackOf: old.version }, turn.log);
    await this.askOthers(turn, proposal);
  }

  /** A rollback of one of the other content sets: the earlier version's files, proposed again. */
  private async rollbackSet(turn: ChatTurn, set: string, version: number): Promise<void> {
    const live = this.sets.get(set)!;
    const old = await this.deps.store.version(set, version);
    if (!old) return turn.send({ text: `I could not find that version. Type content history ${set} to see them.` });
    if (old.version === live.currentVersion) return turn.send({ text: `Version ${old.version} is the live version already.` });
    const files = (old.body as { files?: SetFile[] }).files ?? [];
    const changes: ContentChange[] = [{ text: `Go back to version ${old.version} of ${live.def.label} (from ${formatDate(old.approvedAt.slice(0, 10))})` }, ...filesChanges(live.current, files)];
    const proposal = await this.deps.store.propose({
      set,
      basedOn: live.currentVersion,
      body: old.body,
      changes: changes.slice(0, 41),
      proposedBy: turn.user.aadObjectId!,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.deps.now().toISOString(),
      rollbackOf: old.version,
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, set, basedOn: live.currentVersion, rollbackOf: old.version }, turn.log);
    await this.askOthers(turn, proposal);
  }

  /**
   * A file of one of the other content sets sent in the 1:1 chat (a briefing, rules.json,
   * questionnaire.json, practices.json): validated by that capability's own loader, exactly as at
   * start-up, then a proposal like any other. False if it belongs to none of them.
   */
  private async setFile(turn: ChatTurn, file: { name: string; downloadUrl: string }): Promise<boolean> {
    const name = file.name.toLowerCase();
    if (!name.endsWith('.json') || this.sets.size === 0) return false;
    // By its name alone (before anything is downloaded): one of the set's files as they are now.
    const byName = [...this.sets.values()].some((l) => l.def.place(name, {}, l.current) !== undefined);
    if (!can(turn.principal, 'content.edit')) {
      if (!byName) return false;
      await this.refuse(turn, [...this.sets.values()].find((l) => l.def.place(name, {}, l.current) !== undefined)!.def.label);
      return true;
    }
    if (this.privateOnly(turn) || !turn.user.aadObjectId) {
      await turn.send({ text: 'Please send content files to me in our 1:1 chat.' });
      return true;
    }
    let value: unknown;
    try {
      value = JSON.parse(await downloadText(file.downloadUrl));
    } catch (err) {
      // Not readable: only answer for a name that can only be ours.
      if (!byName) return false;
      await turn.send({ text: err instanceof SyntaxError ? `${name} is not valid JSON (${err.message}). Nothing was changed.` : `I could not open ${name} (the download failed). Please send it again.` });
      return true;
    }
    const live = [...this.sets.values()].find((l) => l.def.place(name, value, l.current) !== undefined);
    if (!live) return false;
    const where = live.def.place(name, value, live.current)!;
    const before = live.current;
    const files = before.some((f) => f.path === where) ? before.map((f) => (f.path === where ? { path: where, json: value } : f)) : [...before, { path: where, json: value }];
    try {
      live.parse(files);
    } catch (err) {
      if (!(err instanceof SetContentError)) throw err;
      const shown = err.problems.slice(0, 15).map((p) => `- ${p}`).join('\n');
      await turn.send({ text: `That ${name} is not valid, so nothing was changed:\n\n${shown}${err.problems.length > 15 ? `\n- …and ${err.problems.length - 15} more` : ''}` });
      return true;
    }
    const changes = filesChanges(before, files);
    if (changes.length === 0) {
      await turn.send({ text: `That ${name} is the same as the live version of ${live.def.label}: nothing to propose.` });
      return true;
    }
    const proposal = await this.deps.store.propose({
      set: live.set,
      basedOn: live.currentVersion,
      body: { files },
      changes: [{ text: `content/${where} ${before.some((f) => f.path === where) ? 'replaced' : 'added'} from a file (${live.def.label})` }, ...changes.slice(0, 40)],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.deps.now().toISOString(),
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, set: live.set, basedOn: proposal.basedOn, file: where, changes: changes.length }, turn.log);
    await this.askOthers(turn, proposal);
    return true;
  }

  /**
   * A replacement for one of the content files (contacts.json, routes.json, pathway.json,
   * phrasing.json) sent in the 1:1 chat: validated exactly as at start-up, then a proposal like any
   * other. A file that changes a telephone number is refused: numbers change one at a time with
   * `edit contact`, where the proposer confirms they called it.
   */
  async file(turn: ChatTurn): Promise<boolean> {
    const file = (turn.files ?? []).find((f) => CONTENT_FILES.includes(f.name.toLowerCase() as (typeof CONTENT_FILES)[number]));
    if (!file) {
      const other = (turn.files ?? []).find((f) => f.name.toLowerCase().endsWith('.json'));
      return other ? this.setFile(turn, other) : false;
    }
    if (!can(turn.principal, 'content.edit')) {
      await this.refuse(turn);
      return true;
    }
    if (this.privateOnly(turn) || !turn.user.aadObjectId) {
      await turn.send({ text: 'Please send content files to me in our 1:1 chat.' });
      return true;
    }
    const name = file.name.toLowerCase() as (typeof CONTENT_FILES)[number];
    let value: unknown;
    try {
      value = JSON.parse(await downloadText(file.downloadUrl));
    } catch (err) {
      await turn.send({ text: err instanceof SyntaxError ? `${name} is not valid JSON (${err.message}). Nothing was changed.` : `I could not open ${name} (the download failed). Please send it again.` });
      return true;
    }
    const live = this.deps.live.get();
    const key = name.replace('.json', '') as 'contacts' | 'routes' | 'pathway' | 'phrasing';
    const body = { ...LiveReferralContent.bodyOf(live), [key]: value };
    let next;
    try {
      next = this.deps.live.parse(body);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      const shown = err.problems.slice(0, 15).map((p) => `- ${p}`).join('\n');
      await turn.send({ text: `That ${name} is not valid, so nothing was changed:\n\n${shown}${err.problems.length > 15 ? `\n- …and ${err.problems.length - 15} more` : ''}` });
      return true;
    }
    const changes: ContentChange[] = [];
    for (const c of next.contacts.values()) {
      const was = live.contacts.get(c.id);
      if (!was) changes.push({ text: `New contact: ${c.name}` });
      else changes.push(...fieldChanges(c.name, was, c));
    }
    for (const c of live.contacts.values()) if (!next.contacts.has(c.id)) changes.push({ text: `Contact removed: ${c.name}` });
    const routeIds = new Set(live.routes.map((r) => r.id));
    for (const r of next.routes) {
      const was = live.route(r.id);
      if (!was) changes.push({ text: `New route: ${r.title}` });
      else if (JSON.stringify(was) !== JSON.stringify(r)) changes.push({ text: `Route changed: ${r.title}` });
      routeIds.delete(r.id);
    }
    for (const id of routeIds) changes.push({ text: `Route removed: ${live.route(id)!.title}` });
    if (JSON.stringify(live.pathway) !== JSON.stringify(next.pathway)) changes.push({ text: 'The pathway (first steps, audiences, home areas) changed' });
    if (JSON.stringify(live.phrasing) !== JSON.stringify(next.phrasing)) changes.push({ text: 'Phrasing (synonyms, off-topic examples) changed' });
    if (changes.length === 0) {
      await turn.send({ text: `That ${name} is the same as the live content: nothing to propose.` });
      return true;
    }
    const numbers = changes.filter((c) => c.phoneChanged);
    if (numbers.length > 0) {
      await turn.send({
        text: `That ${name} changes a telephone number (${numbers.map((c) => c.text).join('; ')}). Nothing was proposed: change numbers one at a time with edit contact, where you confirm you have called the new number.`,
      });
      return true;
    }
    const proposal = await this.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: this.deps.live.currentVersion,
      body,
      changes: [{ text: `${name} replaced from a file` }, ...changes.slice(0, 40)],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: this.deps.now().toISOString(),
    });
    await this.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, file: name, changes: changes.length }, turn.log);
    await this.askOthers(turn, proposal);
    return true;
  }

  /** `audit log [kind or name]`: the latest privileged actions, this month and last, with a CSV link (src/audit/log.ts). */
  async auditLog(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) return this.refuse(turn);
    if (this.privateOnly(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    const filter = turn.text.replace(/^\s*audit log\s*/i, '').trim().toLowerCase();
    const now = this.deps.now();
    const link = this.deps.exports.link('audit', { months: auditMonths(now).join(',') }, turn.user.aadObjectId);
    await turn.send({ text: await auditLogText(this.deps.audit, filter, now, link) });
  }
}

/** What differs between two versions of a contact, in words ("<name> telephone: old → new"); a changed number is marked. */
function fieldChanges(name: string, before: Partial<Record<(typeof FIELDS)[number], string>>, after: Partial<Record<(typeof FIELDS)[number], string>>): ContentChange[] {
  return FIELDS.filter((f) => (before[f] || undefined) !== (after[f] || undefined)).map((f) => ({
    text: `${name} ${LABELS[f]}: ${before[f] || '(none)'} → ${after[f] || '(none)'}`,
    ...(f === 'phone' ? { phoneChanged: true } : {}),
  }));
}

/** What differs between two versions of a set's files, leaf by leaf. */
function filesChanges(before: SetFile[], after: SetFile[]): ContentChange[] {
  const was = new Map(before.map((f) => [f.path, f.json]));
  const out: ContentChange[] = [];
  for (const f of after) {
    if (!was.has(f.path)) out.push({ text: `New file: content/${f.path}` });
    else out.push(...jsonChanges(f.path, was.get(f.path), f.json));
  }
  for (const f of before) if (!after.some((a) => a.path === f.path)) out.push({ text: `File removed: content/${f.path}` });
  return out;
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The content capability's own timer: how often the monthly review run is looked for; 0 or absent means off (tests call run). */
export interface ContentTimers {
  reviewIntervalMs?: number;
}

export function createContentCapability(service: ContentService, reviews: ContentReviews, timers: ContentTimers = {}): Capability {
  let timer: NodeJS.Timeout | undefined;
  const running = new Set<Promise<unknown>>();
  return {
    name: 'content',
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
    commands: [
      { name: 'edit contact', permission: 'content.edit', privileged: true, description: 'Propose a change to a referral contact', patterns: [/^\s*edit contacts?\s*$/i], handle: (t) => service.contacts(t) },
      {
        name: 'edit route',
        permission: 'content.edit',
        privileged: true,
        usage: 'edit route',
        // No welcome-card button (like edit contact): the lead's card keeps its everyday actions; help lists it.
        description: "Propose a change to a referral route's steps, contacts or follow-up",
        patterns: [/^\s*edit routes?\s*$/i],
        handle: (t) => service.routes(t),
      },
      { name: 'content proposals', permission: 'content.edit', privileged: true, description: 'Changes to the referral content waiting for approval', patterns: [/^\s*content proposals?\s*$/i], handle: (t) => service.proposals(t) },
      {
        name: 'content history',
        permission: 'content.edit',
        privileged: true,
        usage: 'content history [briefings, training or assessment]',
        description: 'Every version of the referral content, briefing library, training rules or self-assessment',
        patterns: [/^\s*content history(\s+[a-z-]+)?\s*$/i],
        handle: (t) => service.history(t),
      },
      { name: 'audit log', permission: 'content.edit', privileged: true, usage: AUDIT_USAGE, description: 'Who did what: content, briefings, imports, training, assessments, downloads, refusals; with a CSV', patterns: [/^\s*audit log\b.*$/i], handle: (t) => service.auditLog(t) },
    ],
    actions: [
      { verb: 'content.contact.edit', handle: (t) => service.edit(t) },
      { verb: 'content.contact.propose', handle: (t) => service.propose(t) },
      { verb: 'content.approve', handle: (t) => service.decide(t) },
      { verb: 'content.decline', handle: (t) => service.decide(t) },
      { verb: 'content.rollback', handle: (t) => service.rollback(t) },
      { verb: 'content.review.confirm', handle: (t) => reviews.confirm(t) },
      { verb: 'content.route.edit', handle: (t) => service.editRoute(t) },
      { verb: 'content.route.propose', handle: (t) => service.proposeRoute(t) },
    ],
    // Before the imports (which answer every file): a content file sent by a lead is a proposal.
    onUnrecognised: (t) => service.file(t),
  };
}
