import { z } from 'zod';
import { md } from '../cards/markdown';
import { renderCard } from '../cards/render';
import { count, ukDate } from '../chat/format';
import type { Capability, ChatTurn, Notifier } from '../chat/types';
import { linkLifetime, toCsv, type ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import type { ConversationStore } from '../people/conversations';
import type { PeopleDirectory } from '../people/directory';
import { nameList, WHY, type ReminderOutcome } from '../people/reminders';
import { can } from '../people/roles';
import { containsPatientData } from '../privacy/patientData';
import type { Store } from '../storage/store';
import type { AssessmentContent, Practice, Questionnaire } from './content';
import { ANSWER_LABELS, ANSWERS, critique, missingFor, RAG_LABEL, sectionComplete, whyRating, type Answer, type AnswerValue, type Critique, type Rag } from './scoring';

/** Adaptive Card text colours for ratings and answers. */
const RAG_COLOUR: Record<Rag, string> = { red: 'Attention', amber: 'Warning', green: 'Good' };
const ANSWER_COLOUR: Record<AnswerValue, string> = { met: 'Good', 'partially-met': 'Warning', 'not-met': 'Attention', 'not-applicable': 'Default' };
import { AssessmentStore, type SectionDoc, type SubmissionDoc } from './store';

/**
 * GP practice safeguarding self-assessment: practice leads answer a card per section (shared
 * draft per practice, etag-guarded), review and submit, and get their critique at once;
 * safeguarding leads see completion and themes and can reopen a submission.
 */
export interface AssessmentDeps {
  content: AssessmentContent;
  store: Store;
  notifier: Notifier;
  directory: PeopleDirectory;
  exports: ExportLinks;
  /** Who has a 1:1 chat with the bot: only practices with a lead who can be reached use up a weekly slot. */
  conversations: Pick<ConversationStore, 'withChat'>;
  /** Reopened submissions and reminders are recorded here. */
  audit: AuditTrail;
  now?: () => Date;
}

const sectionIdSchema = z.string().max(80);
const saveSchema = z.object({ verb: z.literal('assessment.save'), section: sectionIdSchema, etag: z.string().max(200), then: z.enum(['next', 'overview']) }).passthrough();
const openSchema = z.object({ verb: z.literal('assessment.open'), section: sectionIdSchema });

const answerFields = z.object({
  answer: z.enum(ANSWERS).optional(),
  evidence: z.string().trim().max(1000, 'Evidence can be at most 1,000 characters.').optional(),
  action: z.string().trim().max(300, 'An action can be at most 300 characters.').optional(),
  owner: z.string().trim().max(100, 'An owner can be at most 100 characters.').optional(),
  targetDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'A target date must be a date.')
    .optional(),
});

function groups<T>(items: T[], size: number): { items: T[] }[] {
  const out: { items: T[] }[] = [];
  for (let i = 0; i < items.length; i += size) out.push({ items: items.slice(i, i + size) });
  return out;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
}

export class AssessmentService {
  readonly store: AssessmentStore;
  private readonly now: () => Date;

  constructor(private readonly deps: AssessmentDeps) {
    this.store = new AssessmentStore(deps.store);
    this.now = deps.now ?? (() => new Date());
    deps.exports.register('assessment-answers', (params) => this.exportCsv(Number(params.year)));
  }

  /** Every practice's answers for a year, one row per standard. */
  async exportCsv(year: number): Promise<{ filename: string; csv: string }> {
    const q = this.deps.content.questionnaires.get(year) ?? this.q;
    const { sections, submissions } = await this.store.allForYear(q.year);
    const rows: unknown[][] = [];
    for (const practice of this.deps.content.practices) {
      const submission = submissions.find((s) => s.practiceCode === practice.code);
      for (const s of q.sections) {
        const doc = sections.find((d) => d.practiceCode === practice.code && d.sectionId === s.id);
        for (const st of s.standards) {
          const a = doc?.answers[st.id];
          rows.push([
            practice.code,
            practice.name,
            q.year,
            s.title,
            st.id,
            st.standard,
            a?.answer ? ANSWER_LABELS[a.answer] : '',
            a?.evidence,
            a?.action,
            a?.owner,
            a?.targetDate,
            doc?.savedAt,
            submission?.status === 'submitted' ? submission.submittedAt : '',
          ]);
        }
      }
    }
    const header = ['practice_code', 'practice_name', 'year', 'section', 'standard_id', 'standard', 'answer', 'evidence', 'action', 'owner', 'target_date', 'saved_at', 'submitted_at'];
    return { filename: `self-assessment-${q.year}.csv`, csv: toCsv(header, rows) };
  }

