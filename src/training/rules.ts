import fs from 'node:fs';
import { z } from 'zod';

/**
 * Safeguarding training rules (content/training/rules.json) and the pure engine that says whether
 * a person is compliant for children, adults and Prevent on a given day.
 */
export const SUBJECTS = ['children', 'adults', 'prevent'] as const;
export type Subject = (typeof SUBJECTS)[number];
export const SUBJECT_LABELS: Record<Subject, string> = { children: 'Safeguarding children', adults: 'Safeguarding adults', prevent: 'Prevent' };

const levelRule = z
  .object({
    level: z.number().int().min(1).max(5),
    label: z.string().optional(),
    refreshYears: z.number().int().min(1).max(10),
    minHours: z.number().min(0).max(100),
    annualUpdate: z.boolean(),
    source: z.string().min(1, 'every figure needs its source'),
  })
  .strict();

const rulesSchema = z
  .object({
    note: z.string().optional(),
    complianceTarget: z.number().gt(0).max(1),
    dueSoonDays: z.number().int().min(1).max(365),
    levels: z.object({ children: z.array(levelRule).min(1), adults: z.array(levelRule).min(1), prevent: z.array(levelRule).min(1) }).strict(),
    staffGroups: z
      .array(
        z
          .object({
            id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
            label: z.string().min(1),
            children: z.number().int().min(1).max(5),
            adults: z.number().int().min(1).max(5),
            prevent: z.number().int().min(1).max(5),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
  .superRefine((r, ctx) => {
    for (const [i, g] of r.staffGroups.entries()) {
      for (const s of SUBJECTS) {
        if (!r.levels[s].some((l) => l.level === g[s])) ctx.addIssue({ code: 'custom', path: ['staffGroups', i, s], message: `no rule for ${s} level ${g[s]}` });
      }
    }
  });

export type TrainingRules = z.infer<typeof rulesSchema>;
export type StaffGroup = TrainingRules['staffGroups'][number];

export function loadTrainingRules(file: string): TrainingRules {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  const parsed = rulesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`The training rules are not valid:\n${parsed.error.issues.map((i) => `  - ${file}: ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

export interface Completion {
  subject: Subject;
  level: number;
  completedOn: string; // YYYY-MM-DD
  hours: number;
  /** Self-recorded completions count only once confirmed. */
  confirmed?: boolean;
}

export type Status = 'compliant' | 'due-soon' | 'overdue' | 'missing';

export interface SubjectStatus {
  subject: Subject;
  required: number;
  requiredLabel: string;
  held?: number;
  hours: number;
  minHours: number;
  expires?: string;
  status: Status;
  reasons: string[];
  nextStep: string;
}

/** Adds whole years to a date; 29 February becomes 28 February in a year that has none. */
export function addYears(iso: string, years: number): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const target = y + years;
  const lastDay = new Date(Date.UTC(target, m, 0)).getUTCDate();
  return `${target}-${String(m).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

function daysBetween(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / 86_400_000);
}

function levelLabel(rules: TrainingRules, subject: Subject, level: number): string {
  return rules.levels[subject].find((l) => l.level === level)?.label ?? `level ${level}`;
}

/** One subject's status for a person on `today` (YYYY-MM-DD). */
export function subjectStatus(rules: TrainingRules, group: StaffGroup, subject: Subject, completions: Completion[], today: string): SubjectStatus {
  const required = group[subject];
  const rule = rules.levels[subject].find((l) => l.level === required)!;
  const requiredLabel = levelLabel(rules, subject, required);
  const mine = completions.filter((c) => c.subject === subject && c.confirmed !== false && c.completedOn <= today);
  const held = mine.length ? Math.max(...mine.map((c) => c.level)) : undefined;
  const qualifying = mine.filter((c) => c.level >= required).sort((a, b) => b.completedOn.localeCompare(a.completedOn));
  const periodStart = addYears(today, -rule.refreshYears);
  const hours = mine.filter((c) => c.level >= required && c.completedOn > periodStart).reduce((sum, c) => sum + c.hours, 0);
  const base = { subject, required, requiredLabel, held, hours, minHours: rule.minHours };

  if (qualifying.length === 0) {
    return {
      ...base,
      status: held ? 'overdue' : 'missing',
      reasons: [held ? `${levelLabel(rules, subject, held)} held, ${requiredLabel} required` : `no ${requiredLabel} training recorded`],
      nextStep: `Book ${SUBJECT_LABELS[subject].toLowerCase()} ${requiredLabel} training.`,
    };
  }
  const expires = addYears(qualifying[0]!.completedOn, rule.refreshYears);
  const reasons: string[] = [];
  if (expires <= today) reasons.push(`${requiredLabel} expired on ${expires}`);
  if (hours < rule.minHours) reasons.push(`${hours} of ${rule.minHours} hours in the last ${rule.refreshYears} years`);
  if (rule.annualUpdate && !mine.some((c) => c.completedOn > addYears(today, -1))) reasons.push('no update in the last 12 months');
  if (reasons.length > 0) {
    return { ...base, expires, status: 'overdue', reasons, nextStep: reasons[0]!.includes('expired') ? `Book ${requiredLabel} refresher training.` : reasons[0]!.includes('hours') ? 'Complete more learning at your level and record it.' : 'Complete this year’s safeguarding update and record it.' };
  }
  if (daysBetween(today, expires) <= rules.dueSoonDays) {
    return { ...base, expires, status: 'due-soon', reasons: [`${requiredLabel} expires on ${expires}`], nextStep: `Book ${requiredLabel} refresher training before ${expires}.` };
  }
  return { ...base, expires, status: 'compliant', reasons: [], nextStep: `Nothing to do until ${expires} (keep your annual updates going).` };
}

export function personStatus(rules: TrainingRules, group: StaffGroup, completions: Completion[], today: string): SubjectStatus[] {
  return SUBJECTS.map((s) => subjectStatus(rules, group, s, completions, today));
}

/** Compliant includes due soon: they are in date today. */
export const isCompliant = (s: SubjectStatus) => s.status === 'compliant' || s.status === 'due-soon';
