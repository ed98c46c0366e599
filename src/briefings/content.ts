import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The 7-minute briefing format as data: the library under content/briefings/ and the briefings
 * leads write in the bot share this shape.
 */
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const list = (max: number, items: number) =>
  z.array(text(max)).min(1, 'needs at least one item').max(items, `at most ${items} items`);

export const linkSchema = z.object({
  title: text(120),
  url: z
    .string()
    .trim()
    .url('must be a web address')
    .refine((u) => u.startsWith('https://'), 'must start with https://'),
});

export const briefingContentSchema = z
  .object({
    title: text(120),
    tags: z.array(text(40)).max(8, 'at most 8 tags').default([]),
    background: text(1200),
    whyItMatters: text(1200),
    keyPoints: z.array(text(400)).length(3, 'must be exactly three key points'),
    remember: list(400, 5),
    whatToDo: list(400, 6),
    reflection: list(300, 4),
    furtherInformation: z.array(linkSchema).max(6, 'at most 6 links').default([]),
  })
  .strict();

export type BriefingContent = z.infer<typeof briefingContentSchema>;

export const libraryBriefingSchema = briefingContentSchema
  .extend({
    id: z.string().regex(/^[a-z0-9-]{3,60}$/, 'must be lower-case letters, digits and dashes'),
    version: z.number().int().positive(),
    reviewDue: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2027-11-30'),
    sources: z.array(text(300)).min(1, 'cite at least one source'),
  })
  .strict();

export type LibraryBriefing = z.infer<typeof libraryBriefingSchema>;

export class BriefingContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`The briefing library is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'BriefingContentError';
  }
}

/** Reads every .json file in the folder; throws listing every problem with its file and field. */
export function loadBriefingLibrary(dir: string): LibraryBriefing[] {
  const problems: string[] = [];
  const out: LibraryBriefing[] = [];
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  for (const name of files) {
    const file = path.join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push(`${file}: not valid JSON (${(err as Error).message})`);
      continue;
    }
    const parsed = libraryBriefingSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
      continue;
    }
    if (`${parsed.data.id}.json` !== name) problems.push(`${file}: id "${parsed.data.id}" must match the file name`);
    out.push(parsed.data);
  }
  if (files.length === 0) problems.push(`${dir}: no briefings found`);
  if (problems.length) throw new BriefingContentError(problems);
  return out;
}

/** All the words of a briefing, for search. */
export function searchableText(b: BriefingContent): string {
  return [b.title, ...b.tags, b.background, b.whyItMatters, ...b.keyPoints, ...b.remember, ...b.whatToDo]
    .join(' ')
    .toLowerCase();
}

/**
 * Ranks briefings for a search: every word must appear somewhere; title and tag matches count most.
 * Returns the matching items, best first.
 */
export function searchBriefings<T extends { content: BriefingContent }>(items: T[], query: string): T[] {
  const words = query
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1);
  if (words.length === 0) return items;
  const scored = items.flatMap((item) => {
    const all = searchableText(item.content);
    const head = `${item.content.title} ${item.content.tags.join(' ')}`.toLowerCase();
    if (!words.every((w) => all.includes(w))) return [];
    return [{ item, score: words.reduce((s, w) => s + (head.includes(w) ? 3 : 1), 0) }];
  });
  return scored.sort((a, b) => b.score - a.score).map((s) => s.item);
}
