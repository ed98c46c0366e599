import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../config/paths';
import { type Subject, type TrainingRules } from '../training/rules';

/** The demo organisation's people (content/demo/personas.json and staff.csv) and the training each is given. */
export const DEMO_DIR = path.join(projectRoot(), 'content', 'demo');

export const PERSONAS = ['lead', 'manager', 'practice-lead', 'staff'] as const;
export type Persona = (typeof PERSONAS)[number];

export const PROFILES = [
  'in-date',
  'due-soon',
  'overdue',
  'hours-short',
  'no-update',
  'lower-level',
  'missing',
] as const;
export type Profile = (typeof PROFILES)[number];
export const profile = z.enum(PROFILES);
export const trainingSchema = z.object({
  note: z.string().optional(),
  people: z.record(z.string(), z.union([profile, z.object({ children: profile, adults: profile, prevent: profile })])),
});
export const personasSchema = z.object({
  note: z.string().optional(),
  personas: z.object(Object.fromEntries(PERSONAS.map((p) => [p, z.string().min(1)])) as Record<Persona, z.ZodString>),
});

export class DemoRefusedError extends Error {}

/**
 * The demo writes made-up people into the store: only ever a local, embedded one. Checked on the
 * raw environment, before the configuration is read (production settings would fail that first).
 */
export function assertDemoAllowed(env: NodeJS.ProcessEnv): void {
  const set = (v: string | undefined) => v !== undefined && v.trim() !== '';
  if (env.NODE_ENV?.trim() === 'production')
    throw new DemoRefusedError(
      'The demo organisation is for local use only: it will not load when NODE_ENV=production.',
    );
  if (set(env.COSMOS_ENDPOINT)) {
    throw new DemoRefusedError(
      'The demo organisation is for local use only: COSMOS_ENDPOINT is set, so this would write made-up staff into a real database. Unset it to use the local store.',
    );
  }
}

export interface DemoPerson {
  employeeId: string;
  name: string;
  aadObjectId?: string;
  team: string;
  roles: string[];
  practiceCode?: string;
}

/** The demo staff list as the import reads it (for the personas and the tests). */
export function demoStaff(): DemoPerson[] {
  const [header, ...lines] = fs.readFileSync(path.join(DEMO_DIR, 'staff.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  return lines.map((line) => {
    const v = Object.fromEntries(line.split(',').map((x, i) => [cols[i], x.trim()] as const));
    return {
      employeeId: v.employee_id!,
      name: v.name!,
      aadObjectId: v.aad_object_id || undefined,
      team: v.team!,
      roles: (v.roles ?? '').split(';').filter(Boolean),
      practiceCode: v.practice_code || undefined,
    };
  });
}

/** Who `--as lead|manager|practice-lead|staff` is, from content/demo/personas.json. */
export function persona(who: Persona): DemoPerson & { aadObjectId: string } {
  const file = personasSchema.parse(JSON.parse(fs.readFileSync(path.join(DEMO_DIR, 'personas.json'), 'utf8')));
  const person = demoStaff().find((p) => p.employeeId === file.personas[who]);
  if (!person?.aadObjectId)
    throw new Error(`content/demo/personas.json: ${who} must be someone in staff.csv with an aad_object_id`);
  return person as DemoPerson & { aadObjectId: string };
}

export const DAY = 24 * 3600_000;
export const isoDaysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY).toISOString().slice(0, 10);

/** Courses that put one person's subject in the given state today (the rules engine decides; a test checks). */
export function coursesFor(
  rules: TrainingRules,
  staffGroup: string,
  subject: Subject,
  p: Profile,
  now: Date,
): { level: number; daysAgo: number; hours: number }[] {
  const group = rules.staffGroups.find((g) => g.id === staffGroup) ?? rules.staffGroups[0]!;
  const required = group[subject];
  const levels = rules.levels[subject];
  const rule = levels.find((l) => l.level === required)!;
  const lower = [...levels].reverse().find((l) => l.level < required);
  const hours = Math.max(rule.minHours, 1);
  const refreshDays = Math.round(rule.refreshYears * 365.25);
  // An annual update below the required level counts as this year's update without moving the expiry.
  const update = rule.annualUpdate && lower ? [{ level: lower.level, daysAgo: 90, hours: 1 }] : [];
  void now;
  switch (p) {
    case 'in-date':
      return [{ level: required, daysAgo: 200, hours }];
    case 'due-soon':
      return [{ level: required, daysAgo: refreshDays - 30, hours }, ...update];
    case 'overdue':
      return [{ level: required, daysAgo: refreshDays + 90, hours }];
    case 'hours-short':
      return rule.minHours > 1
        ? [{ level: required, daysAgo: 200, hours: Math.floor(rule.minHours / 2) }]
        : [{ level: required, daysAgo: refreshDays + 10, hours }];
    case 'no-update':
      return rule.annualUpdate
        ? [{ level: required, daysAgo: 500, hours }]
        : [{ level: required, daysAgo: refreshDays + 10, hours }];
    case 'lower-level':
      return lower ? [{ level: lower.level, daysAgo: 200, hours: Math.max(lower.minHours, 1) }] : [];
    case 'missing':
      return [];
  }
}
