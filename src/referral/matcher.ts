import MiniSearch from 'minisearch';
import stem from 'wink-porter2-stemmer';
import type { Phrasing, Route } from './content';

/**
 * Which route a message is about, learnt from the content itself: each route's title, keywords
 * and example questions, plus the organisation's synonyms and off-topic examples
 * (content/referral/phrasing.json). An organisation improves matching by adding phrasing there,
 * never by changing code.
 *
 * How: the text is normalised (synonyms and abbreviations add what they mean, "dv" also reads as
 * "domestic abuse"), split into Porter2 stems and adjacent pairs, and searched with MiniSearch's
 * BM25 over one document per example (and one per route for its title and keywords), with fuzzy
 * matching of longer words for typos. A route's score adds its best few documents (a nearest-
 * neighbour vote), so a route many examples agree on beats one lucky example.
 */
export const OFF_TOPIC = '__off-topic';

const STOPWORDS = new Set(
  (
    'a about above after again all am an and any are as at be because been being below between both but by can could did do does doing ' +
    'down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself ' +
    'just me more most my myself no nor now of off on once only or other our ours out over own same she should so some such than that ' +
    'the their theirs them then there these they this those through to too under until up very was we were what when where which while who ' +
    'whom why will with would you your yours im ive id dont doesnt didnt isnt wasnt cant wont think please know tell get got also really ' +
    'just like want need needs needed ok okay hi hello thanks thank cheers re us one'
  ).split(/\s+/),
);

/**
 * Words that say who, not what: they count for little on their own, so "my child is poorly" or
 * "the baby clinic" is not a safeguarding route just because it names a child.
 */
const WHO_WORDS = new Set(
  'child children kid kids baby babies infant toddler boy girl son daughter teenager teen young person people adult man woman men women mum mother dad father parent parents patient patients family lady gentleman elderly older someone worried worry concern concerned'
    .split(' ')
    .map((w) => stem(w)),
);

export interface Normaliser {
  (text: string): string;
}

const NEGATION =
  /\b(?:not|isnt|wasnt|arent|werent|never|no longer|no sign of|no signs of|rather than|instead of)\s+(?:about\s+|a\s+|an\s+|the\s+|really\s+|actually\s+|just\s+)?([a-z][a-z-]*)(\s+[a-z][a-z-]*)?/g;

/**
 * Lower case, plain quotes, a negated topic word removed ("the child isn't missing", "it's not
 * DV": neither is a reason to show that route), and each synonym followed by what it means (the
 * original stays, so nothing is lost).
 */