  private get q(): Questionnaire {
    return this.deps.content.current;
  }

  private practice(code: string): Practice {
    return this.deps.content.practices.find((p) => p.code === code) ?? { code, name: `Practice ${code}` };
  }

  /** The practice this person answers for, or a polite refusal. */
  private async practiceFor(turn: ChatTurn): Promise<string | undefined> {
    if (turn.conversation.kind !== 'personal') {
      await turn.send({ text: 'The self-assessment is completed in a 1:1 chat with me, so that answers are not shared in a channel.' });
      return undefined;
    }
    if (!can(turn.principal, 'assessment.answer') || !turn.principal.practiceCode) {
      turn.log.info({ permission: 'assessment.answer' }, 'refused');
      await turn.send({ text: "The practice self-assessment is for GP practice safeguarding leads. If that is you, ask your organisation's safeguarding team to add you to the staff list as a practice lead." });
      return undefined;
    }
    return turn.principal.practiceCode;
  }

  private async answersOf(practiceCode: string): Promise<{ docs: Map<string, SectionDoc>; answers: Record<string, Answer> }> {
    const docs = new Map((await this.store.sections(practiceCode, this.q.year)).map((d) => [d.sectionId, d] as const));
    const answers: Record<string, Answer> = {};
    for (const d of docs.values()) Object.assign(answers, d.answers);
    return { docs, answers };
  }

  async overview(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const submission = await this.store.submission(code, this.q.year);
    if (submission?.status === 'submitted') return this.sendCritique(turn, code, submission);
    const { docs, answers } = await this.answersOf(code);
    const states = this.q.sections.map((s, i) => {
      const complete = sectionComplete(this.q, s.id, answers);
      return { id: s.id, number: i + 1, title: s.title, complete, saved: docs.has(s.id), state: complete ? 'Complete' : docs.has(s.id) ? 'Started' : 'Not started' };
    });
    const done = states.filter((s) => s.complete).length;
    const next = states.find((s) => !s.complete);
    await turn.send({
      card: renderCard('assessment/overview', {
        title: this.q.title,
        practice: `${this.practice(code).name} (${code})`,
        progress: `${done} of ${states.length} sections complete`,
        done,
        remaining: states.length - done,
        statusLine: submission?.status === 'reopened' ? `Reopened by a safeguarding lead on ${when(submission.reopenedAt!)}: make your changes and submit again.` : 'Everyone who leads on safeguarding in your practice works on the same draft.',
        sections: states,
        groups: groups(
          states.map((s) => ({ id: s.id, label: `${s.number}. ${s.title} (${s.state.toLowerCase()})` })),
          4,
        ),
        canContinue: next !== undefined,
        continueLabel: next ? `${next.saved ? 'Continue' : 'Start'}: section ${next.number}` : '',
        nextSection: next?.id ?? '',
        canReview: next === undefined,
      }),
      fallbackText: 'Self-assessment progress',
    });
  }

  /**
   * A section's card. After a refused save, `typed` is what the person typed (refused text already
   * taken out), `etag` the version they were editing, and `problems` what to fix and in which box.
   */
  private sectionCard(sectionId: string, doc: SectionDoc | undefined, refused?: { typed: Record<string, Answer>; etag: string; problems: string[] }): Record<string, unknown> {
    const index = this.q.sections.findIndex((s) => s.id === sectionId);
    const section = this.q.sections[index]!;
    const answers = refused?.typed ?? doc?.answers ?? {};
    return renderCard('assessment/section', {
      id: section.id,
      number: index + 1,
      total: this.q.sections.length,
      title: section.title,
      savedLine: refused ? 'Not saved: please correct the boxes listed below and save again.' : doc ? `Last saved ${when(doc.savedAt)}.` : 'Not saved yet.',
      problems: refused?.problems ?? [],
      hasProblems: (refused?.problems.length ?? 0) > 0,
      etag: refused ? refused.etag : (doc?._etag ?? ''),
      saveLabel: index + 1 < this.q.sections.length ? 'Save and continue' : 'Save and review',
      standards: section.standards.map((st, i) => {
        const a = answers[st.id] ?? {};
        return {
          id: st.id,
          index: i + 1,
          standard: st.standard,
          good: st.good,
          evidence: st.evidence,
          answer: a.answer ?? '',
          evidenceValue: a.evidence ?? '',
          action: a.action ?? '',
          owner: a.owner ?? '',
          targetDate: a.targetDate ?? '',
        };
      }),
    });
  }

