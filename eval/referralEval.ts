import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../src/config/paths';
import { findPatientData } from '../src/privacy/patientData';
import type { Audience, ReferralContent } from '../src/referral/content';
import type { Understander, Understanding } from '../src/referral/understand';

/**
 * Scores the free-text understanding and the patient-data screen on labelled sets
 * (eval/data/*.json), with the same functions the bot uses. Used by `npm run eval:referral`
 * (prints the figures) and by test/referralEval.test.ts (enforces the targets).
 */
const audience = z.enum(['child', 'adult', 'unborn']);
const questionSchema = z.discriminatedUnion('expect', [
  z.object({
    text: z.string(),
    expect: z.literal('route'),
    routes: z.array(z.string()).min(1),
    audience: audience.optional(),
  }),
  z.object({
    text: z.string(),
    expect: z.literal('choices'),
    routes: z.array(z.string()).min(2),
    audience: audience.optional(),
  }),
  z.object({ text: z.string(), expect: z.literal('ask-audience') }),
  z.object({ text: z.string(), expect: z.literal('off-topic') }),
  z.object({ text: z.string(), expect: z.literal('out-of-area'), area: z.string(), audience: audience.optional() }),
]);
export type Question = z.infer<typeof questionSchema>;
const questionsFile = z.object({ about: z.string(), questions: z.array(questionSchema) });
const sentencesFile = z.object({
  about: z.string(),
  sentences: z.array(z.object({ text: z.string(), patientData: z.boolean(), kinds: z.array(z.string()).optional() })),
});

export const EVAL_DIR = path.join(projectRoot(), 'eval', 'data');

export function loadQuestions(file: string): Question[] {
  return questionsFile.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).questions;
}
export function loadSentences(file: string): z.infer<typeof sentencesFile>['sentences'] {
  return sentencesFile.parse(JSON.parse(fs.readFileSync(file, 'utf8'))).sentences;
}

export type Verdict =
  'right' | 'wrong-audience' | 'wrong-topic' | 'off-topic-routed' | 'missed' | 'asked' | 'wrong-area';

function describe(u: Understanding): string {
  switch (u.kind) {
    case 'route':
      return `route ${u.route.id}${u.audience ? ` (${u.audience})` : ''}`;
    case 'choices':
      return `choices ${u.routes.map((r) => r.id).join(', ')}`;
    case 'ask-audience':
      return `ask-audience ${u.options.map((o) => `${o.audience}:${o.route.id}`).join(', ')}`;
    case 'out-of-area':
      return `out-of-area ${u.area.name}${u.audience ? ` (${u.audience})` : ''}${u.topic ? ` about ${u.topic.id}` : ''}`;
    case 'audience-only':
      return `audience-only ${u.audience}`;
    case 'off-topic':
      return u.unsure ? 'unsure (who card)' : 'off-topic (menu)';
  }
}

/** The routes an answer puts in front of the person. */
function offered(u: Understanding): string[] {
  if (u.kind === 'route') return [u.route.id];
  if (u.kind === 'choices') return u.routes.map((r) => r.id);
  if (u.kind === 'ask-audience') return u.options.map((o) => o.route.id);
  return [];
}

