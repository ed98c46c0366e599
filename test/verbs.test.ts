import fs from 'node:fs';
import path from 'node:path';
import { verbsOf } from '../src/chat/routes';
import { startTestBot, type TestBot } from './helpers/bot';

/**
 * Every card verb has exactly one handler, and every handler can be reached: its verb is in a card
 * template under cards/, or the code that builds a card names it (through its capability's verbs
 * constant, or as a literal outside the action's own declaration).
 */
const root = path.join(__dirname, '..');

function filesUnder(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, ext) : e.name.endsWith(ext) ? [full] : [];
  });
}

/** `"verb": "x"` in every card template. */
function cardVerbs(): Set<string> {
  const out = new Set<string>();
  for (const file of filesUnder(path.join(root, 'cards'), '.json'))
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/"verb"\s*:\s*"([^"$]+)"/g)) out.add(m[1]!);
  return out;
}

/** The verbs constants (`export const X_VERBS = { key: 'verb', … }`), verb → `X_VERBS.key`. */
function verbConstants(sources: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const text of sources.values()) {
    for (const block of text.matchAll(/export const (\w+_VERBS) = \{([^}]*)\}/g)) {
      for (const m of block[2]!.matchAll(/(\w+)\s*:\s*'([^']+)'/g)) out.set(m[2]!, `${block[1]}.${m[1]}`);
    }
  }
  return out;
}

describe('card verbs', () => {
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => bot.stop());

  test('every verb is handled once, every card verb has a handler, and every handler is reachable', () => {
    const handled = [...verbsOf(bot.app.capabilities), 'menu']; // "menu" is the bot layer's own (a button naming a command)
    const duplicates = handled.filter((v, i) => handled.indexOf(v) !== i);
    expect(duplicates).toEqual([]);

    const inCards = cardVerbs();
    expect([...inCards].filter((v) => !handled.includes(v))).toEqual([]);

    const sources = new Map(filesUnder(path.join(root, 'src'), '.ts').map((f) => [f, fs.readFileSync(f, 'utf8')]));
    const constants = verbConstants(sources);
    // A handler's own declaration does not make it reachable: `action(VERB, …)` or `{ verb: '…', handle … }`.
    const declaration = /\b(action|execute)\(|verb:\s*'[^']+',\s*(permission|handle|privileged)\b/;
    const namedInCode = (verb: string): boolean => {
      const constant = constants.get(verb);
      for (const [file, text] of sources) {
        const lines = text.split('\n').filter((l) => !declaration.test(l));
        if (constant && !file.endsWith('verbs.ts') && lines.some((l) => l.includes(constant))) return true;
        if (!file.endsWith('verbs.ts') && lines.some((l) => l.includes(`'${verb}'`))) return true;
      }
      return false;
    };
    const unreachable = handled.filter((v) => !inCards.has(v) && !namedInCode(v));
    expect(unreachable).toEqual([]);
    // The test would pass vacuously if it found nothing.
    expect(handled.length).toBeGreaterThan(40);
    expect(inCards.size).toBeGreaterThan(30);
  });
});

describe('card templates', () => {
  test('every template under cards/ is declared with its data type in CardTemplates, and nothing else is', () => {
    const templates = new Set(
      filesUnder(path.join(root, 'cards'), '.json').map((f) =>
        path
          .relative(path.join(root, 'cards'), f)
          .replace(/\.json$/, '')
          .split(path.sep)
          .join('/'),
      ),
    );
    const declared = new Set<string>();
    for (const file of filesUnder(path.join(root, 'src'), '.ts')) {
      for (const block of fs.readFileSync(file, 'utf8').matchAll(/interface CardTemplates \{([\s\S]*?)\n\s*\}/g))
        for (const m of block[1]!.matchAll(/'([a-z]+\/[A-Za-z]+)'\s*:/g)) declared.add(m[1]!);
    }
    expect([...templates].filter((t) => !declared.has(t))).toEqual([]);
    expect([...declared].filter((t) => !templates.has(t))).toEqual([]);
    expect(templates.size).toBeGreaterThan(40);
  });
});
