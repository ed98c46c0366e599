import fs from 'node:fs';
import path from 'node:path';
import * as ACData from 'adaptivecards-templating';
import { projectRoot } from '../config/paths';

/**
 * Adaptive Card templates live as JSON under cards/<capability>/<name>.json and are expanded
 * with adaptivecards-templating. Templates are read once and cached.
 */
const cache = new Map<string, ACData.Template>();

export function cardsDir(): string {
  return path.join(projectRoot(), 'cards');
}

export function renderCard(name: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  let template = cache.get(name);
  if (!template) {
    const file = path.join(cardsDir(), `${name}.json`);
    template = new ACData.Template(JSON.parse(fs.readFileSync(file, 'utf8')));
    cache.set(name, template);
  }
  return template.expand({ $root: data }) as Record<string, unknown>;
}
