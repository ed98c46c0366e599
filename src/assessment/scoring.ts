import type { Questionnaire } from './content';

/**
 * Pure rules for the self-assessment: when a section is complete, and the critique each practice
 * gets on submission (RAG per section, overall position, prioritised actions).
 */
export const ANSWERS = ['met', 'partially-met', 'not-met', 'not-applicable'] as const;
export type AnswerValue = (typeof ANSWERS)[number];
export const ANSWER_LABELS: Record<AnswerValue, string> = {
  met: 'Met',
  'partially-met': 'Partially met',
  'not-met': 'Not met',
  'not-applicable': 'Not applicable',
};

export interface Answer {
  answer?: AnswerValue;
  evidence?: string;
  action?: string;
  owner?: string;
  targetDate?: string;
}

export type Rag = 'red' | 'amber' | 'green';

/** What a standard's answer still lacks before the assessment can be submitted. */
export function missingFor(a: Answer | undefined): string[] {
  if (!a?.answer) return ['an answer'];
  const missing: string[] = [];
  if ((a.answer === 'met' || a.answer === 'partially-met') && !a.evidence) missing.push('evidence');
  if (a.answer === 'partially-met' || a.answer === 'not-met') {
    if (!a.action) missing.push('an action');
    if (!a.owner) missing.push('an owner');
    if (!a.targetDate) missing.push('a target date');
  }
  return missing;
}

export function sectionComplete(q: Questionnaire, sectionId: string, answers: Record<string, Answer>): boolean {
  const section = q.sections.find((s) => s.id === sectionId);
  return !!section && section.standards.every((st) => missingFor(answers[st.id]).length === 0);
}

export interface SectionResult {
  id: string;
  title: string;
  rag: Rag;
  /** Share of the available points, 0-100; undefined when every standard is not applicable. */
  percent?: number;
  /** A critical standard in this section is not met (that alone makes it red). */
  criticalNotMet?: boolean;
}

export interface CritiqueAction {
  priority: 1 | 2 | 3;
  standardId: string;
  sectionTitle: string;
  standard: string;
  answer: AnswerValue;
  guidance: string;
  action?: string;
  owner?: string;
  targetDate?: string;
}

export interface Critique {
  sections: SectionResult[];
  /** `why`: in plain words, why the overall rating is what it is (absent on critiques saved before it existed). */
  overall: { rag: Rag; percent: number; summary: string; why?: string };
  actions: CritiqueAction[];
}

const POINTS: Record<AnswerValue, number | undefined> = {
  met: 2,
  'partially-met': 1,
  'not-met': 0,
  'not-applicable': undefined,
};

/**
 * Section RAG: red when a critical standard is not met or the section scores under 60%; green
 * when everything applicable is met; amber otherwise. Overall: red if any section is red, green
 * if all are green, amber otherwise.
 */
export function critique(q: Questionnaire, answers: Record<string, Answer>): Critique {
  const actions: CritiqueAction[] = [];
  let got = 0;
  let max = 0;
  const sections = q.sections.map((s): SectionResult => {
    let sGot = 0;
    let sMax = 0;
    let criticalMissed = false;
    for (const st of s.standards) {
      const a = answers[st.id];
      const value = a?.answer ?? 'not-met';
      const points = POINTS[value];
      if (points === undefined) continue;
      sGot += points;
      sMax += 2;
      if (value === 'not-met' && st.critical) criticalMissed = true;
      if (value !== 'met') {
        actions.push({
          priority: value === 'not-met' ? (st.critical ? 1 : 2) : 3,
          standardId: st.id,
          sectionTitle: s.title,
          standard: st.standard,
          answer: value,
          guidance: st.good,
          action: a?.action,
          owner: a?.owner,
          targetDate: a?.targetDate,
        });
      }
    }
    got += sGot;
    max += sMax;
    const percent = sMax === 0 ? undefined : Math.round((sGot / sMax) * 100);
    const rag: Rag =
      criticalMissed || (percent !== undefined && percent < 60)
        ? 'red'
        : percent === undefined || percent === 100
          ? 'green'
          : 'amber';
    return { id: s.id, title: s.title, rag, percent, ...(criticalMissed ? { criticalNotMet: true } : {}) };
  });
  const reds = sections.filter((s) => s.rag === 'red').length;
  const ambers = sections.filter((s) => s.rag === 'amber').length;
  const rag: Rag = reds > 0 ? 'red' : ambers > 0 ? 'amber' : 'green';
  const percent = max === 0 ? 100 : Math.round((got / max) * 100);
  const summary =
    rag === 'green'
      ? `All ${sections.length} sections fully met. Keep your evidence up to date for next year.`
      : `${sections.length - reds - ambers} of ${sections.length} sections fully met; ${ambers} partly met and ${reds} needing urgent attention.`;
  actions.sort((a, b) => a.priority - b.priority || (a.targetDate ?? '9999').localeCompare(b.targetDate ?? '9999'));
  const result: Critique = { sections, overall: { rag, percent, summary }, actions };
  result.overall.why = whyRating(result);
  return result;
}

function andList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Why the overall rating is what it is: "Overall: Red (87%)" alone confuses, since 87% sounds
 * good. Works for critiques stored before sections recorded `criticalNotMet` (from the urgent actions).
 */
export function whyRating(c: Critique): string {
  const urgent = new Set(c.actions.filter((a) => a.priority === 1).map((a) => a.sectionTitle));
  const critical = c.sections.filter((s) => s.rag === 'red' && (s.criticalNotMet ?? urgent.has(s.title)));
  const low = c.sections.filter((s) => s.rag === 'red' && !critical.includes(s));
  if (critical.length || low.length) {
    const parts = [
      critical.length ? `a critical standard is not met in ${andList(critical.map((s) => s.title))}` : '',
      low.length ? `${andList(low.map((s) => s.title))} scored under 60%` : '',
    ].filter(Boolean);
    return `Red because ${parts.join(', and ')}.`;
  }
  const amber = c.sections.filter((s) => s.rag === 'amber');
  if (amber.length)
    return `Amber because ${amber.length === 1 ? '1 section is' : `${amber.length} sections are`} only partly met: ${andList(amber.map((s) => s.title))}.`;
  return 'Green: every standard that applies to your practice is met.';
}

export const RAG_LABEL: Record<Rag, string> = { red: 'Red', amber: 'Amber', green: 'Green' };
