import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../audit';
import { z } from 'zod';
import { md } from '../cards/markdown';
import { renderCard } from '../cards/render';
import type { Capability, ChatTurn, Notifier, ReadReceipt, Reply } from '../chat/types';
import type { Logger } from '../logging/logger';
import { CURRENT, type PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { containsPatientData, describeFinding, findPatientData, type PatientDataKind } from '../privacy/patientData';
import { inBackground } from '../storage/deadline';
import { BIG_PAGE, forEachPage, type Store } from '../storage/store';
import { briefingCard, briefingSummary, percent, progressReply, type CardButton } from './cards';
import { briefingContentSchema, searchBriefings, type BriefingContent, type LibraryBriefing } from './content';
import { DeliveryEngine, tallyDeliveries } from './engine';
import { fromUkTime, ukLabel, ukWallClock } from './schedule';
import { BriefingStore, FAILURE_LABELS, type Audience, type BriefingDoc, type DeliveryDoc, type FailureReason } from './store';

/**
 * 7-minute briefings: staff read and acknowledge them; safeguarding leads write or pick one,
 * choose an audience, send or schedule it, watch it go out and chase who has not read it.
 */
export interface BriefingsDeps {
  store: Store;
  directory: PeopleDirectory;
  notifier: Notifier;
  log: Logger;
  library: LibraryBriefing[];
  staffGroups: { id: string; label: string }[];
  practices: { code: string; name: string }[];
  broadcast: { messagesPerSecond: number; retryBaseMs: number; leaseMs?: number };
  /** Sends, schedules, changes of time, cancellations and reminders are recorded here (ids and counts only). */
  audit: AuditTrail;
  now?: () => Date;
}

const REMIND_INTERVAL_MS = 24 * 3600_000;
const DELIVERY_PLACEHOLDER = '@@delivery-id@@';
const people = (n: number) => `${n.toLocaleString('en-GB')} ${n === 1 ? 'person' : 'people'}`;
const id = z.string().min(1).max(100);
const draftRef = z.object({ draftId: id });
const briefingRef = z.object({ briefingId: id });
const openSchema = z.object({ ref: z.string().regex(/^(library|sent):[A-Za-z0-9-]{1,100}$/) });
const ackSchema = z.object({ briefingId: id, deliveryId: id });
const multi = z
  .string()
  .max(20_000)
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
const audienceSchema = z.object({ draftId: id, kind: z.enum(['everyone', 'teams', 'staffGroups', 'practices'], { message: 'Choose who should get the briefing.' }), teams: multi, staffGroups: multi, practices: multi });
const scheduledRef = z.object({ briefingId: id, sendAt: z.string().max(40).optional() });
const rescheduleSchema = scheduledRef.extend({ date: z.string().max(20).optional(), time: z.string().max(20).optional(), confirmed: z.literal('yes').optional() });
const sendSchema = z.object({ draftId: id, when: z.enum(['now', 'later']), date: z.string().max(20).optional(), time: z.string().max(20).optional(), confirmed: z.literal('yes').optional() });
const lines = (v: string | undefined) => (v ?? '').split('\n').map((s) => s.trim()).filter(Boolean);
const editSchema = z.object({
  draftId: z.string().max(100).optional(),
  title: z.string().max(200).optional(),
  tags: z.string().max(400).optional(),
  background: z.string().max(2000).optional(),
  whyItMatters: z.string().max(2000).optional(),
  keyPoints: z.string().max(2000).optional(),
  remember: z.string().max(3000).optional(),
  whatToDo: z.string().max(3000).optional(),
  reflection: z.string().max(2000).optional(),
  links: z.string().max(3000).optional(),
});

const FIELD_LABELS: Record<string, string> = {
  title: 'Title',
  tags: 'Topics',
  background: 'Background',
  whyItMatters: 'Why it matters',
  keyPoints: 'Key points',
  remember: 'Things to remember',
  whatToDo: 'What to do',
  reflection: 'Questions for reflection',
  furtherInformation: 'Further information',
};

export class BriefingsService {
  readonly store: BriefingStore;
  readonly engine: DeliveryEngine;
  private readonly now: () => Date;
  private renderedFor?: { key: string; json: string };

  constructor(private readonly deps: BriefingsDeps) {
    this.store = new BriefingStore(deps.store);
    this.now = deps.now ?? (() => new Date());
    this.engine = new DeliveryEngine(
      {
        store: this.store,
        directory: deps.directory,
        notifier: deps.notifier,
        log: deps.log,
        now: this.now,
        deliveryCard: (b, d) => this.deliveryReply(b, d),
        progressCard: (b, counts, done) => progressReply(b, counts, done),
      },
      deps.broadcast,
    );
  }

  /** The recipient's card: rendered once per briefing version, then only the delivery id differs. */
  private deliveryReply(b: BriefingDoc, d: DeliveryDoc): Reply {
    const key = `${b.id}@${b.version}`;
    if (this.renderedFor?.key !== key) {
      const card = briefingCard(b.content, { ack: { briefingId: b.id, deliveryId: DELIVERY_PLACEHOLDER }, footer: `From ${md(b.author.name)}, safeguarding team.` });
      this.renderedFor = { key, json: JSON.stringify(card) };
    }
    return { card: JSON.parse(this.renderedFor.json.replace(DELIVERY_PLACEHOLDER, d.id)) as Record<string, unknown>, fallbackText: briefingSummary(b.content) };
  }

  // ---- Staff: read and acknowledge ----

  async list(turn: ChatTurn, query = ''): Promise<void> {
    const isLead = can(turn.principal, 'briefings.send');
    const sent = await this.store.list({ status: ['sending', 'sent'] }, 30);
    const all = [
      ...sent.map((b) => ({ ref: `sent:${b.id}`, content: b.content, subtitle: `Sent ${ukLabel(new Date(b.startedAt ?? b.updatedAt))}` })),
      ...this.deps.library.map((b) => ({ ref: `library:${b.id}`, content: b as BriefingContent, subtitle: `Library · ${b.tags.join(', ')}` })),
    ];
    const found = searchBriefings(all, query).slice(0, 12);
    await turn.send({
      card: renderCard('briefings/list', {
        heading: '7-minute briefings',
        showSearch: true,
        intro: query ? `Briefings matching "${query}"` : 'Recent briefings first, then the library. Open one to read it.',
        query,
        items: found.map((f) => ({ title: f.content.title, subtitle: f.subtitle, button: 'Open', data: { verb: 'briefings.open', ref: f.ref } })),
        empty: found.length ? '' : `No briefing matches "${query}". Try fewer or different words.`,
        leadActions: isLead
          ? [
              { title: 'Write a new briefing', data: { verb: 'briefings.new' } },
              { title: 'My drafts', data: { verb: 'menu', command: 'briefing drafts' } },
              { title: 'Reports', data: { verb: 'menu', command: 'briefing reports' } },
            ]
          : [],
      }),
      fallbackText: found.map((f) => f.content.title).join('; '),
    });
  }

  async search(turn: ChatTurn): Promise<void> {
    const parsed = z.object({ query: z.string().max(100).optional() }).safeParse(turn.value);
    await this.list(turn, parsed.success ? (parsed.data.query ?? '').trim() : '');
  }

  async open(turn: ChatTurn): Promise<void> {
    const parsed = openSchema.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'I could not tell which briefing you meant. Type briefings to see the list.' });
    const [kind, ref] = parsed.data.ref.split(':') as ['library' | 'sent', string];
    const isLead = can(turn.principal, 'briefings.send');
    if (kind === 'library') {
      const item = this.deps.library.find((b) => b.id === ref);
      if (!item) return turn.send({ text: 'That briefing is no longer in the library. Type briefings to see the list.' });
      return turn.send({
        card: briefingCard(item, {
          footer: `Library briefing, version ${item.version}. Sources: ${item.sources.join('; ')}`,
          extraActions: isLead ? [{ title: 'Send this briefing', data: { verb: 'briefings.start', libraryId: item.id } }] : [],
        }),
        fallbackText: briefingSummary(item),
      });
    }
    const briefing = await this.store.get(ref);
    if (!briefing || (briefing.status !== 'sent' && briefing.status !== 'sending')) return turn.send({ text: 'I could not find that briefing. Type briefings to see the list.' });
    const mine = turn.user.aadObjectId ? await this.store.delivery(briefing.id, turn.user.aadObjectId) : undefined;
    const delivered = mine?.state === 'delivered';
    await turn.send({
      card: briefingCard(briefing.content, {
        ack: delivered && !mine.acknowledgedAt ? { briefingId: briefing.id, deliveryId: mine.id } : undefined,
        acknowledgedAt: mine?.acknowledgedAt,
        footer: `From ${md(briefing.author.name)}, sent ${ukLabel(new Date(briefing.startedAt ?? briefing.updatedAt))}.`,
        extraActions: isLead ? [{ title: 'See who has read it', data: { verb: 'briefings.report', briefingId: briefing.id } }] : [],
      }),
      fallbackText: briefingSummary(briefing.content),
    });
  }

  /** "I've read this": records the acknowledgement and returns the card showing it. */
  async acknowledge(turn: ChatTurn): Promise<Reply> {
    const parsed = ackSchema.safeParse(turn.value);
    if (!parsed.success) return { text: 'I could not tell which briefing this was. Type briefings to find it.' };
    const { briefingId, deliveryId } = parsed.data;
    const briefing = await this.store.get(briefingId);
    const oid = turn.user.aadObjectId;
    for (let attempt = 0; attempt < 5; attempt++) {
      const delivery = await this.store.delivery(briefingId, deliveryId);
      if (!briefing || !delivery || !oid || delivery.recipient.aadObjectId !== oid) {
        turn.log.info({ briefingId, refused: 'not-in-audience' }, 'acknowledgement refused');
        return { text: 'This briefing was not sent to you, so I cannot record that you have read it. You are welcome to read it: type briefings to find it.' };
      }
      const reply = (at: string): Reply => ({
        card: briefingCard(briefing.content, { acknowledgedAt: at, footer: `From ${md(briefing.author.name)}, safeguarding team.` }),
        fallbackText: `Thank you: you confirmed you read "${briefing.content.title}".`,
      });
      if (delivery.acknowledgedAt) return reply(delivery.acknowledgedAt);
      const at = this.now().toISOString();
      try {
        await this.store.deliveries.item(delivery.id, briefingId).replace({ ...delivery, acknowledgedAt: at, seenAt: delivery.seenAt ?? at }, { accessCondition: { type: 'IfMatch', condition: delivery._etag! } });
        turn.log.info({ briefingId }, 'briefing acknowledged');
        return reply(at);
      } catch (err) {
        if ((err as { code?: number }).code !== 412) throw err;
      }
    }
    return { text: 'Sorry, I could not record that just now. Please press the button again.' };
  }

  /** Teams says the person has read their chat up to a message: mark those briefings seen. */
  async readReceipt(receipt: ReadReceipt, log: Logger): Promise<void> {
    const lastRead = Number(receipt.lastReadMessageId);
    for (const d of await this.store.unseenFor(receipt.aadObjectId)) {
      const id = Number(d.activityId);
      const read = d.activityId === receipt.lastReadMessageId || (Number.isFinite(id) && Number.isFinite(lastRead) && id > 0 && id <= lastRead);
      if (!read) continue;
      await this.store.deliveries
        .item(d.id, d.briefingId)
        .replace({ ...d, seenAt: this.now().toISOString() }, { accessCondition: { type: 'IfMatch', condition: d._etag! } })
        .catch((err: unknown) => {
          if ((err as { code?: number }).code !== 412) throw err; // changed meanwhile (acknowledged): fine
        });
      log.info({ briefingId: d.briefingId }, 'briefing seen');
    }
  }

  // ---- Leads: write, choose an audience, send ----

  private async refuseUnlessLead(turn: ChatTurn): Promise<boolean> {
    if (can(turn.principal, 'briefings.send')) return false;
    turn.log.info({ permission: 'briefings.send' }, 'refused');
    await turn.send({ text: 'Only safeguarding leads can write and send briefings. You can read every briefing: type briefings.' });
    return true;
  }

  /** A draft this lead may work on; tells them when it is not. */
  private async draftFor(turn: ChatTurn): Promise<BriefingDoc | undefined> {
    const parsed = draftRef.safeParse(turn.value);
    const draft = parsed.success ? await this.store.get(parsed.data.draftId) : undefined;
    if (!draft) {
      await turn.send({ text: 'I could not find that draft. Type briefing drafts to see yours.' });
      return undefined;
    }
    if (draft.status !== 'draft') {
      await turn.send({ text: `"${draft.content.title}" has already been ${draft.status === 'scheduled' ? `scheduled for ${ukLabel(new Date(draft.sendAt!))}` : 'sent'}, so it can no longer be changed.` });
      return undefined;
    }
    return draft;
  }

  async newBriefing(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    await turn.send({ card: this.editCard(undefined, '', 'Write a new briefing') });
  }

  async startFromLibrary(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const parsed = z.object({ libraryId: id }).safeParse(turn.value);
    const item = parsed.success ? this.deps.library.find((b) => b.id === parsed.data.libraryId) : undefined;
    if (!item) return turn.send({ text: 'That briefing is no longer in the library. Type briefings to see the list.' });
    const { id: libraryId, version: _v, reviewDue: _r, sources: _s, ...content } = item;
    const draft = await this.createDraft(turn, content, libraryId);
    await this.sendPreview(turn, draft);
  }

  private async createDraft(turn: ChatTurn, content: BriefingContent, libraryId?: string): Promise<BriefingDoc> {
    const now = this.now().toISOString();
    const doc: BriefingDoc = {
      id: randomUUID(),
      type: 'briefing',
      status: 'draft',
      content,
      ...(libraryId ? { libraryId } : {}),
      version: 1,
      author: { aadObjectId: turn.user.aadObjectId ?? '', name: turn.principal.name ?? 'A safeguarding lead' },
      createdAt: now,
      updatedAt: now,
    };
    const { resource } = await this.store.briefings.items.create(doc);
    turn.log.info({ briefingId: doc.id, libraryId }, 'briefing draft created');
    return resource as BriefingDoc;
  }

  async edit(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = await this.draftFor(turn);
    if (draft) await turn.send({ card: this.editCard(draft.content, draft.id, `Edit: ${draft.content.title}`) });
  }

  private editCard(content: BriefingContent | undefined, draftId: string, heading: string, problems = '', raw?: z.infer<typeof editSchema>): Record<string, unknown> {
    return renderCard('briefings/edit', {
      heading,
      problems,
      draftId,
      title: raw?.title ?? content?.title ?? '',
      tags: raw?.tags ?? content?.tags.join(', ') ?? '',
      background: raw?.background ?? content?.background ?? '',
      whyItMatters: raw?.whyItMatters ?? content?.whyItMatters ?? '',
      keyPoints: raw?.keyPoints ?? content?.keyPoints.join('\n') ?? '',
      remember: raw?.remember ?? content?.remember.join('\n') ?? '',
      whatToDo: raw?.whatToDo ?? content?.whatToDo.join('\n') ?? '',
      reflection: raw?.reflection ?? content?.reflection.join('\n') ?? '',
      links: raw?.links ?? content?.furtherInformation.map((l) => `${l.title} | ${l.url}`).join('\n') ?? '',
    });
  }

  async save(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const raw = editSchema.safeParse(turn.value);
    if (!raw.success) return turn.send({ text: 'Some of that was too long to save. Please shorten it and try again.' });
    const v = raw.data;
    const linkProblems: string[] = [];
    const links = lines(v.links).map((line, i) => {
      const [title, url] = line.includes('|') ? line.split('|').map((s) => s.trim()) : [line, line];
      if (!url) linkProblems.push(`link ${i + 1} needs an address`);
      return { title: title || url || '', url: url ?? '' };
    });
    const candidate = {
      title: v.title ?? '',
      tags: (v.tags ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      background: v.background ?? '',
      whyItMatters: v.whyItMatters ?? '',
      keyPoints: lines(v.keyPoints),
      remember: lines(v.remember),
      whatToDo: lines(v.whatToDo),
      reflection: lines(v.reflection),
      furtherInformation: links,
    };
    const parsed = briefingContentSchema.safeParse(candidate);
    const heading = v.draftId ? 'Edit the briefing' : 'Write a new briefing';
    if (!parsed.success || linkProblems.length) {
      const problems = [
        ...(parsed.success ? [] : parsed.error.issues.map((i) => `${FIELD_LABELS[String(i.path[0])] ?? String(i.path[0])}${i.path.length > 1 && i.path[0] !== 'keyPoints' ? ` (item ${Number(i.path[1]) + 1})` : ''}: ${i.message}`)),
        ...linkProblems,
      ];
      return turn.send({ card: this.editCard(undefined, v.draftId ?? '', heading, `Please fix: ${problems.join('; ')}.`, v) });
    }
    // Each field on its own, so the card can say which ones, and send those back empty: a value
    // that looks like patient details is never repeated back.
    const kinds = new Set<PatientDataKind>();
    const flagged = (Object.keys(FIELD_LABELS) as string[]).filter((field) => {
      const value = field === 'furtherInformation' ? v.links : (v as Record<string, string | undefined>)[field];
      const found = typeof value === 'string' ? findPatientData(value).kinds : [];
      found.forEach((k) => kinds.add(k));
      return found.length > 0;
    });
    if (flagged.length > 0) {
      turn.log.info({ screened: true, fields: flagged }, 'briefing not saved: looks like patient data');
      const cleared = { ...v };
      for (const field of flagged) (cleared as Record<string, string>)[field === 'furtherInformation' ? 'links' : field] = '';
      return turn.send({
        card: this.editCard(
          undefined,
          v.draftId ?? '',
          heading,
          `This looks like it may identify a patient (it seems to contain ${describeFinding({ kinds: [...kinds] })}), in: ${flagged.map((f) => FIELD_LABELS[f]).join(', ')}. Briefings go to many people, so I have not saved it and have emptied those parts: write them again without patient details, then save.`,
          cleared,
        ),
      });
    }
    if (!v.draftId) {
      const draft = await this.createDraft(turn, parsed.data);
      return this.sendPreview(turn, draft);
    }
    const draft = await this.draftFor(turn);
    if (!draft) return;
    try {
      const { resource } = await this.store.briefings
        .item(draft.id, draft.id)
        .replace<BriefingDoc>({ ...draft, content: parsed.data, version: draft.version + 1, updatedAt: this.now().toISOString() }, { accessCondition: { type: 'IfMatch', condition: draft._etag! } });
      await this.sendPreview(turn, resource!);
    } catch (err) {
      if ((err as { code?: number }).code !== 412) throw err;
      await turn.send({ text: 'Someone else saved this draft at the same moment, so your changes were not saved. Here is the latest version: edit it again if needed.' });
      const latest = await this.store.get(draft.id);
      if (latest) await this.sendPreview(turn, latest);
    }
  }

  async preview(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = await this.draftFor(turn);
    if (draft) await this.sendPreview(turn, draft);
  }

  private async sendPreview(turn: ChatTurn, draft: BriefingDoc): Promise<void> {
    const actions: CardButton[] = [
      { title: 'Choose who gets it', data: { verb: 'briefings.audienceCard', draftId: draft.id } },
      { title: 'Edit', data: { verb: 'briefings.edit', draftId: draft.id } },
    ];
    await turn.send({ text: `Preview of your draft (saved, version ${draft.version}). This is how staff will see it.` });
    await turn.send({ card: briefingCard(draft.content, { footer: 'Preview: staff get an "I\'ve read this" button here.', extraActions: actions }), fallbackText: briefingSummary(draft.content) });
  }

  async audienceCard(turn: ChatTurn, problems = '', draftArg?: BriefingDoc): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = draftArg ?? (await this.draftFor(turn));
    if (!draft) return;
    const teams = await this.teams();
    const a = draft.audience;
    await turn.send({
      card: renderCard('briefings/audience', {
        title: draft.content.title,
        draftId: draft.id,
        problems,
        kind: a?.kind ?? 'everyone',
        teams: teams.map((t) => ({ title: t, value: t })),
        groups: this.deps.staffGroups.map((g) => ({ title: g.label, value: g.id })),
        practices: this.deps.practices.map((p) => ({ title: `${p.name} (${p.code})`, value: p.code })),
        teamsValue: a?.kind === 'teams' ? a.values.join(',') : '',
        groupsValue: a?.kind === 'staffGroups' ? a.values.join(',') : '',
        practicesValue: a?.kind === 'practices' ? a.values.join(',') : '',
      }),
    });
  }

  private async teams(): Promise<string[]> {
    return (await this.allTeams()).slice(0, 300);
  }

  /** Every team in the staff list, sorted. */
  private async allTeams(): Promise<string[]> {
    const teams = new Set<string>();
    await forEachPage(this.deps.directory.raw.items.query<string>(`SELECT VALUE c.team FROM c WHERE ${CURRENT}`, BIG_PAGE), (page) => {
      for (const team of page) if (team) teams.add(team);
    });
    return [...teams].sort((x, y) => x.localeCompare(y));
  }

  async chooseAudience(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = await this.draftFor(turn);
    if (!draft) return;
    const parsed = audienceSchema.safeParse(turn.value);
    if (!parsed.success) return this.audienceCard(turn, parsed.error.issues[0]?.message ?? 'Choose who should get the briefing.', draft);
    const { kind } = parsed.data;
    const audience: Audience = kind === 'everyone' ? { kind } : { kind, values: parsed.data[kind] };
    if (audience.kind !== 'everyone' && audience.values.length === 0) {
      return this.audienceCard(turn, `Choose at least one ${kind === 'teams' ? 'team' : kind === 'staffGroups' ? 'staff group' : 'practice'}.`, draft);
    }
    if (audience.kind !== 'everyone') {
      // Stored with the briefing: only names from the lists on the card, and never patient details
      // (which are not repeated back either).
      if (audience.values.some((v) => containsPatientData(v))) {
        turn.log.info({ screened: true }, 'briefing audience not saved: looks like patient data');
        return this.audienceCard(turn, 'That looks like it may identify a patient, so I have not saved it. Choose from the list.', draft);
      }
      const known = audience.kind === 'teams' ? new Set(await this.allTeams()) : new Set(audience.kind === 'staffGroups' ? this.deps.staffGroups.map((g) => g.id) : this.deps.practices.map((p) => p.code));
      if (!audience.values.every((v) => known.has(v))) {
        const what = audience.kind === 'teams' ? 'teams in the staff list' : audience.kind === 'staffGroups' ? 'staff groups' : 'GP practices';
        return this.audienceCard(turn, `Choose from the list: only ${what} can get a briefing.`, draft);
      }
    }
    const { resource } = await this.store.briefings
      .item(draft.id, draft.id)
      .replace<BriefingDoc>({ ...draft, audience, updatedAt: this.now().toISOString() }, { accessCondition: { type: 'IfMatch', condition: draft._etag! } })
      .catch((err: unknown) => {
        if ((err as { code?: number }).code === 412) return { resource: undefined };
        throw err;
      });
    if (!resource) return turn.send({ text: 'This draft changed while you were choosing. Please choose the audience again.' });
    await this.sendConfirm(turn, resource);
  }

  private audienceLabel(a: Audience): string {
    if (a.kind === 'everyone') return 'everyone in the staff list';
    if (a.kind === 'teams') return `teams: ${a.values.map(md).join(', ')}`;
    if (a.kind === 'staffGroups') return `staff groups: ${a.values.map((v) => this.deps.staffGroups.find((g) => g.id === v)?.label ?? v).join(', ')}`;
    return `GP practices: ${a.values.map((v) => this.deps.practices.find((p) => p.code === v)?.name ?? v).join(', ')}`;
  }

  private async sendConfirm(turn: ChatTurn, draft: BriefingDoc, problems = ''): Promise<void> {
    const recipients = await this.engine.resolveAudience(draft.audience!);
    const reachable = new Set<string>();
    await forEachPage(this.deps.store.container('conversations').items.query<string>('SELECT VALUE c.id FROM c', BIG_PAGE), (page) => {
      for (const id of page) reachable.add(id);
    });
    const unreachable = recipients.filter((r) => !r.aadObjectId || !reachable.has(r.aadObjectId.toLowerCase())).length;
    const soon = ukWallClock(new Date(this.now().getTime() + 3600_000));
    await turn.send({
      card: renderCard('briefings/confirm', {
        title: draft.content.title,
        draftId: draft.id,
        problems,
        audienceLabel: this.audienceLabel(draft.audience!),
        peopleCount: recipients.length.toLocaleString('en-GB'),
        peopleLabel: people(recipients.length),
        unreachableLabel: unreachable ? `${unreachable.toLocaleString('en-GB')} (no chat with the bot yet, or no Teams account in the staff list): they will show as not delivered` : 'none',
        date: soon.date,
        time: soon.time,
      }),
      fallbackText: `Ready to send to ${recipients.length} people`,
    });
  }

  /** The send-or-schedule card again (for "Change the time"). */
  async confirmCard(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = await this.draftFor(turn);
    if (!draft) return;
    if (!draft.audience) return this.audienceCard(turn, 'Choose who should get the briefing first.', draft);
    await this.sendConfirm(turn, draft);
  }

  async send(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const draft = await this.draftFor(turn);
    if (!draft) return;
    const parsed = sendSchema.safeParse(turn.value);
    if (!parsed.success || !draft.audience) return this.audienceCard(turn, 'Choose who should get the briefing first.', draft);
    const recipients = await this.engine.resolveAudience(draft.audience);
    if (recipients.length === 0) return this.audienceCard(turn, 'Nobody in the staff list matches that audience. Choose again.', draft);
    let sendAt: Date | undefined;
    if (parsed.data.when === 'later') {
      const when = fromUkTime(parsed.data.date ?? '', parsed.data.time ?? '');
      if (!when.ok) return this.sendConfirm(turn, draft, when.problem);
      if (when.at.getTime() <= this.now().getTime()) return this.sendConfirm(turn, draft, 'That time has already passed. Choose a later time, or send now.');
      // Nothing is committed until the lead has seen the time in words and said yes.
      if (parsed.data.confirmed !== 'yes') {
        return turn.send({
          card: renderCard('briefings/schedule', {
            title: draft.content.title,
            draftId: draft.id,
            whenLabel: ukLabel(when.at),
            peopleLabel: people(recipients.length),
            audienceLabel: this.audienceLabel(draft.audience),
            date: parsed.data.date ?? '',
            time: parsed.data.time ?? '',
          }),
          fallbackText: `Schedule for ${ukLabel(when.at)}?`,
        });
      }
      sendAt = when.at;
    }
    const now = this.now().toISOString();
    const next: BriefingDoc = { ...draft, status: sendAt ? 'scheduled' : 'sending', confirmedAt: now, updatedAt: now, ...(sendAt ? { sendAt: sendAt.toISOString() } : { startedAt: now }) };
    try {
      await this.store.briefings.item(draft.id, draft.id).replace(next, { accessCondition: { type: 'IfMatch', condition: draft._etag! } });
    } catch (err) {
      if ((err as { code?: number }).code !== 412) throw err;
      return turn.send({ text: 'This draft changed at the same moment (perhaps sent from another device). Type briefing drafts to check it.' });
    }
    turn.log.info({ briefingId: draft.id, recipients: recipients.length, scheduled: Boolean(sendAt) }, 'briefing confirmed');
    await this.deps.audit.note(
      turn.user,
      sendAt ? 'briefing.scheduled' : 'briefing.sent',
      { briefing: draft.id, ...(draft.libraryId ? { library: draft.libraryId } : {}), recipients: recipients.length, ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) },
      turn.log,
    );
    if (sendAt) {
      return turn.send({ text: `Scheduled: "${draft.content.title}" will go to ${people(recipients.length)} on ${ukLabel(sendAt)}. Type briefing drafts to see it, change its time or cancel it.` });
    }
    await turn.send({ text: `Sending "${draft.content.title}" to ${people(recipients.length)} now. I'll keep a progress card up to date here.` });
    void inBackground(() => this.engine.work(draft.id));
  }

  /** The list card without a search result: drafts, reports. */
  private listReply(heading: string, intro: string, items: { title: string; subtitle: string; button: string; data: Record<string, unknown> }[], leadActions: CardButton[]): Reply {
    return { card: renderCard('briefings/list', { heading, intro, showSearch: false, query: '', items, empty: '', leadActions }) };
  }

  async drafts(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const mine = await this.store.list({ status: ['draft', 'scheduled'], author: turn.user.aadObjectId ?? '' }, 20);
    await turn.send(
      this.listReply(
        'Your drafts and scheduled briefings',
        mine.length ? 'Pick one up where you left off.' : 'You have no drafts. Start one from the library or write a new one.',
        mine.map((b) => ({
          title: b.content.title,
          subtitle: b.status === 'scheduled' ? `Scheduled for ${ukLabel(new Date(b.sendAt!))}` : `Draft, last saved ${ukLabel(new Date(b.updatedAt))}`,
          button: b.status === 'draft' ? 'Continue' : 'View',
          data: b.status === 'draft' ? { verb: 'briefings.preview', draftId: b.id } : { verb: 'briefings.report', briefingId: b.id },
        })),
        [{ title: 'Write a new briefing', data: { verb: 'briefings.new' } }],
      ),
    );
  }

  async reports(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const sent = await this.store.list({ status: ['sending', 'sent', 'scheduled'] }, 20);
    await turn.send(
      this.listReply(
        'Briefing reports',
        sent.length ? 'Every briefing sent, newest first.' : 'No briefing has been sent yet.',
        sent.map((b) => ({
          title: b.content.title,
          subtitle: b.status === 'scheduled' ? `Scheduled for ${ukLabel(new Date(b.sendAt!))}` : `${b.status === 'sending' ? 'Sending since' : 'Sent'} ${ukLabel(new Date(b.startedAt ?? b.updatedAt))} by ${md(b.author.name)}`,
          button: 'Report',
          data: { verb: 'briefings.report', briefingId: b.id },
        })),
        [],
      ),
    );
  }

  async report(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const parsed = briefingRef.safeParse(turn.value);
    const briefing = parsed.success ? await this.store.get(parsed.data.briefingId) : undefined;
    if (!briefing || briefing.status === 'draft') return turn.send({ text: 'I could not find that briefing. Type briefing reports to see them all.' });
    if (briefing.status === 'scheduled') {
      // A lead can see what is going out, to whom and when.
      const recipients = briefing.audience ? await this.engine.resolveAudience(briefing.audience) : [];
      const ref = { briefingId: briefing.id, sendAt: briefing.sendAt };
      return turn.send({
        card: briefingCard(briefing.content, {
          footer: `Scheduled for ${ukLabel(new Date(briefing.sendAt!))}, to ${briefing.audience ? this.audienceLabel(briefing.audience) : 'everyone'} (${people(recipients.length)} today), by ${md(briefing.author.name)}. There is nothing to report until it has been sent.`,
          extraActions: [
            { title: 'Change the time', data: { verb: 'briefings.changeTime', ...ref } },
            { title: 'Cancel', data: { verb: 'briefings.cancel', ...ref } },
          ],
        }),
        fallbackText: `"${briefing.content.title}" is scheduled for ${ukLabel(new Date(briefing.sendAt!))}`,
      });
    }
    const deliveries = await this.store.deliveriesOf(briefing.id);
    const counts = tallyDeliveries(deliveries);
    const delivered = deliveries.filter((d) => d.state === 'delivered');
    const byTeam = new Map<string, { delivered: number; acked: number }>();
    for (const d of delivered) {
      const t = byTeam.get(d.recipient.team) ?? { delivered: 0, acked: 0 };
      t.delivered++;
      if (d.acknowledgedAt) t.acked++;
      byTeam.set(d.recipient.team, t);
    }
    const pending = delivered.filter((d) => !d.acknowledgedAt).sort((a, b) => a.recipient.name.localeCompare(b.recipient.name));
    // Who it did not reach, and why: reports are privileged, so this is only ever in the lead's 1:1 chat.
    const missed = deliveries.filter((d) => d.state === 'failed' || d.reason).sort((a, b) => a.recipient.name.localeCompare(b.recipient.name));
    const n = (x: number) => x.toLocaleString('en-GB');
    await turn.send({
      card: renderCard('briefings/report', {
        title: briefing.content.title,
        briefingId: briefing.id,
        subtitle: `${briefing.status === 'sending' ? 'Still sending' : 'Sent'} by ${md(briefing.author.name)}, ${ukLabel(new Date(briefing.startedAt ?? briefing.updatedAt))}. To: ${briefing.audience ? this.audienceLabel(briefing.audience) : 'everyone'}.`,
        facts: [
          { title: 'People in the audience', value: n(counts.total) },
          { title: 'Delivered', value: n(counts.delivered) },
          ...(Object.entries(counts.failed) as [FailureReason, number][]).map(([reason, count]) => ({ title: `Not delivered: ${FAILURE_LABELS[reason]}`, value: n(count) })),
          ...(counts.queued ? [{ title: 'Still to send', value: n(counts.queued) }] : []),
          { title: 'Seen (Teams read receipt)', value: `${n(counts.seen)} (${percent(counts.seen, counts.delivered)})` },
          { title: 'Acknowledged', value: `${n(counts.acknowledged)} (${percent(counts.acknowledged, counts.delivered)})` },
        ],
        teams: [...byTeam.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .slice(0, 40)
          .map(([team, t]) => ({ title: md(team), value: `${n(t.acked)} of ${n(t.delivered)} acknowledged (${percent(t.acked, t.delivered)})` })),
        pending: pending.length
          ? `${pending
              .slice(0, 40)
              .map((d) => `${md(d.recipient.name)} (${md(d.recipient.team)})`)
              .join(', ')}${pending.length > 40 ? `, and ${n(pending.length - 40)} more` : ''}.`
          : 'Everyone it reached has acknowledged it.',
        notReached: missed.length
          ? `${missed
              .slice(0, 40)
              .map((d) => `${md(d.recipient.name)} (${md(d.recipient.team)}): ${d.reason ? FAILURE_LABELS[d.reason] : 'not delivered'}`)
              .join('; ')}${missed.length > 40 ? `; and ${n(missed.length - 40)} more` : ''}.`
          : '',
        canRemind: pending.length > 0 && briefing.status === 'sent',
      }),
      fallbackText: `${briefing.content.title}: ${counts.acknowledged} of ${counts.delivered} acknowledged`,
    });
  }

  // ---- Leads: cancel a scheduled briefing, or change its time ----

  /**
   * A scheduled briefing a lead may still cancel or move; otherwise they are told why not (it has
   * started sending, or it is no longer scheduled). Every change is written under the etag just
   * read, so the engine starting it at the same moment makes exactly one of the two win.
   */
  private async scheduled(turn: ChatTurn, briefingId: string, doing: 'cancel' | 'move'): Promise<BriefingDoc | undefined> {
    const b = await this.store.get(briefingId);
    if (!b) {
      await turn.send({ text: 'I could not find that briefing. Type briefing drafts to see yours.' });
      return undefined;
    }
    if (b.status === 'sending' || b.status === 'sent') {
      await turn.send({ text: doing === 'cancel' ? 'It has already started sending, so it can no longer be cancelled.' : 'It has already started sending, so its time can no longer be changed.' });
      return undefined;
    }
    if (b.status !== 'scheduled' || !b.sendAt) {
      await turn.send({ text: `"${b.content.title}" is not scheduled any more (it was cancelled and is back in the drafts). Type briefing drafts to schedule it again.` });
      return undefined;
    }
    return b;
  }

  /** Replaces a briefing under the etag it was read with; false if anyone (the engine, another lead) wrote first. */
  private async replaceIfUnchanged(next: BriefingDoc, etag: string | undefined): Promise<boolean> {
    try {
      await this.store.briefings.item(next.id, next.id).replace(next, { accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 412) return false;
      throw err;
    }
  }

  /** Cancel: the briefing goes back to the drafts (nothing is lost; it can be scheduled or sent again). */
  async cancel(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const parsed = scheduledRef.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'I could not tell which briefing you meant. Type briefing drafts to see yours.' });
    // A write that loses to another lead's change of time is tried again on what is there now; one that loses to the engine is refused.
    for (let attempt = 0; attempt < 3; attempt++) {
      const b = await this.scheduled(turn, parsed.data.briefingId, 'cancel');
      if (!b) return;
      const { sendAt: _s, confirmedAt: _c, ...rest } = b;
      if (!(await this.replaceIfUnchanged({ ...rest, status: 'draft', updatedAt: this.now().toISOString() }, b._etag))) continue;
      turn.log.info({ briefingId: b.id }, 'scheduled briefing cancelled');
      await this.deps.audit.note(turn.user, 'briefing.cancelled', { briefing: b.id, sendAt: b.sendAt! }, turn.log);
      return turn.send({ text: `Cancelled: "${b.content.title}" will not be sent on ${ukLabel(new Date(b.sendAt!))}. It is back in your drafts: type briefing drafts to change it, or to send or schedule it again.` });
    }
    await turn.send({ text: 'This briefing kept changing while I tried to cancel it. Type briefing drafts to check it.' });
  }

  /** "Change the time": the date and time boxes, filled in with the time it is scheduled for. */
  async changeTimeCard(turn: ChatTurn, problems = '', known?: BriefingDoc, typed?: { date: string; time: string }): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    let b = known;
    if (!b) {
      const parsed = briefingRef.safeParse(turn.value);
      if (!parsed.success) return turn.send({ text: 'I could not tell which briefing you meant. Type briefing drafts to see yours.' });
      b = await this.scheduled(turn, parsed.data.briefingId, 'move');
      if (!b) return;
    }
    const recipients = b.audience ? await this.engine.resolveAudience(b.audience) : [];
    const at = new Date(b.sendAt!);
    const boxes = typed ?? ukWallClock(at);
    await turn.send({
      card: renderCard('briefings/reschedule', { title: b.content.title, problems, whenLabel: ukLabel(at), peopleLabel: people(recipients.length), date: boxes.date, time: boxes.time, briefingId: b.id, sendAt: b.sendAt! }),
      fallbackText: `Change the time of "${b.content.title}"`,
    });
  }

  /** A new time for a scheduled briefing: the same rules as scheduling (UK time, not past), confirmed in words first. */
  async reschedule(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const parsed = rescheduleSchema.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'I could not tell which briefing you meant. Type briefing drafts to see yours.' });
    const d = parsed.data;
    const b = await this.scheduled(turn, d.briefingId, 'move');
    if (!b) return;
    const typed = { date: d.date ?? '', time: d.time ?? '' };
    if (d.sendAt && d.sendAt !== b.sendAt) return this.changeTimeCard(turn, `Its time was changed since that card was shown: it is now ${ukLabel(new Date(b.sendAt!))}. Choose the new time again.`, b);
    const when = fromUkTime(typed.date, typed.time);
    if (!when.ok) return this.changeTimeCard(turn, when.problem, b, typed);
    if (when.at.getTime() <= this.now().getTime()) return this.changeTimeCard(turn, 'That time has already passed. Choose a later time.', b, typed);
    const from = new Date(b.sendAt!);
    if (when.at.getTime() === from.getTime()) return this.changeTimeCard(turn, `It is already scheduled for ${ukLabel(from)}. Choose a different time, or keep it as it is.`, b, typed);
    const recipients = b.audience ? await this.engine.resolveAudience(b.audience) : [];
    if (d.confirmed !== 'yes') {
      return turn.send({
        card: renderCard('briefings/rescheduleConfirm', { title: b.content.title, peopleLabel: people(recipients.length), whenLabel: ukLabel(when.at), fromLabel: ukLabel(from), briefingId: b.id, sendAt: b.sendAt!, date: typed.date, time: typed.time }),
        fallbackText: `Move "${b.content.title}" to ${ukLabel(when.at)}?`,
      });
    }
    if (!(await this.replaceIfUnchanged({ ...b, sendAt: when.at.toISOString(), updatedAt: this.now().toISOString() }, b._etag))) {
      const latest = await this.store.get(b.id);
      if (latest?.status === 'sending' || latest?.status === 'sent') return turn.send({ text: 'It has already started sending, so its time can no longer be changed.' });
      return turn.send({ text: 'This briefing changed at the same moment (perhaps from another device), so the time was not changed. Type briefing drafts to check it.' });
    }
    turn.log.info({ briefingId: b.id }, 'scheduled briefing moved');
    await this.deps.audit.note(turn.user, 'briefing.rescheduled', { briefing: b.id, from: b.sendAt!, to: when.at.toISOString() }, turn.log);
    await turn.send({ text: `Changed: "${b.content.title}" will now go to ${people(recipients.length)} on ${ukLabel(when.at)} (it was ${ukLabel(from)}).` });
  }

  /** One gentle reminder to each person who has not acknowledged, never twice in 24 hours. */
  async remind(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const parsed = briefingRef.safeParse(turn.value);
    const briefing = parsed.success ? await this.store.get(parsed.data.briefingId) : undefined;
    if (!briefing || briefing.status !== 'sent') return turn.send({ text: 'Reminders can be sent once a briefing has finished sending.' });
    const now = this.now();
    const pending = (await this.store.deliveriesOf(briefing.id)).filter((d) => d.state === 'delivered' && !d.acknowledgedAt);
    const due = pending.filter((d) => !d.remindedAt || now.getTime() - Date.parse(d.remindedAt) >= REMIND_INTERVAL_MS);
    const recent = pending.length - due.length;
    await turn.send({
      text: due.length
        ? `Sending a gentle reminder to ${due.length.toLocaleString('en-GB')} ${due.length === 1 ? 'person' : 'people'} who have not acknowledged "${briefing.content.title}".${recent ? ` ${recent} had a reminder in the last 24 hours and will not get another yet.` : ''}`
        : `Everyone who has not acknowledged it had a reminder in the last 24 hours. You can remind them again after that.`,
    });
    if (!due.length) return;
    const author = turn.user.aadObjectId;
    void inBackground(() => this.sendReminders(briefing, due, now)).then(async (sent) => {
      await this.deps.audit.note(turn.user, 'briefing.reminded', { briefing: briefing.id, due: due.length, reminded: sent }, this.deps.log);
      if (author) await this.deps.notifier.sendToPerson(author, { text: `Reminders for "${briefing.content.title}": ${sent} sent.` }).catch(() => undefined);
    });
  }

  private async sendReminders(briefing: BriefingDoc, due: DeliveryDoc[], now: Date): Promise<number> {
    let sent = 0;
    for (const d of due) {
      // Claim first (etag): a second press, or a second instance, cannot remind the same person twice.
      const claimed = await this.store.deliveries
        .item(d.id, d.briefingId)
        .replace({ ...d, remindedAt: now.toISOString() }, { accessCondition: { type: 'IfMatch', condition: d._etag! } })
        .then(() => true)
        .catch(() => false);
      if (!claimed) continue;
      const oid = d.recipient.aadObjectId!;
      // Two messages, so two send slots: each taken right before its request, as for the briefing.
      const paced = { beforeSend: async () => void (await this.engine.pacer.take(oid)) };
      await this.deps.notifier
        .deliver(oid, { text: `A gentle reminder: please read "${briefing.content.title}" and press "I've read this" when you have. It takes about seven minutes.` }, paced)
        .then(() => this.deps.notifier.deliver(oid, this.deliveryReply(briefing, d), paced))
        .then(() => sent++)
        .catch((err: unknown) => this.deps.log.warn({ err: { message: (err as Error).message }, briefingId: briefing.id }, 'a reminder could not be sent'));
    }
    this.deps.log.info({ briefingId: briefing.id, sent }, 'briefing reminders sent');
    return sent;
  }
}

