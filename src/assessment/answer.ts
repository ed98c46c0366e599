import { z } from 'zod';
import { md } from '../cards/markdown';
import type { ChatTurn } from '../chat/types';
import { can } from '../people/roles';
import type { AssessmentContent, Practice, Questionnaire } from './content';
import { critiqueReply, overviewReply, reviewReply, sectionReply, when } from './cards';
import { critique, missingFor, sectionComplete, type Answer } from './scoring';
import { checkSection } from './sectionAnswers';
import type { AssessmentRecords, SectionDoc, SubmissionDoc } from './store';
import { ASSESSMENT_VERBS } from './verbs';

/**
 * A GP practice lead's self-assessment: the overview of their practice's shared draft, a card per
 * section (saved under its etag), the review, submitting, and the critique they get at once.
 */
export interface AnsweringDeps {
  content: AssessmentContent;
  store: Pick<AssessmentRecords, 'sections' | 'section' | 'saveSection' | 'submission' | 'putSubmission'>;
  now: () => Date;
}

const sectionIdSchema = z.string().max(80);
/** A section's save buttons: the boxes of each standard come with them (`<standard>__answer`...). */
export const saveSchema = z
  .object({
    verb: z.literal(ASSESSMENT_VERBS.save),
    section: sectionIdSchema,
    etag: z.string().max(200),
    then: z.enum(['next', 'overview']),
  })
  .passthrough();
export const openSchema = z.object({ verb: z.literal(ASSESSMENT_VERBS.open), section: sectionIdSchema });

/** The practice this person cannot answer for, told why: the self-assessment is done in a 1:1 chat, by practice leads. */
export async function refusePractice(turn: ChatTurn): Promise<void> {
  if (turn.conversation.kind !== 'personal') {
    await turn.send({
      text: 'The self-assessment is completed in a 1:1 chat with me, so that answers are not shared in a channel.',
    });
    return;
  }
  turn.log.info({ permission: 'assessment.answer' }, 'refused');
  await turn.send({
    text: "The practice self-assessment is for GP practice safeguarding leads. If that is you, ask your organisation's safeguarding team to add you to the staff list as a practice lead.",
  });
}

export function practiceOf(content: AssessmentContent, code: string): Practice {
  return content.practices.find((p) => p.code === code) ?? { code, name: `Practice ${code}` };
}

export class Answering {
  constructor(private readonly deps: AnsweringDeps) {}

  private get q(): Questionnaire {
    return this.deps.content.current;
  }

  private practice(code: string): Practice {
    return practiceOf(this.deps.content, code);
  }

  /** The practice this person answers for, or a polite refusal. */
  private async practiceFor(turn: ChatTurn): Promise<string | undefined> {
    if (
      turn.conversation.kind !== 'personal' ||
      !can(turn.principal, 'assessment.answer') ||
      !turn.principal.practiceCode
    ) {
      await refusePractice(turn);
      return undefined;
    }
    return turn.principal.practiceCode;
  }

  private async answersOf(
    practiceCode: string,
  ): Promise<{ docs: Map<string, SectionDoc>; answers: Record<string, Answer> }> {
    const docs = new Map(
      (await this.deps.store.sections(practiceCode, this.q.year)).map((d) => [d.sectionId, d] as const),
    );
    const answers: Record<string, Answer> = {};
    for (const d of docs.values()) Object.assign(answers, d.answers);
    return { docs, answers };
  }

  async overview(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const submission = await this.deps.store.submission(code, this.q.year);
    if (submission?.status === 'submitted') return this.sendCritique(turn, code, submission);
    const { docs, answers } = await this.answersOf(code);
    const states = this.q.sections.map((s, i) => {
      const complete = sectionComplete(this.q, s.id, answers);
      return {
        id: s.id,
        number: i + 1,
        title: s.title,
        complete,
        saved: docs.has(s.id),
        state: complete ? 'Complete' : docs.has(s.id) ? 'Started' : 'Not started',
      };
    });
    const statusLine =
      submission?.status === 'reopened'
        ? `Reopened by a safeguarding lead on ${when(submission.reopenedAt!)}: make your changes and submit again.`
        : 'Everyone who leads on safeguarding in your practice works on the same draft.';
    await turn.send(overviewReply(this.q, `${this.practice(code).name} (${code})`, states, statusLine));
  }

