import type { Area, HomeArea, ReferralContent } from './content';

/**
 * Where the person lives, when the text says: one of the organisation's home areas (its own
 * contacts apply) or another council area in England (that council's page, never our numbers).
 *
 * Names that are also ordinary words or surnames ("Bath", "Reading", "Bury", "Kent") count only
 * with a place cue next to them ("lives in Bath", "Reading council"), so "a burn in the bath" is
 * not about Bath.
 */
export type Place = { kind: 'home'; home: HomeArea } | { kind: 'away'; area: Area };

const AMBIGUOUS = new Set([
  'bath',
  'reading',
  'bury',
  'barking',
  'slough',
  'stoke',
  'hull',
  'york',
  'derby',
  'chester',
  'windsor',
  'sutton',
  'brent',
  'halton',
  'merton',
  'poole',
  'kent',
  'christchurch',
  'bedford',
  'telford',
  'fulham',
  'harrow',
  'luton',
  'durham',
  'devon',
  'dorset',
  'richmond',
]);

const CUE_BEFORE =
  /\b(?:(?:lives?|living|moved|moving|based|resident|staying|visiting|relocated|placed)\s+(?:in|to|at|near|from)|from)\s+$/;
const VENUE_AFTER =
  /^\s*(children'?s |general |royal |district |city )?(hospital|infirmary|a and e|a&e|emergency department|walk in|urgent care|minor injuries|school|academy|college|university|surgery|clinic|custody|police station|station|court|prison|airport)\b/;
const VENUE_BEFORE =
  /\b(a and e|a&e|hospital|seen|admitted|attended|school|custody|clinic|work|works|working|placement)\s+(in|at)\s+$/;
/** "in Bath" counts only when typed with a capital: "in bath" is a bath. */
const WEAK_CUE_BEFORE = /\b(?:in|to|at|near|around|of)\s+$/;
const CUE_AFTER =
  /^\s*(council|area|borough|mash|social care|children'?s (social care|services)|adult'?s? (social care|services)|local authority|la\b|safeguarding|partnership|family|families|resident|address)/;

/** Spacing and punctuation made plain, with the text's own capitals (so a capitalised "Bath" can be told from "bath"). */
function tidy(text: string): string {
  return text
    .replace(/[’‘]/g, "'")
    .replace(/&/g, ' and ')
    .replace(/\bst\.\s*/gi, 'st ')
    .replace(/[-,]/g, ' ')
    .replace(/\s+/g, ' ');
}

function normalise(text: string): string {
  return tidy(text).toLowerCase();
}

export class PlaceFinder {
  private readonly names: { key: string; area: Area }[];
  private readonly homeByArea = new Map<string, HomeArea>();

  constructor(content: ReferralContent) {
    this.names = content.areas.areas
      .flatMap((area) => [area.name, ...area.aliases].map((n) => ({ key: normalise(n).trim(), area })))
      .sort((a, b) => b.key.length - a.key.length);
    for (const home of content.pathway.homeAreas)
      for (const n of home.councilAreas) this.homeByArea.set(n.toLowerCase(), home);
  }

  /** The first place the text names (longest name first, so "Newcastle-under-Lyme" is not Newcastle upon Tyne). */
  find(text: string): Place | undefined {
    // t is the lower-case text padded with a space each side; original keeps its capitals, one place to the left.
    const original = tidy(text);
    const t = ` ${original.toLowerCase()} `;
    const taken: [number, number][] = [];
    let best: { at: number; area: Area; lives: boolean } | undefined;
    for (const { key, area } of this.names) {
      let from = 0;
      for (;;) {
        const at = t.indexOf(key, from);
        if (at < 0) break;
        from = at + 1;
        const end = at + key.length;
        if (/[a-z0-9]/.test(t[at - 1] ?? ' ') || /[a-z0-9]/.test(t[end] ?? ' ')) continue;
        if (taken.some(([s, e]) => at < e && end > s)) continue;
        if (AMBIGUOUS.has(key)) {
          const before = t.slice(Math.max(0, at - 24), at);
          const capitalised = /^[A-Z]/.test(original.slice(at - 1, end - 1));
          if (
            !CUE_BEFORE.test(before) &&
            !CUE_AFTER.test(t.slice(end, end + 32)) &&
            !(capitalised && WEAK_CUE_BEFORE.test(before))
          )
            continue;
        }
        taken.push([at, end]);
        const before = t.slice(Math.max(0, at - 24), at);
        // Where someone was seen is not where they live: "at Sheffield Children's Hospital", "in A&E in Doncaster".
        if (VENUE_AFTER.test(t.slice(end, end + 24)) || VENUE_BEFORE.test(before)) continue;
        const lives = CUE_BEFORE.test(before) || /^\s*(resident|family|council)/.test(t.slice(end, end + 16));
        if (!best || (lives && !best.lives) || (lives === best.lives && at < best.at)) best = { at, area, lives };
      }
    }
    if (!best) return undefined;
    const home = this.homeByArea.get(best.area.name.toLowerCase());
    return home ? { kind: 'home', home } : { kind: 'away', area: best.area };
  }

  /** Areas by name, for the "somewhere else in England" picker. */
  area(name: string): Area | undefined {
    const key = normalise(name).trim();
    return this.names.find((n) => n.key === key)?.area;
  }
}