  async open(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const parsed = openSchema.safeParse(turn.value);
    if (!parsed.success || !this.q.sections.some((s) => s.id === parsed.data.section)) return this.overview(turn);
    if ((await this.store.submission(code, this.q.year))?.status === 'submitted') return this.overview(turn);
    const doc = await this.store.section(code, this.q.year, parsed.data.section);
    await turn.send({ card: this.sectionCard(parsed.data.section, doc), fallbackText: 'Self-assessment section' });
  }

  async save(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const parsed = saveSchema.safeParse(turn.value);
    const section = parsed.success ? this.q.sections.find((s) => s.id === parsed.data.section) : undefined;
    if (!parsed.success || !section) return this.overview(turn);
    if ((await this.store.submission(code, this.q.year))?.status === 'submitted') {
      return turn.send({ text: 'Your practice has already submitted this year’s self-assessment, so nothing was changed. A safeguarding lead can reopen it if you need to make changes.' });
    }
    const raw = turn.value as Record<string, unknown>;
    const answers: Record<string, Answer> = {};
    /** What the person typed, refused text taken out: the card comes back with it after a refused save. */
    const typed: Record<string, Answer> = {};
    const problems: string[] = [];
    const BOX = { evidence: 'the evidence box', action: 'the action box', owner: 'the owner box' } as const;
    section.standards.forEach((st, i) => {
      const field = (name: string) => {
        const v = raw[`${st.id}__${name}`];
        return typeof v === 'string' && v.trim() !== '' ? v : undefined;
      };
      const given = { answer: field('answer'), evidence: field('evidence'), action: field('action'), owner: field('owner'), targetDate: field('targetDate') };
      const keep: Record<string, string | undefined> = { ...given };
      if (keep.answer !== undefined && !(ANSWERS as readonly string[]).includes(keep.answer)) keep.answer = undefined;
      let ok = true;
      for (const name of ['evidence', 'action', 'owner'] as const) {
        const t = given[name];
        if (t && containsPatientData(t, this.now())) {
          keep[name] = undefined;
          ok = false;
          problems.push(`Standard ${i + 1}, ${BOX[name]}: this looks like it contains patient details, so I have cleared that box. Please describe your evidence without them.`);
          turn.log.info({ section: section.id, standard: st.id, box: name }, 'self-assessment patient data refused');
        }
      }
      typed[st.id] = Object.fromEntries(Object.entries(keep).filter(([, v]) => v !== undefined)) as Answer;
      if (!ok) return;
      const result = answerFields.safeParse(given);
      if (!result.success) {
        problems.push(...result.error.issues.map((issue) => `Standard ${i + 1}${issue.path[0] && issue.path[0] in BOX ? `, ${BOX[issue.path[0] as keyof typeof BOX]}` : ''}: ${issue.message}`));
        return;
      }
      answers[st.id] = Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)) as Answer;
    });
    if (problems.length > 0) {
      await turn.send({ text: `Nothing was saved:\n\n${problems.map((p) => `- ${p}`).join('\n')}\n\nEverything else you typed is still in the card below. Please correct this and save again.` });
      return turn.send({ card: this.sectionCard(section.id, undefined, { typed, etag: parsed.data.etag, problems }), fallbackText: 'Self-assessment section' });
    }
    const result = await this.store.saveSection(
      { practiceCode: code, year: this.q.year, sectionId: section.id, answers, savedBy: turn.principal.name ?? 'a practice lead', savedAt: this.now().toISOString() },
      parsed.data.etag,
    );
    if (!result.ok) {
      await turn.send({
        text: `Someone else in your practice saved "${section.title}" while you were editing${result.latest ? ` (${md(result.latest.savedBy)}, ${when(result.latest.savedAt)})` : ''}. Your changes were not saved, so nothing of theirs was overwritten. Here is the latest version: please add your changes to it and save again.`,
      });
      return turn.send({ card: this.sectionCard(section.id, result.latest), fallbackText: 'Self-assessment section' });
    }
    turn.log.info({ section: section.id }, 'self-assessment section saved');
    const incomplete = section.standards.filter((st) => missingFor(answers[st.id]).length > 0).length;
    const index = this.q.sections.indexOf(section);
    await turn.send({ text: `Saved "${section.title}".${incomplete ? ` ${incomplete} standard${incomplete === 1 ? '' : 's'} in it still need${incomplete === 1 ? 's' : ''} an answer, evidence or an action before you can submit.` : ''}` });
    const nextSection = this.q.sections[index + 1];
    if (parsed.data.then === 'next' && nextSection) {
      const doc = await this.store.section(code, this.q.year, nextSection.id);
      return turn.send({ card: this.sectionCard(nextSection.id, doc), fallbackText: 'Self-assessment section' });
    }
    if (parsed.data.then === 'next') return this.review(turn);
    return this.overview(turn);
  }

  async review(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const { answers } = await this.answersOf(code);
    const incomplete = this.q.sections.filter((s) => !sectionComplete(this.q, s.id, answers));
    if (incomplete.length > 0) {
      await turn.send({ text: `Before you can submit, complete: ${incomplete.map((s) => `section ${this.q.sections.indexOf(s) + 1} (${s.title})`).join(', ')}.` });
      return this.overview(turn);
    }
    await turn.send({
      card: renderCard('assessment/review', {
        title: this.q.title,
        practice: `${this.practice(code).name} (${code})`,
        sections: this.q.sections.map((s, i) => ({
          number: i + 1,
          title: s.title,
          answers: s.standards.map((st, j) => {
            const a = answers[st.id]!;
            return {
              standard: `${j + 1}`,
              text: st.standard,
              label: ANSWER_LABELS[a.answer!],
              color: ANSWER_COLOUR[a.answer!],
              evidence: a.evidence ?? '',
              plan: a.action ? `Action: ${a.action} (${a.owner ?? 'no owner given'}, by ${a.targetDate ? ukDate(a.targetDate) : 'no date given'})` : '',
            };
          }),
        })),
      }),
      fallbackText: 'Review your self-assessment',
    });
  }

  async submit(turn: ChatTurn): Promise<void> {
    const code = await this.practiceFor(turn);
    if (!code) return;
    const existing = await this.store.submission(code, this.q.year);
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
      submittedAt: this.now().toISOString(),
      submittedBy: turn.principal.name ?? 'a practice lead',
      critique: result,
    };
    delete doc._etag;
    if (!(await this.store.putSubmission(doc, existing?._etag))) {
      const latest = await this.store.submission(code, this.q.year);
      if (latest?.status === 'submitted') return this.sendCritique(turn, code, latest);
      return turn.send({ text: 'The assessment changed while you were submitting. Please try again.' });
    }
    turn.log.info({ practice: code, rag: result.overall.rag }, 'self-assessment submitted');
    await this.sendCritique(turn, code, doc);
  }

  private async sendCritique(turn: ChatTurn, code: string, submission: SubmissionDoc): Promise<void> {
    await turn.send({ card: critiqueCard(this.practice(code), submission), fallbackText: 'Your self-assessment critique' });
  }

  private async refuseUnlessLead(turn: ChatTurn): Promise<boolean> {
    if (can(turn.principal, 'assessment.oversee')) return false;
    turn.log.info({ permission: 'assessment.oversee' }, 'refused');
    await turn.send({ text: 'Only safeguarding leads can see self-assessment results across practices.' });
    return true;
  }

  /** Completion across practices, for leads. */
  async status(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const { sections, submissions } = await this.store.allForYear(this.q.year);
    const practices = this.deps.content.practices;
    const submitted = new Set(submissions.filter((s) => s.status === 'submitted').map((s) => s.practiceCode));
    const started = new Set(sections.map((s) => s.practiceCode));
    const rows = practices.map((p) => ({ title: `${p.name} (${p.code})`, value: submitted.has(p.code) ? 'Submitted' : started.has(p.code) ? 'In progress' : 'Not started' }));
    const nSubmitted = rows.filter((r) => r.value === 'Submitted').length;
    const nProgress = rows.filter((r) => r.value === 'In progress').length;
    const percent = practices.length ? Math.round((nSubmitted / practices.length) * 100) : 0;
    await turn.send({
      card: renderCard('assessment/status', {
        title: `${this.q.title}: completion`,
        headline: `${nSubmitted} of ${count(practices.length, 'practice')} submitted (${percent}%)`,
        submitted: nSubmitted,
        inProgress: nProgress,
        notStarted: practices.length - nSubmitted - nProgress,
        rows,
      }),
      fallbackText: `${nSubmitted} of ${count(practices.length, 'practice')} submitted (${percent}%)`,
    });
  }

  /** The standards most often not fully met across practices that have submitted. */
  async themes(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const { submissions } = await this.store.allForYear(this.q.year);
    const done = submissions.filter((s) => s.status === 'submitted' && s.critique);
    if (done.length === 0) return turn.send({ text: 'No practice has submitted this year’s self-assessment yet, so there are no themes to show.' });
    const counts = new Map<string, { standard: string; section: string; notMet: number; partial: number }>();
    for (const s of done)
      for (const a of s.critique!.actions) {
        const c = counts.get(a.standardId) ?? { standard: a.standard, section: a.sectionTitle, notMet: 0, partial: 0 };
        if (a.answer === 'not-met') c.notMet++;
        else c.partial++;
        counts.set(a.standardId, c);
      }
    const top = [...counts.values()].sort((a, b) => b.notMet + b.partial - (a.notMet + a.partial) || b.notMet - a.notMet).slice(0, 10);
    if (top.length === 0) return turn.send({ text: done.length === 1 ? 'The one practice that has submitted met every standard.' : `All ${done.length} submitted practices met every standard.` });
    await turn.send({
      card: renderCard('assessment/themes', {
        title: this.q.title,
        submitted: count(done.length, 'practice'),
        themes: top.map((t, i) => ({ rank: i + 1, standard: t.standard, section: t.section, notMet: t.notMet, partial: t.partial, rest: done.length - t.notMet - t.partial })),
      }),
      fallbackText: `Standards most often not fully met (${count(done.length, 'practice')} submitted)`,
    });
  }

  async exportLink(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const { url, expiresAt } = this.deps.exports.link('assessment-answers', { year: String(this.q.year) }, turn.user.aadObjectId);
    turn.log.info({ export: 'assessment-answers' }, 'export link issued');
    await turn.send({
      text: `[Download every practice's answers for ${this.q.year} (CSV)](${url}). The link works ${linkLifetime(expiresAt)}. It contains practice information only, never patient data.`,
    });
  }

  /**
   * One nudge to the practice leads of every practice that has not submitted, at most once a week
   * each. A practice's weekly slot is claimed only when at least one of its leads can be reached,
   * and given back if no message went through.
   */
  async remind(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const now = this.now();
    const { submissions } = await this.store.allForYear(this.q.year);
    const submitted = new Set(submissions.filter((s) => s.status === 'submitted').map((s) => s.practiceCode));
    const leads = await this.deps.directory.practiceLeads();
    const withChat = await this.deps.conversations.withChat(leads.flatMap((l) => (l.aadObjectId ? [l.aadObjectId] : [])));
    const outcomes: ReminderOutcome[] = [];
    const practicesReminded: string[] = [];
    const recently: string[] = [];
    const noLead: string[] = [];
    for (const practice of this.deps.content.practices.filter((p) => !submitted.has(p.code))) {
      const practiceLeads = leads.filter((l) => l.practiceCode === practice.code);
      if (practiceLeads.length === 0) {
        noLead.push(practice.name);
        continue;
      }
      const label = (name: string) => `${name} (${practice.name})`;
      const reachable = practiceLeads.filter((l) => l.aadObjectId && withChat.has(l.aadObjectId.toLowerCase()));
      for (const l of practiceLeads) if (!reachable.includes(l)) outcomes.push({ name: label(l.name), outcome: l.aadObjectId ? 'no-chat' : 'not-in-teams' });
      if (reachable.length === 0) continue;
      if (!(await this.store.claimReminder(practice.code, this.q.year, now))) {
        recently.push(practice.name);
        continue;
      }
      let sent = 0;
      for (const lead of reachable) {
        const result = await this.deps.notifier
          .sendToPerson(lead.aadObjectId!, {
            text: `A reminder: ${practice.name} has not yet submitted the ${this.q.title}. Type self-assessment to carry on where your practice left off.`,
          })
          .catch((err: unknown) => {
            turn.log.warn({ err: { message: (err as Error).message } }, 'assessment reminder not delivered');
            return 'failed' as const;
          });
        if (result === 'sent') sent++;
        outcomes.push({ name: label(lead.name), outcome: result === 'sent' ? 'reminded' : result === 'no-conversation' ? 'no-chat' : 'failed' });
      }
      if (sent > 0) practicesReminded.push(practice.name);
      else await this.store.releaseReminder(practice.code, this.q.year);
    }
    const named = turn.conversation.kind === 'personal';
    const list = (names: string[]) => (named && names.length ? `: ${nameList(names)}` : '');
    const reminded = outcomes.filter((o) => o.outcome === 'reminded').map((o) => o.name);
    const unreachable = (['no-chat', 'not-in-teams', 'failed'] as const).filter((k) => outcomes.some((o) => o.outcome === k));
    const unreachableCount = outcomes.filter((o) => o.outcome !== 'reminded').length;
    const practices = (n: number) => `${n} ${n === 1 ? 'practice' : 'practices'}`;
    const leadsOf = (n: number) => `${n} practice ${n === 1 ? 'lead' : 'leads'}`;
    turn.log.info({ practices: practicesReminded.length, reminded: reminded.length, notReached: unreachableCount, noLead: noLead.length }, 'practice reminders sent');
    await this.deps.audit.note(turn.user, 'assessment.reminded', { year: this.q.year, practices: practicesReminded.length, reminded: reminded.length, notReached: unreachableCount }, turn.log);
    await turn.send({
      text: [
        `Reminded ${leadsOf(reminded.length)} in ${practices(practicesReminded.length)}${list(reminded)}.`,
        recently.length ? `${practices(recently.length)} ${recently.length === 1 ? 'was' : 'were'} reminded in the last 7 days, so not again${list(recently)}.` : '',
        unreachableCount
          ? `${leadsOf(unreachableCount)} cannot be reached, so no reminder was used up: ${unreachable
              .map((k) => {
                const names = outcomes.filter((o) => o.outcome === k).map((o) => o.name);
                return `${named ? nameList(names) : names.length} ${WHY[k]}`;
              })
              .join('; ')}.`
          : '',
        noLead.length ? `${practices(noLead.length)} ${noLead.length === 1 ? 'has' : 'have'} no practice lead in the staff list${list(noLead)}.` : '',
      ]
        .filter(Boolean)
        .join(' '),
    });
  }

  /** "reopen assessment C87001": a lead lets a practice change a submission. */
  async reopen(turn: ChatTurn): Promise<void> {
    if (await this.refuseUnlessLead(turn)) return;
    const code = /([A-Za-z]\d{5})/.exec(turn.text)?.[1]?.toUpperCase();
    if (!code) return turn.send({ text: 'Tell me which practice, for example: reopen assessment C87001' });
    const existing = await this.store.submission(code, this.q.year);
    if (existing?.status !== 'submitted') return turn.send({ text: `${this.practice(code).name} has not submitted this year’s self-assessment, so there is nothing to reopen.` });
    const { _etag, ...rest } = existing;
    const ok = await this.store.putSubmission({ ...rest, status: 'reopened', reopenedAt: this.now().toISOString(), reopenedBy: turn.principal.name ?? 'a safeguarding lead' }, _etag);
    turn.log.info({ practice: code, reopened: ok }, 'assessment reopened');
    if (ok) await this.deps.audit.note(turn.user, 'assessment.reopened', { practice: code, year: this.q.year }, turn.log);
    await turn.send({ text: ok ? `Reopened the self-assessment for ${this.practice(code).name}. Its practice leads can now change their answers and submit again.` : 'The submission changed while I was reopening it. Please try again.' });
  }
}