  /** A section's card; a section that does not exist (an old card) shows the overview instead. */
  async open(turn: ChatTurn, data: z.output<typeof openSchema>): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    if (!this.q.sections.some((s) => s.id === data.section)) return this.overview(turn);
    if ((await this.deps.store.submission(code, this.q.year))?.status === 'submitted') return this.overview(turn);
    const doc = await this.deps.store.section(code, this.q.year, data.section);
    await turn.send(sectionReply(this.q, data.section, doc));
  }

  async save(turn: ChatTurn, data: z.output<typeof saveSchema>): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const section = this.q.sections.find((s) => s.id === data.section);
    if (!section) return this.overview(turn);
    if ((await this.deps.store.submission(code, this.q.year))?.status === 'submitted') {
      return turn.send({
        text: 'Your practice has already submitted this year’s self-assessment, so nothing was changed. A safeguarding lead can reopen it if you need to make changes.',
      });
    }
    const { answers, typed, problems, screened } = checkSection(section, data, this.deps.now());
    for (const { standard, box } of screened)
      turn.log.info({ section: section.id, standard, box }, 'self-assessment patient data refused');
    if (problems.length > 0) {
      await turn.send({
        text: `Nothing was saved:\n\n${problems.map((p) => `- ${p}`).join('\n')}\n\nEverything else you typed is still in the card below. Please correct this and save again.`,
      });
      return turn.send(sectionReply(this.q, section.id, undefined, { typed, etag: data.etag, problems }));
    }
    const result = await this.deps.store.saveSection(
      {
        practiceCode: code,
        year: this.q.year,
        sectionId: section.id,
        answers,
        savedBy: turn.principal.name ?? 'a practice lead',
        savedAt: this.deps.now().toISOString(),
      },
      data.etag,
    );
    if (!result.ok) {
      await turn.send({
        text: `Someone else in your practice saved "${section.title}" while you were editing${result.latest ? ` (${md(result.latest.savedBy)}, ${when(result.latest.savedAt)})` : ''}. Your changes were not saved, so nothing of theirs was overwritten. Here is the latest version: please add your changes to it and save again.`,
      });
      return turn.send(sectionReply(this.q, section.id, result.latest));
    }
    turn.log.info({ section: section.id }, 'self-assessment section saved');
    const incomplete = section.standards.filter((st) => missingFor(answers[st.id]).length > 0).length;
    const index = this.q.sections.indexOf(section);
    await turn.send({
      text: `Saved "${section.title}".${incomplete ? ` ${incomplete} standard${incomplete === 1 ? '' : 's'} in it still need${incomplete === 1 ? 's' : ''} an answer, evidence or an action before you can submit.` : ''}`,
    });
    const nextSection = this.q.sections[index + 1];
    if (data.then === 'next' && nextSection) {
      const doc = await this.deps.store.section(code, this.q.year, nextSection.id);
      return turn.send(sectionReply(this.q, nextSection.id, doc));
    }
    if (data.then === 'next') return this.review(turn);
    return this.overview(turn);
  }

  async review(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const { answers } = await this.answersOf(code);
    const incomplete = this.q.sections.filter((s) => !sectionComplete(this.q, s.id, answers));
    if (incomplete.length > 0) {
      await turn.send({
        text: `Before you can submit, complete: ${incomplete.map((s) => `section ${this.q.sections.indexOf(s) + 1} (${s.title})`).join(', ')}.`,
      });
      return this.overview(turn);
    }
    await turn.send(reviewReply(this.q, `${this.practice(code).name} (${code})`, answers));
  }

  async submit(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const existing = await this.deps.store.submission(code, this.q.year);
    if (existing?.status === 'submitted') return this.sendCritique(turn, code, existing);
    const { answers } = await this.answersOf(code);
    if (this.q.sections.some((s) => !sectionComplete(this.q, s.id, answers))) return this.review(turn);
    const result = critique(this.q, answers);
    const doc: SubmissionDoc = {
      ...(existing ?? {}),
      id: String(this.q.year),
      type: 'submission',
      practiceCode: code,
      year: this.q.year,
      status: 'submitted',
      submittedAt: this.deps.now().toISOString(),
      submittedBy: turn.principal.name ?? 'a practice lead',
      critique: result,
    };
    delete doc._etag;
    if (!(await this.deps.store.putSubmission(doc, existing?._etag))) {
      const latest = await this.deps.store.submission(code, this.q.year);
      if (latest?.status === 'submitted') return this.sendCritique(turn, code, latest);
      return turn.send({ text: 'The assessment changed while you were submitting. Please try again.' });
    }
    turn.log.info({ practice: code, rag: result.overall.rag }, 'self-assessment submitted');
    await this.sendCritique(turn, code, doc);
  }

  private async sendCritique(turn: ChatTurn, code: string, submission: SubmissionDoc): Promise<void> {
    await turn.send(critiqueReply(this.practice(code), submission));
  }
}
