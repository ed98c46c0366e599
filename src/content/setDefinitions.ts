import fs from 'node:fs';
import path from 'node:path';
import { loadAssessmentContent, type AssessmentContent } from '../assessment/content';
import { loadBriefingLibrary, type LibraryBriefing } from '../briefings/content';
import { loadTrainingRules, type TrainingRules } from '../training/rules';
import type { FileSetDefinition, SetFile } from './sets';

/**
 * The three other content sets and where each capability's content is read: only the loaders
 * (unchanged) and the objects the capabilities were given at start, which a new version is copied
 * into. src/briefings, src/training and src/assessment are not edited for this.
 */
export const BRIEFINGS_SET = 'briefings';
export const TRAINING_SET = 'training';
export const ASSESSMENT_SET = 'assessment';

const jsonFiles = (contentDir: string, sub: string) =>
  fs.existsSync(path.join(contentDir, sub))
    ? fs
        .readdirSync(path.join(contentDir, sub))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => `${sub}/${f}`)
    : [];

/** The briefing library: `content/briefings/<id>.json`. A file sent in the chat replaces the briefing of that name, or adds one. */
export function briefingsSet(library: LibraryBriefing[]): FileSetDefinition<LibraryBriefing[]> {
  return {
    set: BRIEFINGS_SET,
    label: 'the briefing library',
    files: (dir) => jsonFiles(dir, 'briefings'),
    load: (dir) => loadBriefingLibrary(path.join(dir, 'briefings')),
    apply: (next) => void library.splice(0, library.length, ...next),
    place: (name, json, current) => {
      const p = `briefings/${name}`;
      if (!/^[a-z0-9]+(-[a-z0-9]+)*\.json$/.test(name)) return undefined;
      if (current.some((f) => f.path === p)) return p;
      // A new briefing: it looks like one (the library's fields), whatever its name.
      const o = json && typeof json === 'object' ? (json as Record<string, unknown>) : {};
      return 'keyPoints' in o && 'reviewDue' in o ? p : undefined;
    },
  };
}

/** The training rules: `content/training/rules.json`. */
export function trainingSet(rules: TrainingRules, staffGroups: { id: string; label: string }[]): FileSetDefinition<TrainingRules> {
  return {
    set: TRAINING_SET,
    label: 'the training rules',
    files: () => ['training/rules.json'],
    load: (dir) => loadTrainingRules(path.join(dir, 'training', 'rules.json')),
    apply: (next) => {
      for (const k of Object.keys(rules)) delete (rules as Record<string, unknown>)[k];
      Object.assign(rules, next);
      // The briefing audience card's staff groups are a copy made at start.
      staffGroups.splice(0, staffGroups.length, ...next.staffGroups.map((g) => ({ id: g.id, label: g.label })));
    },
    place: (name) => (name === 'rules.json' ? 'training/rules.json' : undefined),
  };
}

/** The self-assessment questionnaires (`content/self-assessment/<year>/questionnaire.json`) and the practices (`content/practices/practices.json`). */
export function assessmentSet(content: AssessmentContent, practices: { code: string; name: string }[]): FileSetDefinition<AssessmentContent> {
  return {
    set: ASSESSMENT_SET,
    label: 'the self-assessment questionnaire and practices',
    files: (dir) => [
      ...(fs.existsSync(path.join(dir, 'self-assessment')) ? fs.readdirSync(path.join(dir, 'self-assessment')).filter((y) => /^\d{4}$/.test(y)).sort().map((y) => `self-assessment/${y}/questionnaire.json`) : []),
      'practices/practices.json',
    ],
    load: (dir) => loadAssessmentContent(dir),
    apply: (next) => {
      content.questionnaires.clear();
      for (const [y, q] of next.questionnaires) content.questionnaires.set(y, q);
      content.practices.splice(0, content.practices.length, ...next.practices);
      content.current = next.current;
      // The briefing audience card's practices are a copy made at start.
      practices.splice(0, practices.length, ...next.practices.map((p) => ({ code: p.code, name: p.name })));
    },
    place: (name, json, current: SetFile[]) => {
      if (name === 'practices.json') return 'practices/practices.json';
      if (name !== 'questionnaire.json') return undefined;
      const year = (json as { year?: unknown } | null)?.year;
      if (typeof year === 'number' && Number.isInteger(year) && year >= 2000 && year <= 2100) return `self-assessment/${year}/questionnaire.json`;
      // No usable year: put it where the latest one is, so the loader says what is wrong.
      return current.filter((f) => f.path.startsWith('self-assessment/')).map((f) => f.path).sort().pop() ?? 'self-assessment/2026/questionnaire.json';
    },
  };
}