export function critiqueCard(practice: Practice, submission: SubmissionDoc): Record<string, unknown> {
  const c = submission.critique as Critique;
  const style = { red: 'attention', amber: 'warning', green: 'good' } as const;
  return renderCard('assessment/critique', {
    practice: `${practice.name} (${practice.code})`,
    submitted: when(submission.submittedAt!),
    overallStyle: style[c.overall.rag],
    overallRag: RAG_LABEL[c.overall.rag],
    percent: c.overall.percent,
    summary: c.overall.summary,
    why: c.overall.why ?? whyRating(c),
    sections: c.sections.map((s) => ({ title: s.title, color: RAG_COLOUR[s.rag], rag: `${RAG_LABEL[s.rag]}${s.percent !== undefined ? ` (${s.percent}%)` : ' (not applicable)'}` })),
    actions: c.actions.map((a) => ({
      heading: `${a.priority === 1 ? 'Urgent' : a.priority === 2 ? 'High' : 'Medium'}: ${a.sectionTitle} (${ANSWER_LABELS[a.answer].toLowerCase()})`,
      standard: a.standard,
      guidance: a.guidance,
      plan: a.action ? `Your plan: ${a.action} Owner: ${a.owner ?? 'not given'}. By ${a.targetDate ? ukDate(a.targetDate) : 'no date given'}.` : 'No action given.',
    })),
  });
}

