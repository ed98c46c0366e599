import { cardText } from './connector';
// The npm build of adaptivecards 3.0.x ships ES modules without file extensions under lib/, which
// Node cannot load; its UMD bundle in dist/ is the same library.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AC = require('adaptivecards/dist/adaptivecards.js') as typeof import('adaptivecards');

/** Problems the Adaptive Cards library finds when parsing a card at schema 1.5 (empty means valid). */
export function cardProblems(card: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const version = String(card.version ?? '');
  if (card.type !== 'AdaptiveCard') problems.push('type is not AdaptiveCard');
  if (!/^1\.[0-5]$/.test(version)) problems.push(`version ${version} is not 1.0-1.5`);
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const e of parsed.validateProperties().validationEvents) problems.push(e.message);
  const size = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (size > 40 * 1024) problems.push(`card is ${size} bytes, over the 40 KB budget`);
  return problems;
}

export { AC };

/** Finds a button by its title on a card, as a person would. */
export function button(card: Record<string, unknown>, title: string): Record<string, unknown> {
  let found: Record<string, unknown> | undefined;
  const visit = (node: unknown): void => {
    if (found) return;
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Action.') && o.title === title) found = o;
      else Object.values(o).forEach(visit);
    }
  };
  visit(card);
  if (!found) throw new Error(`No button "${title}" on card:\n${cardText(card)}`);
  return found;
}
