import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { describeFinding, findPatientData } from '../privacy/patientData';
import { ContentError } from '../referral/content';
import { editRouteCard, routesCard, type RouteFormValues } from './cards';
import { inSharedChat, type ContentContext } from './context';
import { LiveReferralContent, REFERRAL_SET } from './live';
import type { Proposals } from './proposals';
import { applyRouteForm, routeChanges, routeProblem, type RawRoute, type RouteForm } from './routeEdit';
import { CONTENT_VERBS } from './verbs';

/**
 * `edit route`: a lead changes a route's steps, contacts or follow-up reminder in a form (see
 * ./routeEdit.ts for the form and the difference in words). Every box is screened for patient
 * details, the whole content is validated as at start-up, then it is a proposal.
 */
export const editRouteSchema = z.object({ verb: z.literal(CONTENT_VERBS.routeEdit), route: z.string().max(80) });

export class RouteEdits {
  constructor(
    private readonly ctx: ContentContext,
    private readonly proposals: Proposals,
  ) {}

  /** `edit route`: a picker of every route. */
  async list(turn: ChatTurn): Promise<void> {
    if (!this.ctx.can(turn)) return this.ctx.refuse(turn);
    if (inSharedChat(turn)) return turn.send({ text: 'Please ask me in our 1:1 chat.' });
    await turn.send({ card: routesCard(this.ctx.deps.live.get(), this.ctx.deps.live.currentVersion), fallbackText: 'Edit a route' });
  }

  /** The route as stored in the live version (the JSON of routes.json, without defaults filled in). */
  private rawRoute(id: string): RawRoute | undefined {
    const files = LiveReferralContent.bodyOf(this.ctx.deps.live.get()) as { routes?: { routes?: RawRoute[] } };
    return files.routes?.routes?.find((r) => r.id === id);
  }

  private card(raw: RawRoute, form: RouteFormValues | undefined, problem = '', extra = 0): Record<string, unknown> {
    return editRouteCard(this.ctx.deps.live.get(), this.ctx.deps.live.currentVersion, raw, form, problem, extra);
  }

  /** A route chosen in the picker, or "Change it" on the review card: the route's editing card. */
  async edit(turn: ChatTurn, data: z.output<typeof editRouteSchema>): Promise<void> {
    if (inSharedChat(turn)) return this.editInvalid(turn);
    const raw = this.rawRoute(data.route);
    if (!raw) return this.editInvalid(turn);
    await turn.send({ card: this.card(raw, undefined), fallbackText: `Change: ${raw.title}` });
  }

  async editInvalid(turn: ChatTurn): Promise<void> {
    if (inSharedChat(turn)) return turn.send({ text: 'Please change content in our 1:1 chat.' });
    await turn.send({ text: 'That route is no longer in the content. Type edit route to see the current list.' });
  }

  async propose(turn: ChatTurn, form: RouteForm): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return this.proposeInvalid(turn);
    const raw = this.rawRoute(form.route);
    if (!raw) return this.proposeInvalid(turn);
    const { live } = this.ctx.deps;
    if (form.basedOn !== live.currentVersion) {
      return turn.send({ card: this.card(raw, undefined, 'The content changed since you opened this form (another change was approved). Here is the latest route: make your change again.'), fallbackText: 'The content changed' });
    }
    // Every box is free text: the one patient-data screen for what was typed (the approved wording
    // is not screened again). A flagged box is emptied, never echoed back.
    const now = this.ctx.deps.now();
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
        return turn.send({ card: this.card(raw, form, `${b.label} looks like it contains patient details (${describeFinding(finding)}). A route must never contain patient details. Nothing was saved.`), fallbackText: 'Patient details found' });
      }
    }
    const again = (problem: string) => turn.send({ card: this.card(raw, form, problem), fallbackText: problem });
    if (form.more) return turn.send({ card: this.card(raw, form, '', 3), fallbackText: `Change: ${raw.title}` });
    const made = applyRouteForm(raw, form, now.toISOString().slice(0, 10));
    if ('problem' in made) return again(`${made.problem} Nothing was saved.`);
    const content = live.get();
    const changes = routeChanges(raw, made.route, content);
    if (changes.length === 0) return again('Nothing has changed yet: edit a box, then propose the change.');
    const body = LiveReferralContent.bodyOf(content);
    const files = body as { routes: { routes: RawRoute[] } };
    const newBody = { ...body, routes: { ...files.routes, routes: files.routes.routes.map((r) => (r.id === raw.id ? made.route : r)) } };
    try {
      live.parse(newBody);
    } catch (err) {
      if (!(err instanceof ContentError)) throw err;
      return again(`That change is not valid, so nothing was saved: ${err.problems.map(routeProblem).join('; ')}.`);
    }
    const proposal = await this.ctx.deps.store.propose({
      set: REFERRAL_SET,
      basedOn: live.currentVersion,
      body: newBody,
      changes: [{ text: `Route: ${raw.title}` }, ...changes],
      proposedBy: turn.user.aadObjectId,
      proposedByName: turn.principal.name ?? turn.user.name,
      proposedAt: now.toISOString(),
    });
    await this.ctx.deps.audit.note(turn.user, 'content.proposed', { proposal: proposal.id, basedOn: proposal.basedOn, route: raw.id, changes: changes.length }, turn.log);
    await this.proposals.askOthers(turn, proposal);
  }

  /** An old or tampered form, or one sent outside the 1:1 chat. */
  async proposeInvalid(turn: ChatTurn): Promise<void> {
    if (inSharedChat(turn) || !turn.user.aadObjectId) return turn.send({ text: 'Please propose changes in our 1:1 chat.' });
    await turn.send({ text: 'That form is out of date. Type edit route to start again.' });
  }
}