export function createAssessmentCapability(service: AssessmentService): Capability {
  return {
    name: 'assessment',
    commands: [
      {
        name: 'self-assessment',
        permission: 'assessment.answer',
        button: 'Practice self-assessment',
        description: "Complete your GP practice's annual safeguarding self-assessment",
        patterns: [/^\s*(practice\s+)?self[- ]?assessment\s*$/i],
        handle: (turn) => service.overview(turn),
        privileged: true,
      },
      { name: 'assessment status', permission: 'assessment.oversee', button: 'Self-assessment status', description: 'Which GP practices have submitted their self-assessment', patterns: [/^\s*assessment status\s*$/i], handle: (turn) => service.status(turn), privileged: true },
      { name: 'assessment themes', permission: 'assessment.oversee', description: 'The self-assessment standards practices most often do not fully meet', patterns: [/^\s*assessment themes\s*$/i], handle: (turn) => service.themes(turn), privileged: true },
      { name: 'reopen assessment', permission: 'assessment.oversee', usage: 'reopen assessment <ODS code>', description: 'Let a practice change its submitted self-assessment', patterns: [/^\s*reopen assessment\b.*$/i], handle: (turn) => service.reopen(turn), privileged: true },
      { name: 'assessment export', permission: 'assessment.oversee', description: 'Download every practice’s answers as CSV', patterns: [/^\s*assessment export\s*$/i], handle: (turn) => service.exportLink(turn), privileged: true },
      { name: 'remind practices', permission: 'assessment.oversee', description: 'Remind practices that have not submitted, at most once a week', patterns: [/^\s*remind practices\s*$/i], handle: (turn) => service.remind(turn), privileged: true },
    ],
    actions: [
      { verb: 'assessment.overview', permission: 'assessment.answer', handle: (turn) => service.overview(turn), privileged: true },
      { verb: 'assessment.open', permission: 'assessment.answer', handle: (turn) => service.open(turn), privileged: true },
      { verb: 'assessment.save', permission: 'assessment.answer', handle: (turn) => service.save(turn), privileged: true },
      { verb: 'assessment.review', permission: 'assessment.answer', handle: (turn) => service.review(turn), privileged: true },
      { verb: 'assessment.submit', permission: 'assessment.answer', handle: (turn) => service.submit(turn), privileged: true },
      { verb: 'assessment.remind', permission: 'assessment.oversee', handle: (turn) => service.remind(turn), privileged: true },
      { verb: 'assessment.export', permission: 'assessment.oversee', handle: (turn) => service.exportLink(turn), privileged: true },
    ],
  };
}
