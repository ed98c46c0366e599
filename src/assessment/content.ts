import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The self-assessment questionnaire (content/self-assessment/<year>/questionnaire.json) and the
 * practice list (content/practices/practices.json): data, validated at start.
 */
const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lower-case id such as lead-named');
const text = z.string().trim().min(1, 'must not be empty');

const standardSchema = z
  .object({
    id,
    standard: text,
    good: text,
    evidence: text,
    source: text,
    /** A critical standard not met makes its section red whatever else is met. */
    critical: z.boolean().default(false),
  })
  .strict();

const questionnaireSchema = z
  .object({
    year: z.number().int().min(2020).max(2100),
    title: text,
    sections: z
      .array(
        z
          .object({
            id,
            title: text,
            standards: z
              .array(standardSchema)
              .min(1)
              .max(6, 'at most 6 standards per section keeps each card readable'),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

const practicesSchema = z
  .object({
    note: z.string().optional(),
    practices: z
      .array(
        z.object({ code: z.string().regex(/^[A-Z]\d{5}$/, 'must be an ODS code such as C87001'), name: text }).strict(),
      )
      .min(1),
  })
  .strict();

export type Standard = z.infer<typeof standardSchema>;
export type Questionnaire = z.infer<typeof questionnaireSchema>;
export type Section = Questionnaire['sections'][number];
export interface Practice {
  code: string;
  name: string;
}

export interface AssessmentContent {
  questionnaires: Map<number, Questionnaire>;
  practices: Practice[];
  /** The latest year's questionnaire: the one practices answer now. */
  current: Questionnaire;
}

export class AssessmentContentError extends Error {}

function load<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, problems: string[]): T | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON (${(err as Error).message})`}`,
    );
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const where = issue.path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p)),
      '',
    );
    problems.push(`${file}: ${where || '(top level)'}: ${issue.message}`);
  }
  return undefined;
}

export function loadAssessmentContent(contentDir: string): AssessmentContent {
  const problems: string[] = [];
  const dir = path.join(contentDir, 'self-assessment');
  const years = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => /^\d{4}$/.test(d)) : [];
  if (years.length === 0) problems.push(`${dir}: no questionnaire folders (expected e.g. 2026/questionnaire.json)`);
  const questionnaires = new Map<number, Questionnaire>();
  for (const y of years) {
    const file = path.join(dir, y, 'questionnaire.json');
    const q = load(file, questionnaireSchema, problems);
    if (!q) continue;
    if (String(q.year) !== y) problems.push(`${file}: year: is ${q.year} but the folder is ${y}`);
    const ids = new Set<string>();
    for (const s of q.sections)
      for (const st of [s, ...s.standards]) {
        if (ids.has(st.id)) problems.push(`${file}: id "${st.id}" is used twice`);
        ids.add(st.id);
      }
    questionnaires.set(q.year, q);
  }
  const practices = load(path.join(contentDir, 'practices', 'practices.json'), practicesSchema, problems)?.practices;
  if (problems.length > 0 || !practices)
    throw new AssessmentContentError(
      `The self-assessment content is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  const current = questionnaires.get(Math.max(...questionnaires.keys()))!;
  return { questionnaires, practices, current };
}