export function makeNormaliser(phrasing: Phrasing, topicPhrases: string[] = []): Normaliser {
  const topics = new Set(topicPhrases.map((t) => t.toLowerCase().trim()));
  for (const s of phrasing.synonyms) for (const t of s.terms) topics.add(t.toLowerCase().trim());
  const pairs = phrasing.synonyms.flatMap((s) =>
    s.terms.map((t) => [t.toLowerCase().trim(), s.means.toLowerCase()] as const),
  );
  const byTerm = new Map(pairs);
  const escaped = [...byTerm.keys()]
    .sort((a, b) => b.length - a.length)
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = escaped.length > 0 ? new RegExp(`(?<![a-z0-9])(${escaped.join('|')})(?![a-z0-9])`, 'g') : undefined;
  return (text) => {
    const base = text
      .toLowerCase()
      .replace(/[’‘`]/g, "'")
      .replace(/&/g, ' and ')
      .replace(/(\w)'(s|t|re|ve|m|d|ll)\b/g, '$1$2')
      .replace(NEGATION, (all, one: string, two: string | undefined) => {
        const pair = two ? `${one} ${two.trim()}` : undefined;
        if (pair && topics.has(pair)) return ' ';
        if (topics.has(one)) return ` ${two ?? ''}`;
        return all;
      });
    return pattern ? base.replace(pattern, (m) => `${m} ${byTerm.get(m)}`) : base;
  };
}

/** Stems without stop words, then adjacent pairs ("county_line") so phrases count for more than their words. */
export function stems(normalised: string): string[] {
  const words = normalised
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w))
    .map((w) => (/^\d+$/.test(w) ? w : stem(w)));
  const pairs = words.slice(1).map((w, i) => `${words[i]}_${w}`);
  return [...words, ...pairs];
}

export interface RouteScore {
  routeId: string;
  score: number;
}

interface Doc {
  id: string;
  route: string;
  title: string;
  keywords: string;
  text: string;
}

/** How a route's score is built from its documents' scores; tuned on the labelled set (see README). */
export interface MatcherWeights {
  /** How much the best, 2nd and 3rd best example of a route count. */
  vote: number[];
  /** How much the route's own document (title, keywords, summary) counts beside its examples. */
  profile: number;
}
export const DEFAULT_WEIGHTS: MatcherWeights = { vote: [1, 0.5, 0.25], profile: 1 };

/**
 * The typo-tolerant look-up of each query term in the index (MiniSearch's `fuzzyGet`, an edit
 * distance search of the whole term tree) was half the cost of a free-text turn. The index never
 * changes once built (new content builds a new matcher), so each term's answer is remembered, up to
 * 5,000 terms: staff type from a small vocabulary, so most terms are answered from memory. Each
 * caller gets its own copy of the answer (MiniSearch may delete from it). The answer is the same,
 * so every result is too (`npm run eval:referral`). If MiniSearch's index ever changes shape, the
 * search works as before, without memory.
 */
const REMEMBERED_TERMS = 5000;
function rememberFuzzyLookups(search: MiniSearch<Doc>): void {
  type FuzzyGet = (term: string, maxDistance: number) => Map<string, unknown>;
  const index = (search as unknown as { _index?: { fuzzyGet?: FuzzyGet } })._index;
  const fuzzyGet = index?.fuzzyGet;
  if (!index || typeof fuzzyGet !== 'function') return;
  const remembered = new Map<string, Map<string, unknown>>();
  index.fuzzyGet = (term, maxDistance) => {
    const key = `${maxDistance}:${term}`;
    let found = remembered.get(key);
    if (!found) {
      found = fuzzyGet.call(index, term, maxDistance);
      if (remembered.size >= REMEMBERED_TERMS) remembered.clear();
      remembered.set(key, found);
    }
    return new Map(found);
  };
}

export class RouteMatcher {
  private readonly search: MiniSearch<Doc>;
  readonly normalise: Normaliser;

  constructor(
    routes: Route[],
    phrasing: Phrasing,
    private readonly weights: MatcherWeights = DEFAULT_WEIGHTS,
  ) {
    this.normalise = makeNormaliser(
      phrasing,
      routes.flatMap((r) => r.keywords),
    );
    const tokenize = (text: string) => stems(this.normalise(text));
    this.search = new MiniSearch<Doc>({
      idField: 'id',
      fields: ['title', 'keywords', 'text'],
      storeFields: ['route'],
      tokenize,
      processTerm: (t) => t,
      searchOptions: {
        boost: { title: 2, keywords: 1.5, text: 1 },
        // Typos in longer words only ("neglet", "safegaurding"), never in pairs or short words.
        fuzzy: (term) => (term.includes('_') || term.length < 5 ? false : 0.2),
        weights: { fuzzy: 0.6, prefix: 0.3 },
        boostTerm: (term) => (WHO_WORDS.has(term) ? 0.35 : 1),
        combineWith: 'OR',
      },
    });
    const docs: Doc[] = [];
    for (const r of routes) {
      docs.push({
        id: `${r.id}#route`,
        route: r.id,
        title: r.title,
        keywords: r.keywords.join(' · '),
        text: r.summary,
      });
      r.examples.forEach((e, i) => docs.push({ id: `${r.id}#${i}`, route: r.id, title: '', keywords: '', text: e }));
    }
    phrasing.offTopic.forEach((e, i) =>
      docs.push({ id: `${OFF_TOPIC}#${i}`, route: OFF_TOPIC, title: '', keywords: '', text: e }),
    );
    this.search.addAll(docs);
    rememberFuzzyLookups(this.search);
  }

  /** Every route with any match, best first (the off-topic examples count as one more "route"). */
  rank(text: string): RouteScore[] {
    const { vote, profile } = this.weights;
    const perRoute = new Map<string, { examples: number[]; profile: number }>();
    for (const hit of this.search.search(text)) {
      const route = hit.route as string;
      const entry = perRoute.get(route) ?? { examples: [], profile: 0 };
      if ((hit.id as string).endsWith('#route')) entry.profile = hit.score;
      else if (entry.examples.length < vote.length) entry.examples.push(hit.score);
      perRoute.set(route, entry);
    }
    return [...perRoute.entries()]
      .map(([routeId, e]) => ({
        routeId,
        score: e.examples.reduce((sum, s, i) => sum + s * vote[i]!, 0) + profile * e.profile,
      }))
      .sort((a, b) => b.score - a.score);
  }
}
