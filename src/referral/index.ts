import { z } from 'zod';
import type { Capability, ChatTurn, Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import { can } from '../people/roles';
import { containsPatientData } from '../privacy/patientData';
import type { Store } from '../storage/store';
import {
  areaPickerCard,
  audienceCard,
  choicesCard,
  contactDetail,
  dangerCard,
  followUpCard,
  formatDate,
  formatDateTime,
  homeAreaCard,
  kindsCard,
  madeCard,
  outOfAreaCard,
  routeCard,
  whoCard,
} from './cards';
import { AUDIENCES, overdueForReview, type HomeArea, type ReferralContent } from './content';
import { FollowUpStore } from './followUps';
import { Understander } from './understand';

/**
 * "What to do if you're worried": the guided journey to a referral route, free-text search over
 * the routes, and the follow-up reminder after a referral.
 */
export interface ReferralDeps {
  /** The content, or where to get the live version each turn (src/content/live.ts). */
  content: ReferralContent | (() => ReferralContent);
  store: Store;
  notifier: Notifier;
  log: Logger;
  now?: () => Date;
}

const areaId = z.string().max(80).optional();
const stepSchema = z.discriminatedUnion('step', [
  z.object({ verb: z.literal('referral.step'), step: z.literal('danger') }),
  z.object({ verb: z.literal('referral.step'), step: z.literal('who') }),
  z.object({ verb: z.literal('referral.step'), step: z.literal('kind'), audience: z.enum(AUDIENCES), area: areaId }),
  z.object({ verb: z.literal('referral.step'), step: z.literal('route'), route: z.string().max(80), audience: z.enum(AUDIENCES).optional(), area: areaId }),
  z.object({ verb: z.literal('referral.step'), step: z.literal('elsewhere'), audience: z.union([z.enum(AUDIENCES), z.literal('')]).optional() }),
]);
const areaSchema = z.object({ verb: z.literal('referral.area'), area: z.string().trim().max(120).optional(), audience: z.enum(['child', 'adult']).optional() });
const madeSchema = z.object({ verb: z.literal('referral.made'), route: z.string().max(80) });
const recordSchema = z.object({
  verb: z.literal('referral.record'),
  route: z.string().max(80),
  reference: z
    .string()
    .trim()
    .max(40, 'Your reference can be at most 40 characters.')
    .regex(/^[A-Za-z0-9 /_.:#-]*$/, 'Your reference can only contain letters, numbers, spaces and / _ . : # -')
    .optional(),
});
const feedbackSchema = z.object({ verb: z.literal('referral.feedback'), referralId: z.string().uuid() });

export class ReferralService {
  readonly followUps: FollowUpStore;
  private understood?: { content: ReferralContent; understander: Understander };
  private readonly now: () => Date;

  constructor(private readonly deps: ReferralDeps) {
    this.followUps = new FollowUpStore(deps.store);
    this.now = deps.now ?? (() => new Date());
  }

  private get content(): ReferralContent {
    return typeof this.deps.content === 'function' ? this.deps.content() : this.deps.content;
  }

  /** The matcher for the live content, rebuilt once when a new version is approved. */
  private get understander(): Understander {
    const content = this.content;
    if (this.understood?.content !== content) this.understood = { content, understander: new Understander(content) };
    return this.understood.understander;
  }

  /** In a channel or group chat: the 999 line at once, the detail privately. */
  private async moveToPrivate(turn: ChatTurn): Promise<void> {
    const sent = turn.user.aadObjectId ? await this.deps.notifier.sendToPerson(turn.user.aadObjectId, { card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' }) : 'no-conversation';
    await turn.send({
      text:
        `${this.content.pathway.immediateDanger} ` +
        (sent === 'sent' ? 'I have sent you the step-by-step referral guide in our 1:1 chat.' : 'For the step-by-step referral guide, open a 1:1 chat with me and type worried.'),
    });
  }

  async start(turn: ChatTurn): Promise<void> {
    if (turn.conversation.kind !== 'personal') return this.moveToPrivate(turn);
    await turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
  }

  async step(turn: ChatTurn): Promise<void> {
    const parsed = stepSchema.safeParse(turn.value);
    if (!parsed.success) return this.stale(turn);
    const s = parsed.data;
    if (s.step === 'danger') return turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
    if (s.step === 'who') return turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
    if (s.step === 'elsewhere') return turn.send({ card: areaPickerCard(this.content, s.audience || undefined), fallbackText: 'Where does the person live?' });
    const home = this.homeArea(s.area);
    if (home === 'unknown') return this.stale(turn);
    if (s.step === 'kind') {
      if (!home) return turn.send({ card: homeAreaCard(this.content, { step: 'kind', audience: s.audience }), fallbackText: 'Where does the person live?' });
      return turn.send({ card: kindsCard(this.content, s.audience, home), fallbackText: 'What is your concern about?' });
    }
    const route = this.content.route(s.route);
    if (!route) return this.stale(turn);
    if (!home) return turn.send({ card: homeAreaCard(this.content, { step: 'route', route, audience: s.audience }), fallbackText: 'Where does the person live?' });
    await turn.send({ card: routeCard(this.content, route, s.audience, home), fallbackText: route.title });
  }

  /**
   * The home area a button names; with a single home area it is always that one. Undefined means
   * "ask where the person lives" (several home areas, none chosen); 'unknown' is a stale button.
   */
  private homeArea(id: string | undefined): HomeArea | undefined | 'unknown' {
    const homes = this.content.pathway.homeAreas;
    if (homes.length <= 1) return homes[0];
    if (!id) return undefined;
    return homes.find((h) => h.id === id) ?? 'unknown';
  }

  /** The "somewhere else in England" picker was submitted. */
  async area(turn: ChatTurn): Promise<void> {
    const parsed = areaSchema.safeParse(turn.value);
    if (!parsed.success) return this.stale(turn);
    const audience = parsed.data.audience;
    const area = parsed.data.area ? this.understander.places.area(parsed.data.area) : undefined;
    if (!area) {
      await turn.send({ text: 'Please choose the council area from the list (start typing its name).' });
      return turn.send({ card: areaPickerCard(this.content, audience), fallbackText: 'Where does the person live?' });
    }
    const home = this.content.pathway.homeAreas.find((h) => h.councilAreas.some((n) => n.toLowerCase() === area.name.toLowerCase()));
    if (home) {
      if (!audience) return turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
      return turn.send({ card: kindsCard(this.content, audience, home), fallbackText: 'What is your concern about?' });
    }
    turn.log.info({ area: area.name }, 'out-of-area page shown');
    await turn.send({ card: outOfAreaCard(this.content, area, audience), fallbackText: `Someone who lives in ${area.name}` });
  }

  /** A button from an older version of the content, or tampered data. */
  private async stale(turn: ChatTurn): Promise<void> {
    await turn.send({ text: 'That option is no longer available, because the referral guidance has been updated. Here is the latest version.' });
    await turn.send({ card: dangerCard(this.content), fallbackText: 'Is anyone in immediate danger?' });
  }

  async made(turn: ChatTurn): Promise<void> {
    const parsed = madeSchema.safeParse(turn.value);
    const route = parsed.success ? this.content.route(parsed.data.route) : undefined;
    if (!route?.followUp) return this.stale(turn);
    await turn.send({ card: madeCard(route), fallbackText: 'Set a follow-up reminder' });
  }

  async record(turn: ChatTurn): Promise<void> {
    const parsed = recordSchema.safeParse(turn.value);
    if (!parsed.success) {
      const message = parsed.error.issues.find((i) => i.path[0] === 'reference')?.message;
      if (message) return turn.send({ text: `${message} Nothing was saved; please try again.` });
      return this.stale(turn);
    }
    const route = this.content.route(parsed.data.route);
    if (!route?.followUp) return this.stale(turn);
    const reference = parsed.data.reference || undefined;
    if (reference && (containsPatientData(reference) || /\d{10}/.test(reference.replace(/\D/g, '')))) {
      return turn.send({ text: 'That reference looks like it could identify a patient, so I have not saved it. Use your own log number, or leave it blank.' });
    }
    if (!turn.user.aadObjectId) return turn.send({ text: 'I cannot set reminders in this chat. Please use a 1:1 chat with me in Teams.' });
    const now = this.now();
    const f = await this.followUps.record(turn.user.aadObjectId, route.id, route.followUp.afterHours, reference, now);
    turn.log.info({ route: route.id, followUp: f.id }, 'referral follow-up recorded');
    await turn.send({
      card: followUpCard({
        heading: 'Reminder set',
        message: `I will remind you on ${formatDateTime(new Date(f.dueAt))} to check for feedback. Press "Feedback received" when it arrives and I will not remind you.`,
        referralId: f.id,
        route,
        madeAt: now,
        reference,
      }),
      fallbackText: 'Reminder set',
    });
  }

  async feedback(turn: ChatTurn): Promise<void> {
    const parsed = feedbackSchema.safeParse(turn.value);
    if (!parsed.success || !turn.user.aadObjectId) return turn.send({ text: 'I could not find that referral. Type "feedback received" to see your open referrals.' });
    const result = await this.followUps.feedbackReceived(turn.user.aadObjectId, parsed.data.referralId, this.now());
    await turn.send({
      text:
        result === 'updated'
          ? 'Thank you. I have noted that feedback arrived, and I will not remind you about this referral.'
          : result === 'already'
            ? 'You have already told me feedback arrived for this referral.'
            : 'I could not find that referral.',
    });
  }

  /** "feedback received" typed: closes the most recent open follow-up. */
  async feedbackByText(turn: ChatTurn): Promise<void> {
    const open = turn.user.aadObjectId ? await this.followUps.open(turn.user.aadObjectId) : [];
    if (open.length === 0) return turn.send({ text: 'You have no referrals waiting for feedback.' });
    const latest = open[0]!;
    await this.followUps.feedbackReceived(latest.aadObjectId, latest.id, this.now());
    const route = this.content.route(latest.routeId);
    await turn.send({
      text: `Thank you. I have noted feedback for your referral (${route?.title ?? latest.routeId}, made ${formatDateTime(new Date(latest.madeAt))}) and will not remind you about it.${open.length > 1 ? ` You have ${open.length - 1} more waiting for feedback.` : ''}`,
    });
  }

  /**
   * Free text: who and what it is about (see understand.ts), then the route, a "which of these"
   * card, the child-or-adult question, another council's page, or the menu.
   */
  async freeText(turn: ChatTurn): Promise<boolean> {
    if (!turn.text) return false;
    const u = this.understander.understand(turn.text);
    if (u.kind === 'off-topic' && !u.unsure) return false; // not a safeguarding question: the menu
    if (turn.conversation.kind !== 'personal') {
      await this.moveToPrivate(turn);
      return true;
    }
    turn.log.info({ understood: u.kind, route: u.kind === 'route' ? u.route.id : undefined }, 'free text understood');
    switch (u.kind) {
      case 'route':
        if (!u.home) await turn.send({ card: homeAreaCard(this.content, { step: 'route', route: u.route, audience: u.audience }), fallbackText: 'Where does the person live?' });
        else await turn.send({ card: routeCard(this.content, u.route, u.audience, u.home), fallbackText: u.route.title });
        return true;
      case 'choices':
        await turn.send({ card: choicesCard(this.content, u.routes, u.audience, u.home), fallbackText: 'Which of these fits best?' });
        return true;
      case 'ask-audience':
        await turn.send({ card: audienceCard(this.content, u.options, u.home), fallbackText: 'Is this about a child or an adult?' });
        return true;
      case 'out-of-area':
        await turn.send({ card: outOfAreaCard(this.content, u.area, u.audience, u.topic), fallbackText: `Someone who lives in ${u.area.name}` });
        return true;
      case 'audience-only':
        if (!u.home) await turn.send({ card: homeAreaCard(this.content, { step: 'kind', audience: u.audience }), fallbackText: 'Where does the person live?' });
        else await turn.send({ card: kindsCard(this.content, u.audience, u.home), fallbackText: 'What is your concern about?' });
        return true;
      case 'off-topic': {
        const team = this.content.contacts.get(this.content.pathway.safeguardingTeamContact)!;
        await turn.send({
          text: `I am not sure which referral route fits that. Choose who you are worried about below${team.confirmed ? `, or contact ${team.name}: ${contactDetail(team)}` : ', or talk to your safeguarding team or manager'}.`,
        });
        await turn.send({ card: whoCard(this.content), fallbackText: 'Who are you worried about?' });
        return true;
      }
    }
  }

  async review(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'referral.review')) {
      turn.log.info({ permission: 'referral.review' }, 'refused');
      return turn.send({ text: 'Only safeguarding leads can see the content review list.' });
    }
    const overdue = overdueForReview(this.content, this.now());
    if (overdue.length === 0) return turn.send({ text: 'All referral routes and contacts are within their review dates.' });
    // A card: what is past its review date (with the date, in words) apart from what was never filled in.
    const label = (o: (typeof overdue)[number]) => `${o.kind === 'route' ? 'Route' : 'Contact'}: ${o.title}`;
    const late = overdue.filter((o) => !o.missing).sort((a, b) => a.due.localeCompare(b.due));
    const unfinished = overdue.filter((o) => o.missing);
    const section = (heading: string, note: string, rows: { title: string; value: string }[]) =>
      rows.length === 0
        ? []
        : [
            { type: 'TextBlock', text: `${heading} (${rows.length})`, weight: 'Bolder', wrap: true, spacing: 'Medium', separator: true },
            { type: 'TextBlock', text: note, wrap: true, isSubtle: true, size: 'Small', spacing: 'None' },
            ...rows.map((r) => ({
              type: 'ColumnSet',
              spacing: 'Small',
              columns: [
                { type: 'Column', width: 'stretch', items: [{ type: 'TextBlock', text: r.title, wrap: true }] },
                { type: 'Column', width: 'auto', items: [{ type: 'TextBlock', text: r.value, wrap: true, color: 'Attention', size: 'Small' }] },
              ],
            })),
          ];
    const card = {
      type: 'AdaptiveCard',
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      version: '1.5',
      body: [
        { type: 'TextBlock', text: 'Referral content to review', size: 'Large', weight: 'Bolder', wrap: true, style: 'heading' },
        { type: 'TextBlock', text: `${late.length} past the review date, ${unfinished.length} not yet filled in. Staff still see these; check them against the source and update the content.`, wrap: true, isSubtle: true },
        ...section('Review overdue', 'Oldest first.', late.map((o) => ({ title: label(o), value: `(review overdue since ${formatDate(o.due)})` }))),
        ...section('Not yet filled in', 'Staff are shown the MASH, SPA and 999/101 instead until these are added.', unfinished.map((o) => ({ title: label(o), value: 'Not filled in' }))),
      ],
    };
    await turn.send({
      card,
      fallbackText: `Content to review: ${late.length} overdue, ${unfinished.length} not yet filled in`,
    });
  }

  /** Sends every reminder that is due; each is claimed by etag so it goes out once. */
  async sendDueReminders(): Promise<{ sent: number; skipped: number }> {
    const now = this.now();
    let sent = 0;
    let skipped = 0;
    for (const f of await this.followUps.due(now)) {
      const claimed = await this.followUps.claim(f, now);
      if (!claimed) {
        skipped++;
        continue;
      }
      const route = this.content.route(f.routeId);
      if (!route) {
        await this.followUps.markReminded(claimed, now);
        continue;
      }
      const contact = route.followUp ? this.content.contacts.get(route.followUp.contact) : undefined;
      let result: 'sent' | 'no-conversation';
      try {
        result = await this.deps.notifier.sendToPerson(f.aadObjectId, {
          card: followUpCard({
            heading: 'Have you had feedback on your referral?',
            message: route.followUp?.message ?? 'Please check whether you have had feedback on your referral.',
            referralId: f.id,
            route,
            madeAt: new Date(f.madeAt),
            reference: f.reference,
            contact,
          }),
          fallbackText: 'Have you had feedback on your referral?',
        });
      } catch (err) {
        // Left claimed: another run retries it once the claim times out.
        this.deps.log.warn({ followUp: f.id, err: { message: (err as Error).message } }, 'referral reminder not delivered; will retry');
        continue;
      }
      await this.followUps.markReminded(claimed, now);
      if (result === 'sent') sent++;
      else this.deps.log.warn({ followUp: f.id }, 'no conversation to send the referral reminder to');
    }
    return { sent, skipped };
  }
}

export function createReferralCapability(service: ReferralService): Capability {
  return {
    name: 'referral',
    commands: [
      {
        name: 'worried',
        description: 'Find the right referral route for a child or an adult, step by step',
        patterns: [/^\s*(i'?m\s+)?worried\s*$/i, /^\s*what to do if you'?re worried\s*$/i, /^\s*refer(ral)?s?\s*$/i],
        handle: (turn) => service.start(turn),
      },
      {
        name: 'feedback received',
        description: 'Tell me feedback arrived on your latest referral',
        patterns: [/^\s*feedback (received|arrived)\s*\.?\s*$/i],
        handle: (turn) => service.feedbackByText(turn),
      },
      {
        name: 'content review',
        description: 'Routes and contacts due for review (safeguarding leads)',
        patterns: [/^\s*content review\s*$/i],
        handle: (turn) => service.review(turn),
      },
    ],
    actions: [
      { verb: 'referral.step', handle: (turn) => service.step(turn) },
      { verb: 'referral.made', handle: (turn) => service.made(turn) },
      { verb: 'referral.record', handle: (turn) => service.record(turn) },
      { verb: 'referral.feedback', handle: (turn) => service.feedback(turn) },
      { verb: 'referral.area', handle: (turn) => service.area(turn) },
    ],
    onUnrecognised: (turn) => service.freeText(turn),
  };
}
