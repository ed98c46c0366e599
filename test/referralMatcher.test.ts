import path from 'node:path';
import MiniSearch from 'minisearch';
import { loadReferralContent } from '../src/referral/content';
import { RouteMatcher } from '../src/referral/matcher';

const content = loadReferralContent(path.join(__dirname, '..', 'content', 'referral'));

type FuzzyGet = (term: string, maxDistance: number) => Map<string, unknown>;
/** MiniSearch's index class, where the typo-tolerant look-up lives (it is not exported). */
const indexPrototype = Object.getPrototypeOf(
  (new MiniSearch({ fields: ['text'] }) as unknown as { _index: object })._index,
) as { fuzzyGet: FuzzyGet };

const TEXTS = [
  'a child with bruises and signs of neglet at home',
  'safegaurding concern about an elderly neighbour whose son takes her pension',
  'worried about a teenager being groomed online',
  'a child with bruises and signs of neglet at home',
];

describe('free-text ranking remembers its typo-tolerant look-ups', () => {
  it('ranks exactly as without memory, and a term seen before costs no look-up', () => {
    const original = indexPrototype.fuzzyGet;
    let lookups = 0;
    indexPrototype.fuzzyGet = function (this: unknown, term, maxDistance) {
      lookups++;
      return original.call(this, term, maxDistance);
    };
    try {
      const remembering = new RouteMatcher(content.routes, content.phrasing);
      const first = TEXTS.map((t) => remembering.rank(t));
      const afterFirst = lookups;
      const again = TEXTS.map((t) => remembering.rank(t));
      expect(again).toEqual(first);
      expect(lookups).toBe(afterFirst); // every term answered from memory the second time
      expect(afterFirst).toBeGreaterThan(0);

      // The same matcher with MiniSearch's own look-up put back: the same ranking.
      const plain = new RouteMatcher(content.routes, content.phrasing);
      delete (plain as unknown as { search: { _index: { fuzzyGet?: FuzzyGet } } }).search._index.fuzzyGet;
      expect(TEXTS.map((t) => plain.rank(t))).toEqual(first);
    } finally {
      indexPrototype.fuzzyGet = original;
    }
  });
});
