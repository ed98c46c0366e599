import type { ChatTurn } from '../chat/types';
import { linkLifetime, toCsv, type ExportLinks } from '../exports';
import type { AuditTrail } from '../audit';
import { can } from '../people/roles';
import type { AssessmentContent, Questionnaire } from './content';
import { statusReply, themesReply } from './cards';
import { practiceOf } from './answer';
import { ANSWER_LABELS } from './scoring';
import type { AssessmentRecords } from './store';

/**
 * What safeguarding leads see across practices: completion, the standards most often not fully
 * met, every answer as CSV, and reopening a practice's submission.
 */
export interface OversightDeps {
  content: AssessmentContent;
  store: Pick<AssessmentRecords, 'allForYear' | 'submission' | 'putSubmission'>;
  exports: Pick<ExportLinks, 'link'>;
  /** Reopened submissions are recorded here. */
  audit: Pick<AuditTrail, 'note'>;
  now: () => Date;
}

/** The reply to anyone who is not a safeguarding lead. */
export async function refuseOversight(turn: ChatTurn): Promise<void> {
  turn.log.info({ permission: 'assessment.oversee' }, 'refused');
  await turn.send({ text: 'Only safeguarding leads can see self-assessment results across practices.' });
}

/** Refuses (and says so) anyone who is not a safeguarding lead. */
export async function refuseUnlessLead(turn: ChatTurn): Promise<boolean> {
  if (can(turn.principal, 'assessment.oversee')) return false;
  await refuseOversight(turn);
  return true;
}

/** An ODS practice code anywhere in what was typed, such as C87001. */
const ODS_CODE = /([A-Za-z]\d{5})/;

export class Oversight {
  constructor(private readonly deps: OversightDeps) {}

  private get q(): Questionnaire {
    return this.deps.content.current;
  }

  /** Every practice's answers for a year, one row per standard. */
  async csv(year: number): Promise<{ filename: string; csv: string }> {
    const q = this.deps.content.questionnaires.get(year) ?? this.q;
    const { sections, submissions } = await this.deps.store.allForYear(q.year);
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
    const header = [
      'practice_code',
      'practice_name',
      'year',
      'section',
      'standard_id',
      'standard',
      'answer',
      'evidence',
      'action',
      'owner',
      'target_date',
      'saved_at',
      'submitted_at',
    ];
    return { filename: `self-assessment-${q.year}.csv`, csv: toCsv(header, rows) };
  }

  /** Completion across practices, for leads. */
  async status(turn: ChatTurn): Promise<void> {
    if (await refuseUnlessLead(turn)) return;
    const { sections, submissions } = await this.deps.store.allForYear(this.q.year);
    const practices = this.deps.content.practices;
    const submitted = new Set(submissions.filter((s) => s.status === 'submitted').map((s) => s.practiceCode));
    const started = new Set(sections.map((s) => s.practiceCode));
    const rows = practices.map((p) => ({
      title: `${p.name} (${p.code})`,
      value: submitted.has(p.code) ? 'Submitted' : started.has(p.code) ? 'In progress' : 'Not started',
    }));
    await turn.send(statusReply(this.q, rows, practices.length));
  }

  /** The standards most often not fully met across practices that have submitted. */
  async themes(turn: ChatTurn): Promise<void> {
    if (await refuseUnlessLead(turn)) return;
    const { submissions } = await this.deps.store.allForYear(this.q.year);
    const done = submissions.filter((s) => s.status === 'submitted' && s.critique);
    if (done.length === 0)
      return turn.send({
        text: 'No practice has submitted this year’s self-assessment yet, so there are no themes to show.',
      });
    const counts = new Map<string, { standard: string; section: string; notMet: number; partial: number }>();
    for (const s of done)
      for (const a of s.critique!.actions) {
        const c = counts.get(a.standardId) ?? { standard: a.standard, section: a.sectionTitle, notMet: 0, partial: 0 };
        if (a.answer === 'not-met') c.notMet++;
        else c.partial++;
        counts.set(a.standardId, c);
      }
    const top = [...counts.values()]
      .sort((a, b) => b.notMet + b.partial - (a.notMet + a.partial) || b.notMet - a.notMet)
      .slice(0, 10);
    if (top.length === 0)
      return turn.send({
        text:
          done.length === 1
            ? 'The one practice that has submitted met every standard.'
            : `All ${done.length} submitted practices met every standard.`,
      });
    await turn.send(themesReply(this.q, done.length, top));
  }

  async exportLink(turn: ChatTurn): Promise<void> {
    if (await refuseUnlessLead(turn)) return;
    const { url, expiresAt } = this.deps.exports.link(
      'assessment-answers',
      { year: String(this.q.year) },
      turn.user.aadObjectId,
    );
    turn.log.info({ export: 'assessment-answers' }, 'export link issued');
    await turn.send({
      text: `[Download every practice's answers for ${this.q.year} (CSV)](${url}). The link works ${linkLifetime(expiresAt)}. It contains practice information only, never patient data.`,
    });
  }

  /** "reopen assessment C87001": a lead lets a practice change a submission. `args` is what followed the command. */
  async reopen(turn: ChatTurn, args: string | undefined): Promise<void> {
    if (await refuseUnlessLead(turn)) return;
    const code = ODS_CODE.exec(args ?? '')?.[1]?.toUpperCase();
    if (!code) return turn.send({ text: 'Tell me which practice, for example: reopen assessment C87001' });
    const practice = practiceOf(this.deps.content, code);
    const existing = await this.deps.store.submission(code, this.q.year);
    if (existing?.status !== 'submitted')
      return turn.send({
        text: `${practice.name} has not submitted this year’s self-assessment, so there is nothing to reopen.`,
      });
    const { _etag, ...rest } = existing;
    const ok = await this.deps.store.putSubmission(
      {
        ...rest,
        status: 'reopened',
        reopenedAt: this.deps.now().toISOString(),
        reopenedBy: turn.principal.name ?? 'a safeguarding lead',
      },
      _etag,
    );
    turn.log.info({ practice: code, reopened: ok }, 'assessment reopened');
    if (ok)
      await this.deps.audit.note(turn.user, 'assessment.reopened', { practice: code, year: this.q.year }, turn.log);
    await turn.send({
      text: ok
        ? `Reopened the self-assessment for ${practice.name}. Its practice leads can now change their answers and submit again.`
        : 'The submission changed while I was reopening it. Please try again.',
    });
  }
}