export function createBriefingsCapability(service: BriefingsService): Capability {
  const lead = (name: string, description: string, patterns: RegExp[], handle: (t: ChatTurn) => Promise<void>, button?: string) => ({
    name,
    description,
    patterns,
    handle,
    permission: 'briefings.send' as const,
    // Leads' commands show drafts, audiences and who has read what: only ever in the 1:1 chat.
    privileged: true,
    ...(button ? { button } : {}),
  });
  return {
    name: 'briefings',
    commands: [
      lead('new briefing', 'Write a new briefing or send one from the library', [/^\s*(new|write( a)?)\s+briefing\s*$/i], (t) => service.newBriefing(t), 'New briefing'),
      lead('briefing drafts', 'Carry on with a briefing you started', [/^\s*(my\s+)?(briefing\s+)?drafts\s*$/i], (t) => service.drafts(t)),
      lead('briefing reports', 'Who has read each briefing, and remind those who have not', [/^\s*briefing\s+reports?\s*$/i], (t) => service.reports(t)),
      // Last: "briefings <words>" searches, so the commands above must match first.
      {
        name: 'briefings',
        button: '7-minute briefings',
        description: 'Read and acknowledge short safeguarding briefings',
        patterns: [/^\s*(7[- ]minute\s+)?briefings?(\s+.*)?$/i],
        handle: (t) => service.list(t, (/^\s*(?:7[- ]minute\s+)?briefings?\s*(.*)$/i.exec(t.text)?.[1] ?? '').trim()),
      },
    ],
    actions: [
      { verb: 'briefings.search', handle: (t) => service.search(t) },
      { verb: 'briefings.open', handle: (t) => service.open(t) },
      { verb: 'briefings.new', permission: 'briefings.send', handle: (t) => service.newBriefing(t), privileged: true },
      { verb: 'briefings.start', permission: 'briefings.send', handle: (t) => service.startFromLibrary(t), privileged: true },
      { verb: 'briefings.edit', permission: 'briefings.send', handle: (t) => service.edit(t), privileged: true },
      { verb: 'briefings.save', permission: 'briefings.send', handle: (t) => service.save(t), privileged: true },
      { verb: 'briefings.preview', permission: 'briefings.send', handle: (t) => service.preview(t), privileged: true },
      { verb: 'briefings.audienceCard', permission: 'briefings.send', handle: (t) => service.audienceCard(t), privileged: true },
      { verb: 'briefings.audience', permission: 'briefings.send', handle: (t) => service.chooseAudience(t), privileged: true },
      { verb: 'briefings.send', permission: 'briefings.send', handle: (t) => service.send(t), privileged: true },
      { verb: 'briefings.confirmCard', permission: 'briefings.send', handle: (t) => service.confirmCard(t), privileged: true },
      { verb: 'briefings.report', permission: 'briefings.send', handle: (t) => service.report(t), privileged: true },
      { verb: 'briefings.remind', permission: 'briefings.send', handle: (t) => service.remind(t), privileged: true },
      { verb: 'briefings.cancel', permission: 'briefings.send', handle: (t) => service.cancel(t), privileged: true },
      { verb: 'briefings.changeTime', permission: 'briefings.send', handle: (t) => service.changeTimeCard(t), privileged: true },
      { verb: 'briefings.reschedule', permission: 'briefings.send', handle: (t) => service.reschedule(t), privileged: true },
    ],
    executes: [{ verb: 'briefing.ack', handle: (t) => service.acknowledge(t) }],
    onReadReceipt: (r, log) => service.readReceipt(r, log),
  };
}
