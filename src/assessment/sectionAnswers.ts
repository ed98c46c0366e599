import { z } from 'zod';
import { containsPatientData } from '../privacy/patientData';
import type { Questionnaire } from './content';
import { ANSWERS, type Answer } from './scoring';

/**
 * Pure: what a practice lead typed into a section card, checked box by box. Each standard's boxes
 * arrive as `<standard id>__answer`, `__evidence`, `__action`, `__owner` and `__targetDate`.
 */
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

const BOX = { evidence: 'the evidence box', action: 'the action box', owner: 'the owner box' } as const;

export interface CheckedSection {
  /** The answers to save (only when there are no problems). */
  answers: Record<string, Answer>;
  /** What the person typed, refused text taken out: the card comes back with it after a refused save. */
  typed: Record<string, Answer>;
  /** What to fix, and in which box. */
  problems: string[];
  /** Boxes cleared because they looked like patient details (logged by standard and box, never the text). */
  screened: { standard: string; box: keyof typeof BOX }[];
}

export function checkSection(
  section: Questionnaire['sections'][number],
  raw: Record<string, unknown>,
  now: Date,
): CheckedSection {
  const answers: Record<string, Answer> = {};
  const typed: Record<string, Answer> = {};
  const problems: string[] = [];
  const screened: CheckedSection['screened'] = [];
  section.standards.forEach((st, i) => {
    const field = (name: string) => {
      const v = raw[`${st.id}__${name}`];
      return typeof v === 'string' && v.trim() !== '' ? v : undefined;
    };
    const given = {
      answer: field('answer'),
      evidence: field('evidence'),
      action: field('action'),
      owner: field('owner'),
      targetDate: field('targetDate'),
    };
    const keep: Record<string, string | undefined> = { ...given };
    if (keep.answer !== undefined && !(ANSWERS as readonly string[]).includes(keep.answer)) keep.answer = undefined;
    let ok = true;
    for (const name of ['evidence', 'action', 'owner'] as const) {
      const t = given[name];
      if (t && containsPatientData(t, now)) {
        keep[name] = undefined;
        ok = false;
        problems.push(
          `Standard ${i + 1}, ${BOX[name]}: this looks like it contains patient details, so I have cleared that box. Please describe your evidence without them.`,
        );
        screened.push({ standard: st.id, box: name });
      }
    }
    typed[st.id] = Object.fromEntries(Object.entries(keep).filter(([, v]) => v !== undefined)) as Answer;
    if (!ok) return;
    const result = answerFields.safeParse(given);
    if (!result.success) {
      problems.push(
        ...result.error.issues.map(
          (issue) =>
            `Standard ${i + 1}${issue.path[0] && issue.path[0] in BOX ? `, ${BOX[issue.path[0] as keyof typeof BOX]}` : ''}: ${issue.message}`,
        ),
      );
      return;
    }
    answers[st.id] = Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined)) as Answer;
  });
  return { answers, typed, problems, screened };
}
