/**
 * @jest-environment jsdom
 */
import fs from 'node:fs';
import path from 'node:path';
import { cardsDir } from '../src/cards/render';
import { menuCard } from '../src/home';
import type { Command } from '../src/chat/types';
import { resolveRoles } from '../src/people/roles';
import { AC, cardProblems } from './helpers/cards';

// A few declared commands (the real catalogue is checked over HTTP in roles.http.test.ts; this
// jsdom environment cannot load the bot's SDK).
const handle = async () => undefined;
const MENU: Command[] = [
  {
    name: 'worried',
    description: 'Find the right referral route',
    patterns: [],
    handle,
    button: "I'm worried about someone",
  },
  { name: 'my training', description: 'Check your training', patterns: [], handle, button: 'My training' },
  { name: 'briefings', description: 'Read briefings', patterns: [], handle, button: '7-minute briefings' },
  {
    name: 'self-assessment',
    description: 'Complete the self-assessment',
    patterns: [],
    handle,
    button: 'Practice self-assessment',
    permission: 'assessment.answer',
  },
  {
    name: 'assessment status',
    description: 'Which practices have submitted',
    patterns: [],
    handle,
    button: 'Self-assessment status',
    permission: 'assessment.oversee',
  },
];

// Teams renders Markdown itself; the test renderer only needs plain text.
AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = text;
  result.didProcess = true;
};

function templates(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? templates(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
    );
}

describe('Adaptive Card templates under cards/', () => {
  const files = templates(cardsDir());

  it('has templates to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files.map((f) => [path.relative(cardsDir(), f)]))(
    '%s parses with the adaptivecards library at schema 1.5',
    (rel) => {
      const card = JSON.parse(fs.readFileSync(path.join(cardsDir(), rel), 'utf8')) as Record<string, unknown>;
      // A typed property bound to an expression (a column width, a style) can only be checked once
      // expanded: the feature tests validate every card the bot actually sends.
      expect(cardProblems(card).filter((p) => !p.includes('${'))).toEqual([]);
    },
  );
});

describe('the menu card as rendered', () => {
  it('renders in a browser-like DOM with a button per job and the 999 line', () => {
    const card = new AC.AdaptiveCard();
    card.parse(
      menuCard('welcome', MENU, {
        principal: { roles: resolveRoles(['practice-lead'], false), practiceCode: 'Y90001' },
      }),
    );
    const el = card.render()!;
    const buttons = [...el.querySelectorAll('button')].map(
      (b) => b.getAttribute('aria-label') ?? b.textContent?.trim(),
    );
    // The role's own buttons sit under its line in the body; everyone's jobs at the foot.
    expect(buttons).toEqual([
      'Practice self-assessment',
      "I'm worried about someone",
      'My training',
      '7-minute briefings',
    ]);
    expect(el.textContent).toContain('call 999');
  });

  it('leaves out the detail when answering something unrecognised, to keep the reply short', () => {
    const card = menuCard('unrecognised', MENU, { principal: { roles: resolveRoles([], false) } });
    expect(JSON.stringify(card)).not.toContain('999');
    expect(cardProblems(card)).toEqual([]);
  });
});