export function judge(q: Question, u: Understanding, content: ReferralContent): Verdict {
  const routesShown = offered(u);
  const listed = 'routes' in q ? q.routes : [];
  // A route the label itself lists is never "for another audience" (a pregnant 15-year-old: the unborn-baby route is right).
  const forAudience = (a: Audience | undefined) =>
    !a || routesShown.every((id) => listed.includes(id) || content.route(id)!.audiences.includes(a));
  if (q.expect === 'off-topic')
    return routesShown.length > 0 || u.kind === 'out-of-area'
      ? 'off-topic-routed'
      : u.kind === 'off-topic' && !u.unsure
        ? 'right'
        : 'asked';
  if (q.expect === 'out-of-area') {
    if (u.kind !== 'out-of-area') return routesShown.length > 0 ? 'wrong-area' : 'missed';
    if (u.area.name !== q.area) return 'wrong-area';
    if (q.audience && u.audience && u.audience !== (q.audience === 'unborn' ? 'child' : q.audience))
      return 'wrong-audience';
    return 'right';
  }
  if (u.kind === 'out-of-area') return 'wrong-area';
  if (q.expect === 'ask-audience') {
    if (u.kind === 'ask-audience') return 'right';
    return routesShown.length > 0 ? 'asked' : 'missed';
  }
  // A route for another audience than the text names (a route serving several audiences is not wrong for any of them).
  // Asking "child or adult?" lets the person choose: never a wrong-audience answer.
  if (u.kind !== 'ask-audience' && !forAudience(q.audience)) return 'wrong-audience';
  if (q.expect === 'route') {
    if (u.kind === 'route') return q.routes.includes(u.route.id) ? 'right' : 'wrong-topic';
    // A choice between routes that are all right (the label lists both) is right.
    if (u.kind === 'choices' && routesShown.every((id) => q.routes.includes(id))) return 'right';
    if (u.kind === 'choices' || u.kind === 'ask-audience')
      return routesShown.some((id) => q.routes.includes(id)) ? 'asked' : 'wrong-topic';
    return 'missed';
  }
  // choices expected: a card offering every listed route (or a confident answer among them, which we count as asked-for-less).
  if (u.kind === 'choices')
    return q.routes.every((id) => routesShown.includes(id))
      ? 'right'
      : routesShown.some((id) => q.routes.includes(id))
        ? 'asked'
        : 'wrong-topic';
  if (u.kind === 'route') return q.routes.includes(u.route.id) ? 'asked' : 'wrong-topic';
  if (u.kind === 'ask-audience') return routesShown.some((id) => q.routes.includes(id)) ? 'asked' : 'wrong-topic';
  return 'missed';
}

export interface ReferralFigures {
  total: number;
  right: number;
  byVerdict: Record<Verdict, number>;
  failures: { text: string; expected: string; got: string; verdict: Verdict }[];
}

export function evaluateQuestions(
  questions: Question[],
  understander: Understander,
  content: ReferralContent,
): ReferralFigures {
  const byVerdict: Record<Verdict, number> = {
    right: 0,
    'wrong-audience': 0,
    'wrong-topic': 0,
    'off-topic-routed': 0,
    missed: 0,
    asked: 0,
    'wrong-area': 0,
  };
  const failures: ReferralFigures['failures'] = [];
  for (const q of questions) {
    const u = understander.understand(q.text);
    const verdict = judge(q, u, content);
    byVerdict[verdict]++;
    if (verdict !== 'right') {
      const expected =
        q.expect === 'route' || q.expect === 'choices'
          ? `${q.expect} ${q.routes.join(', ')}${q.audience ? ` (${q.audience})` : ''}`
          : q.expect === 'out-of-area'
            ? `out-of-area ${q.area}`
            : q.expect;
      failures.push({ text: q.text, expected, got: describe(u), verdict });
    }
  }
  return { total: questions.length, right: byVerdict.right, byVerdict, failures };
}

export interface PatientDataFigures {
  withDetails: number;
  caught: number;
  ordinary: number;
  falseWarnings: number;
  missed: string[];
  wronglyWarned: { text: string; kinds: string[] }[];
}

export function evaluatePatientData(
  sentences: { text: string; patientData: boolean }[],
  now = new Date('2026-12-01T12:00:00Z'),
): PatientDataFigures {
  const f: PatientDataFigures = {
    withDetails: 0,
    caught: 0,
    ordinary: 0,
    falseWarnings: 0,
    missed: [],
    wronglyWarned: [],
  };
  for (const s of sentences) {
    const kinds = findPatientData(s.text, now).kinds;
    if (s.patientData) {
      f.withDetails++;
      if (kinds.length > 0) f.caught++;
      else f.missed.push(s.text);
    } else {
      f.ordinary++;
      if (kinds.length > 0) {
        f.falseWarnings++;
        f.wronglyWarned.push({ text: s.text, kinds });
      }
    }
  }
  return f;
}

export const TARGETS = {
  right: 0.95,
  wrongAudience: 0,
  offTopicRouted: 0,
  patientDataRecall: 0.98,
  falseWarnings: 0.03,
};

export const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
