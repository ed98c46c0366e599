import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { ChatTurn } from '../chat/types';
import { describeFinding, findPatientData, type PatientDataKind } from '../privacy/patientData';
import { briefingCard, briefingSummary, editCard, type CardButton } from './cards';
import { briefingContentSchema, type BriefingContent } from './content';
import { draftFor, type BriefingsContext } from './context';
import type { BriefingDoc } from './store';
import { BRIEFINGS_VERBS } from './verbs';

/**
 * Leads write a briefing: a new one in a card, or one started from the library; edit a draft,
 * save it (checked against the 7-minute format, and never with patient details) and preview it.
 */
const id = z.string().min(1).max(100);
export const draftRef = z.object({ draftId: id });
export const libraryRef = z.object({ libraryId: id });
export const editSchema = z.object({
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
export type EditData = z.infer<typeof editSchema>;

export const NOT_IN_LIBRARY = 'That briefing is no longer in the library. Type briefings to see the list.';
export const TOO_LONG_TO_SAVE = 'Some of that was too long to save. Please shorten it and try again.';

const lines = (v: string | undefined) =>
  (v ?? '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);

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

/** The edit card: the boxes hold what the lead typed (`raw`), else the draft's content. */
function editCardFor(
  content: BriefingContent | undefined,
  draftId: string,
  heading: string,
  problems = '',
  raw?: EditData,
): Record<string, unknown> {
  return editCard({
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

export class Composing {
  constructor(private readonly ctx: BriefingsContext) {}

  async newBriefing(turn: ChatTurn): Promise<void> {
    await turn.send({ card: editCardFor(undefined, '', 'Write a new briefing') });
  }

  async startFromLibrary(turn: ChatTurn, data: z.infer<typeof libraryRef>): Promise<void> {
    const item = this.ctx.library.find((b) => b.id === data.libraryId);
    if (!item) return turn.send({ text: NOT_IN_LIBRARY });
    const { id: libraryId, version: _v, reviewDue: _r, sources: _s, ...content } = item;
    const draft = await this.createDraft(turn, content, libraryId);
    await this.sendPreview(turn, draft);
  }

  private async createDraft(turn: ChatTurn, content: BriefingContent, libraryId?: string): Promise<BriefingDoc> {
    const now = this.ctx.now().toISOString();
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
    const stored = await this.ctx.store.create(doc);
    turn.log.info({ briefingId: doc.id, libraryId }, 'briefing draft created');
    return stored;
  }

  async edit(turn: ChatTurn, data: z.infer<typeof draftRef>): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (draft) await turn.send({ card: editCardFor(draft.content, draft.id, `Edit: ${draft.content.title}`) });
  }

  async save(turn: ChatTurn, v: EditData): Promise<void> {
    const linkProblems: string[] = [];
    const links = lines(v.links).map((line, i) => {
      const [title, url] = line.includes('|') ? line.split('|').map((s) => s.trim()) : [line, line];
      if (!url) linkProblems.push(`link ${i + 1} needs an address`);
      return { title: title || url || '', url: url ?? '' };
    });
    const candidate = {
      title: v.title ?? '',
      tags: (v.tags ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
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
        ...(parsed.success
          ? []
          : parsed.error.issues.map(
              (i) =>
                `${FIELD_LABELS[String(i.path[0])] ?? String(i.path[0])}${i.path.length > 1 && i.path[0] !== 'keyPoints' ? ` (item ${Number(i.path[1]) + 1})` : ''}: ${i.message}`,
            )),
        ...linkProblems,
      ];
      return turn.send({
        card: editCardFor(undefined, v.draftId ?? '', heading, `Please fix: ${problems.join('; ')}.`, v),
      });
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
      for (const field of flagged)
        (cleared as Record<string, string>)[field === 'furtherInformation' ? 'links' : field] = '';
      return turn.send({
        card: editCardFor(
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
    const draft = await draftFor(this.ctx, turn, v.draftId);
    if (!draft) return;
    const next: BriefingDoc = {
      ...draft,
      content: parsed.data,
      version: draft.version + 1,
      updatedAt: this.ctx.now().toISOString(),
    };
    if ((await this.ctx.store.saveBriefing(next, draft._etag)) === 'saved') return this.sendPreview(turn, next);
    await turn.send({
      text: 'Someone else saved this draft at the same moment, so your changes were not saved. Here is the latest version: edit it again if needed.',
    });
    const latest = await this.ctx.store.get(draft.id);
    if (latest) await this.sendPreview(turn, latest);
  }

  async preview(turn: ChatTurn, data: z.infer<typeof draftRef>): Promise<void> {
    const draft = await draftFor(this.ctx, turn, data.draftId);
    if (draft) await this.sendPreview(turn, draft);
  }

  private async sendPreview(turn: ChatTurn, draft: BriefingDoc): Promise<void> {
    const actions: CardButton[] = [
      { title: 'Choose who gets it', data: { verb: BRIEFINGS_VERBS.audienceCard, draftId: draft.id } },
      { title: 'Edit', data: { verb: BRIEFINGS_VERBS.edit, draftId: draft.id } },
    ];
    await turn.send({
      text: `Preview of your draft (saved, version ${draft.version}). This is how staff will see it.`,
    });
    await turn.send({
      card: briefingCard(draft.content, {
        footer: 'Preview: staff get an "I\'ve read this" button here.',
        extraActions: actions,
      }),
      fallbackText: briefingSummary(draft.content),
    });
  }
}
