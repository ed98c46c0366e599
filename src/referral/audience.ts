import type { Audience } from './content';

/**
 * Who a free-text message is about: a child, an unborn baby or an adult, read from ages and the
 * words staff use. Each clue has a strength; a strong clue (an age, "toddler", "care home
 * resident") beats a weak one ("son", "mum"), and where strong clues disagree the person named
 * first is the subject ("an elderly man ... his son" is about the man). Pure and deterministic.
 */
export interface AudienceReading {
  audience?: Audience;
  /** Clues for more than one audience of the same strength: the answer needs care. */
  mixed: boolean;
}

interface Clue {
  audience: Audience;
  strength: number;
  at: number;
}

const STRONG = 3;
const MEDIUM = 2;
const WEAK = 1;

const WORD_CLUES: { audience: Audience; strength: number; pattern: RegExp }[] = [
  {
    audience: 'unborn',
    strength: STRONG + 1,
    pattern:
      /\b(\d{1,2} ?\/ ?40(\+\d)?|gravida|primip\w*|multip|g\d ?p\d|booking bloods|unborn|pregnan(t|cy|cies)|pre-?birth|ante-?natal|expecting (a|her|their|his)( first| second| third| new)? (baby|child)|weeks? gestation|expectant (mum|mother|parents?)|due to give birth|(baby|child) (is )?due|not yet born|before (the baby is|birth)|bump)\b/g,
  },
  {
    audience: 'child',
    strength: STRONG,
    pattern:
      /\b(child|children|childs|childrens|kid|kids|boy|boys|girl|girls|bab(y|ies)|infant|toddler|newborn|new-born|neonate|pupil|schoolchild|school(boy|girl)|teen|teens|teenager|teenage|adolescent|young (person|people|lad|girl|boy)|youngster|bairn|minor|under[- ]?(16|18)s?|year (\d|1[0-3]) (pupil|student|child|boy|girl)|in year (\d|1[0-3])|primary school|secondary school|sixth form(er)?|nursery|looked[- ]after|in care|foster(ed|ing)?|care experienced|lac|cla|cin|cp plan|child protection|young carer|\d{1,2} ?yo|\d{1,2} ?y\/o)\b/g,
  },
  { audience: 'unborn', strength: MEDIUM, pattern: /\b(midwife|midwives|maternity|booking appointment|scan)\b/g },
  {
    audience: 'child',
    strength: MEDIUM,
    pattern:
      /\b(school|pupils|students? at (the )?school|teachers?|health visitor|school nurse|paediatric\w*|camhs|sen(co|d)?|early help)\b/g,
  },
  {
    audience: 'child',
    strength: WEAK,
    pattern: /\b(son|daughter|sons|daughters|grand(son|daughter|child|children)|nephew|niece|step-?(son|daughter))\b/g,
  },
  {
    audience: 'adult',
    strength: STRONG,
    pattern:
      /\b(adults?|elderly|older (person|people|adult|man|woman|lady|gentleman|patient)|pensioners?|care home|nursing home|residential home|dementia|alzheimer'?s|adult at risk|adults at risk|vulnerable adult|care and support needs|section 42|s42|dols|lps|care act|frail|retired|widow(er)?|ol[dl] (man|woman|lady|gentleman|chap|fella))\b/g,
  },
  {
    audience: 'adult',
    strength: MEDIUM,
    pattern:
      /\b(young (man|woman|men|women|adult)|care leaver|man|woman|men|women|lady|ladies|gentleman|husband|wife|boyfriend|girlfriend|grand(mother|father|ma|pa|parents?)|nan|nana|gran|granny|grandad|resident|residents|tenant|learning (disabilit(y|ies)|difficult(y|ies))|carer|carers|care worker|domiciliary|home care|his (mother|father|mum|dad)|her (mother|father|mum|dad))\b/g,
  },
  // "mum" and "dad" are weak: "a mum is being hit" is about her, "mum hits the baby" is about the baby (a stronger clue).
  { audience: 'adult', strength: WEAK, pattern: /\b(mum|mam|mom|mother|dad|father|uni|university)\b/g },
];

/** "6 year old", "6-year-old", "aged 6", "age 15", "15yrs", "8 month old", "3 weeks old", "in his 80s". */
const AGE_PATTERNS: RegExp[] = [
  /\b(\d{1,3})[- ]?(?:years?|yrs?|yo|y\/o)(?:[- ]old)?\b/g,
  /\b(?:aged?|age of)\s*(\d{1,3})\b/g,
  /\bin (?:his|her|their) (\d0)s\b/g,
  /\b(\d{1,2})[- ]?(?:months?|weeks?|days?|mths?|wks?)(?:[- ]old)?\b/g,
  // "she's 87", "he is 92", "who is 15": a bare number after a person, not a time, a count or a percentage.
  /\b(?:boy|girl|lad|lass|son|daughter|child|kid|teenager|teen|sister|brother|former|pupil|man|woman|lady|patient|baby)\s*[,(]\s*(\d{1,3})\s*(?:yrs?|years?|y)?\s*[,)]/g,
  // "Patient with learning difficulties, 22, ...": a number set off by commas in a description is an age.
  /[a-z],\s*(\d{1,2})\s*,\s*(?=[a-z])/g,
  /\b(?:she|he|they|who|patient|mum|dad|son|daughter)(?:'s|s| is| was| are| were)\s+(\d{1,3})\b(?!\s*(?:weeks?|months?|days?|%|pm|am|:|\.\d|times|hours?|mins?|minutes?|miles?|x\b))/g,
];

const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

function ageClues(text: string): Clue[] {
  const clues: Clue[] = [];
  const t = text.replace(
    /\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b/g,
    (w) => String(NUMBER_WORDS[w]),
  );
  AGE_PATTERNS.forEach((pattern, i) => {
    for (const m of t.matchAll(pattern)) {
      const n = Number(m[1]);
      // "3 months pregnant" and "32 weeks" are about an unborn baby, not an infant.
      const after = t.slice(m.index! + m[0].length, m.index! + m[0].length + 16);
      if (i === 3 && /^\s*(pregnant|gestation|along)/.test(after)) {
        clues.push({ audience: 'unborn', strength: STRONG + 1, at: m.index! });
        continue;
      }
      if (i === 3) {
        if (
          /\b(for|over|since|past|last|next|in|within|after|every)\s*$/.test(
            t.slice(Math.max(0, m.index! - 8), m.index!),
          )
        )
          continue; // "for 3 weeks"
        if (
          !/old|\bold\b/.test(m[0]) &&
          !/^\s*(old|baby|infant|boy|girl|son|daughter)/.test(after) &&
          !/\b(a|an|my|her|his|their|the)\s*$/.test(t.slice(Math.max(0, m.index! - 6), m.index!))
        )
          continue;
        clues.push({ audience: 'child', strength: STRONG + 1, at: m.index! });
        continue;
      }
      if (
        i === 0 &&
        /\b(for|over|since|past|last|next|in|within|after|every|than)\s*$/.test(
          t.slice(Math.max(0, m.index! - 8), m.index!),
        ) &&
        !/old/.test(m[0])
      )
        continue;
      if (Number.isNaN(n) || n > 120) continue;
      // "her 25 year old boyfriend" is someone else's age, not the subject's.
      const possessive = /\b(?:her|his|their|mum'?s|dad'?s)\s+$/.test(t.slice(Math.max(0, m.index! - 8), m.index!));
      clues.push({ audience: n < 18 ? 'child' : 'adult', strength: possessive ? MEDIUM : STRONG + 1, at: m.index! });
    }
  });
  return clues;
}

export function readAudience(rawText: string): AudienceReading {
  const text = rawText.toLowerCase().replace(/[’‘]/g, "'");
  const clues: Clue[] = ageClues(text);
  for (const { audience, strength, pattern } of WORD_CLUES) {
    for (const m of text.matchAll(pattern)) clues.push({ audience, strength, at: m.index! });
  }
  if (clues.length === 0) return { mixed: false };
  // An unborn baby wins over "baby" and "mum": pregnancy is the clearest clue there is.
  const unborn = clues.find((c) => c.audience === 'unborn' && c.strength > STRONG);
  if (unborn) return { audience: 'unborn', mixed: false };
  const top = Math.max(...clues.map((c) => c.strength));
  const strongest = clues.filter((c) => c.strength === top).sort((a, b) => a.at - b.at);
  const audiences = new Set(strongest.map((c) => c.audience));
  return { audience: strongest[0]!.audience, mixed: audiences.size > 1 };
}
