import type { Route } from '../src/referral/content';

/**
 * The free-text matcher of the first version, kept only as the evaluation's baseline: a small
 * full-text index over the referral routes (BM25 with field weights), so free text such
 * as "a baby with a bruise" or "what is county lines?" finds the right route from the content
 * itself: organisations add keywords in routes.json, never code.
 */
const STOPWORDS = new Set(
  'a about above after again all am an and any are as at be because been being below between both but by can could did do does doing down during each few for from further had has have having he her here hers him his how i if in into is it its just me more most my no nor not now of off on once only or other our out over own same she should so some such than that the their them then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your im ive id dont think help please know tell someone somebody'.split(
    ' ',
  ),
);

function stem(word: string): string {
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 4 && word.endsWith('es') && !word.endsWith('ses')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/** Words (stemmed, without stop words) plus adjacent pairs, so phrases like "county lines" count. */
export function tokens(text: string): string[] {
  const words = text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w))
    .map(stem);
  const pairs = words.slice(1).map((w, i) => `${words[i]}_${w}`);
  return [...words, ...pairs];
}

const FIELD_WEIGHTS = { title: 3, keywords: 3, summary: 2, body: 1 } as const;

export interface SearchHit {
  route: Route;
  score: number;
}

export class RouteIndex {
  private readonly docs: { route: Route; tf: Map<string, number>; length: number }[] = [];
  private readonly df = new Map<string, number>();
  private readonly avgLength: number;

  constructor(routes: Route[]) {
    for (const route of routes) {
      const tf = new Map<string, number>();
      const add = (text: string, weight: number) => {
        for (const t of tokens(text)) tf.set(t, (tf.get(t) ?? 0) + weight);
      };
      add(route.title, FIELD_WEIGHTS.title);
      for (const k of route.keywords) add(k, FIELD_WEIGHTS.keywords);
      add(route.summary, FIELD_WEIGHTS.summary);
      add([route.whyItMatters, ...route.stepsNow].join(' '), FIELD_WEIGHTS.body);
      const length = [...tf.values()].reduce((a, b) => a + b, 0);
      this.docs.push({ route, tf, length });
      for (const t of tf.keys()) this.df.set(t, (this.df.get(t) ?? 0) + 1);
    }
    this.avgLength = this.docs.reduce((a, d) => a + d.length, 0) / Math.max(1, this.docs.length);
  }

  /** Whether the text shares any meaningful word with the content at all. */
  knows(text: string): boolean {
    return tokens(text).some((t) => this.df.has(t));
  }

  search(text: string, limit = 3): SearchHit[] {
    const query = [...new Set(tokens(text))];
    const n = this.docs.length;
    const k1 = 1.2;
    const b = 0.75;
    return this.docs
      .map(({ route, tf, length }) => {
        let score = 0;
        for (const t of query) {
          const f = tf.get(t);
          if (!f) continue;
          const df = this.df.get(t) ?? 0;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * length) / this.avgLength)));
        }
        return { route, score };
      })
      .filter((h) => h.score > 0)
      .sort((a, b2) => b2.score - a.score)
      .slice(0, limit);
  }
}
