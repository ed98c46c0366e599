import fs from 'node:fs';
import { z } from 'zod';

/** content/training/rules.json: the subjects, its schema (zod) and its loader, with a clear message for each mistake. */
export const SUBJECTS = ['children', 'adults', 'prevent'] as const;
export type Subject = (typeof SUBJECTS)[number];
export const SUBJECT_LABELS: Record<Subject, string> = {
  children: 'Safeguarding children',
  adults: 'Safeguarding adults',
  prevent: 'Prevent',
};

export const levelRule = z
  .object({
    level: z.number().int().min(1).max(5),
    label: z.string().optional(),
    refreshYears: z.number().int().min(1).max(10),
    minHours: z.number().min(0).max(100),
    annualUpdate: z.boolean(),
    source: z.string().min(1, 'every figure needs its source'),
  })
  .strict();

export const rulesSchema = z
  .object({
    note: z.string().optional(),
    complianceTarget: z.number().gt(0).max(1),
    /** Where the target comes from: no national document sets one, so say it is the organisation's own choice. */
    complianceTargetSource: z.string().min(1).optional(),
    dueSoonDays: z.number().int().min(1).max(365),
    levels: z
      .object({
        children: z.array(levelRule).min(1),
        adults: z.array(levelRule).min(1),
        prevent: z.array(levelRule).min(1),
      })
      .strict(),
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
        if (!r.levels[s].some((l) => l.level === g[s]))
          ctx.addIssue({ code: 'custom', path: ['staffGroups', i, s], message: `no rule for ${s} level ${g[s]}` });
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
    throw new Error(
      `The training rules are not valid:\n${parsed.error.issues.map((i) => `  - ${file}: ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  return parsed.data;
}
