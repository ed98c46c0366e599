import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { projectRoot } from '../config/paths';

/**
 * Adaptive Card templates live as JSON under cards/<capability>/<name>.json and are expanded
 * with adaptivecards-templating. Templates are read once and cached.
 */
const cache = new Map<string, ACData.Template>();

/**
 * Expanded cards by template and data. Expansion parses every `${…}` expression of the template
 * again each time (0.1-0.5 ms a card), and most cards are the same for everyone (the menu, the
 * "who are you worried about" steps, each route's card), so the result is kept as JSON and each
 * caller gets its own copy. A template's output depends on its data alone (no template calls a
 * clock or a random function). Bounded by the size of what is kept, least recently used out first.
 */
const expanded = new Map<string, string>();
let expandedChars = 0;
const MAX_EXPANDED_CHARS = 4 * 1024 * 1024;
/** Data this large (a long list) is rarely asked for twice: expanded each time, not kept. */
const MAX_KEY_CHARS = 16 * 1024;

export function cardsDir(): string {
  return path.join(projectRoot(), 'cards');
}

function template(name: string): ACData.Template {
  let t = cache.get(name);
  if (!t) {
    const file = path.join(cardsDir(), `${name}.json`);
    t = new ACData.Template(JSON.parse(fs.readFileSync(file, 'utf8')));
    cache.set(name, t);
  }
  return t;
}

/** A FactSet row, as several templates show them. */
export interface Fact {
  title: string;
  value: string;
}

/** An Input.ChoiceSet choice. */
export interface Choice {
  title: string;
  value: string;
}

/**
 * Every card template under cards/ and the data it needs. Each capability declares its own templates
 * in its cards.ts by augmenting this interface:
 *
 *   declare module '../cards/render' {
 *     interface CardTemplates { 'training/record': RecordCardData }
 *   }
 *
 * so `card('training/record', data)` does not compile when a field the template reads is missing.
 * Declare the data as a `type` (or an interface: both work).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CardTemplates {}

/** Expands a declared template with data of its declared type. */
export function card<N extends keyof CardTemplates & string>(name: N, data: CardTemplates[N]): Record<string, unknown> {
  return expand(name, data as unknown as Record<string, unknown>);
}

function expand(name: string, data: Record<string, unknown>): Record<string, unknown> {
  const t = template(name);
  const key = `${name}\u0000${JSON.stringify(data)}`;
  if (key.length > MAX_KEY_CHARS) return t.expand({ $root: data }) as Record<string, unknown>;
  const hit = expanded.get(key);
  if (hit !== undefined) {
    // Most recently used goes to the back of the queue.
    expanded.delete(key);
    expanded.set(key, hit);
    return JSON.parse(hit) as Record<string, unknown>;
  }
  const card = t.expand({ $root: data }) as Record<string, unknown>;
  const json = JSON.stringify(card);
  expanded.set(key, json);
  expandedChars += key.length + json.length;
  for (const [k, v] of expanded) {
    if (expandedChars <= MAX_EXPANDED_CHARS) break;
    expanded.delete(k);
    expandedChars -= k.length + v.length;
  }
  return JSON.parse(json) as Record<string, unknown>;
}
