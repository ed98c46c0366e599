import { card } from '../cards/render';
import { count, ukDate } from '../chat/format';
import type { Reply } from '../chat/types';
import type { Practice, Questionnaire } from './content';
import { ANSWER_LABELS, RAG_LABEL, whyRating, type Answer, type AnswerValue, type Critique, type Rag } from './scoring';
import type { SectionDoc, SubmissionDoc } from './store';
export {
  CritiqueCardData,
  OverviewCardData,
  ReviewCardData,
  SectionCardData,
  StatusCardData,
  ThemesCardData,
} from './cardData';

/**
 * The self-assessment cards, each declared with the data its template under cards/assessment/
 * reads, and built here alone. (Card data are type aliases, not interfaces: `card()` hands them on
 * as a record.)
 */

/** Adaptive Card text colours for ratings and answers. */
const RAG_COLOUR: Record<Rag, string> = { red: 'Attention', amber: 'Warning', green: 'Good' };
const ANSWER_COLOUR: Record<AnswerValue, string> = {
  met: 'Good',
  'partially-met': 'Warning',
  'not-met': 'Attention',
  'not-applicable': 'Default',
};

/** A moment as people in England read it: "3 November 2026, 14:05". */
export function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Europe/London',
  });
}

function groups<T>(items: T[], size: number): { items: T[] }[] {
  const out: { items: T[] }[] = [];
  for (let i = 0; i < items.length; i += size) out.push({ items: items.slice(i, i + size) });
  return out;
}

/** Each section's state on the overview. */
export interface SectionState {
  id: string;
  number: number;
  title: string;
  complete: boolean;
  saved: boolean;
  state: string;
}

/** A practice's progress: a button per section, and the next one to do (or review once all are complete). */
export function overviewReply(q: Questionnaire, practice: string, states: SectionState[], statusLine: string): Reply {
  const done = states.filter((s) => s.complete).length;
  const next = states.find((s) => !s.complete);
  return {
    card: card('assessment/overview', {
      title: q.title,
      practice,
      progress: `${done} of ${states.length} sections complete`,
      done,
      remaining: states.length - done,
      statusLine,
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
  };
}

/**
 * A section's card. After a refused save, `typed` is what the person typed (refused text already
 * taken out), `etag` the version they were editing, and `problems` what to fix and in which box.
 */
export function sectionReply(
  q: Questionnaire,
  sectionId: string,
  doc: SectionDoc | undefined,
  refused?: { typed: Record<string, Answer>; etag: string; problems: string[] },
): Reply {
  const index = q.sections.findIndex((s) => s.id === sectionId);
  const section = q.sections[index]!;
  const answers = refused?.typed ?? doc?.answers ?? {};
  return {
    card: card('assessment/section', {
      id: section.id,
      number: index + 1,
      total: q.sections.length,
      title: section.title,
      savedLine: refused
        ? 'Not saved: please correct the boxes listed below and save again.'
        : doc
          ? `Last saved ${when(doc.savedAt)}.`
          : 'Not saved yet.',
      problems: refused?.problems ?? [],
      hasProblems: (refused?.problems.length ?? 0) > 0,
      etag: refused ? refused.etag : (doc?._etag ?? ''),
      saveLabel: index + 1 < q.sections.length ? 'Save and continue' : 'Save and review',
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
    }),
    fallbackText: 'Self-assessment section',
  };
}

/** Every answer, section by section, before the practice submits (every standard is answered by then). */
export function reviewReply(q: Questionnaire, practice: string, answers: Record<string, Answer>): Reply {
  return {
    card: card('assessment/review', {
      title: q.title,
      practice,
      sections: q.sections.map((s, i) => ({
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
            plan: a.action
              ? `Action: ${a.action} (${a.owner ?? 'no owner given'}, by ${a.targetDate ? ukDate(a.targetDate) : 'no date given'})`
              : '',
          };
        }),
      })),
    }),
    fallbackText: 'Review your self-assessment',
  };
}

export function critiqueCard(practice: Practice, submission: SubmissionDoc): Record<string, unknown> {
  const c = submission.critique as Critique;
  const style = { red: 'attention', amber: 'warning', green: 'good' } as const;
  return card('assessment/critique', {
    practice: `${practice.name} (${practice.code})`,
    submitted: when(submission.submittedAt!),
    overallStyle: style[c.overall.rag],
    overallRag: RAG_LABEL[c.overall.rag],
    percent: c.overall.percent,
    summary: c.overall.summary,
    why: c.overall.why ?? whyRating(c),
    sections: c.sections.map((s) => ({
      title: s.title,
      color: RAG_COLOUR[s.rag],
      rag: `${RAG_LABEL[s.rag]}${s.percent !== undefined ? ` (${s.percent}%)` : ' (not applicable)'}`,
    })),
    actions: c.actions.map((a) => ({
      heading: `${a.priority === 1 ? 'Urgent' : a.priority === 2 ? 'High' : 'Medium'}: ${a.sectionTitle} (${ANSWER_LABELS[a.answer].toLowerCase()})`,
      standard: a.standard,
      guidance: a.guidance,
      plan: a.action
        ? `Your plan: ${a.action} Owner: ${a.owner ?? 'not given'}. By ${a.targetDate ? ukDate(a.targetDate) : 'no date given'}.`
        : 'No action given.',
    })),
  });
}

/** The critique a practice gets the moment it submits (and sees again until it is reopened). */
export function critiqueReply(practice: Practice, submission: SubmissionDoc): Reply {
  return { card: critiqueCard(practice, submission), fallbackText: 'Your self-assessment critique' };
}

/** Completion across practices: one row per practice with its state. */
export function statusReply(q: Questionnaire, rows: { title: string; value: string }[], practices: number): Reply {
  const nSubmitted = rows.filter((r) => r.value === 'Submitted').length;
  const nProgress = rows.filter((r) => r.value === 'In progress').length;
  const percent = practices ? Math.round((nSubmitted / practices) * 100) : 0;
  const headline = `${nSubmitted} of ${count(practices, 'practice')} submitted (${percent}%)`;
  return {
    card: card('assessment/status', {
      title: `${q.title}: completion`,
      headline,
      submitted: nSubmitted,
      inProgress: nProgress,
      notStarted: practices - nSubmitted - nProgress,
      rows,
    }),
    fallbackText: headline,
  };
}

/** The standards most often not fully met, with how many practices met them partly, not at all, or fully. */
export function themesReply(
  q: Questionnaire,
  submitted: number,
  top: { standard: string; section: string; notMet: number; partial: number }[],
): Reply {
  return {
    card: card('assessment/themes', {
      title: q.title,
      submitted: count(submitted, 'practice'),
      themes: top.map((t, i) => ({
        rank: i + 1,
        standard: t.standard,
        section: t.section,
        notMet: t.notMet,
        partial: t.partial,
        rest: submitted - t.notMet - t.partial,
      })),
    }),
    fallbackText: `Standards most often not fully met (${count(submitted, 'practice')} submitted)`,
  };
}
