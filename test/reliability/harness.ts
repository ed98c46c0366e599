import fs from 'node:fs';
import path from 'node:path';
import { CONTAINERS, type ContainerName } from '../../src/storage/containers';
import type { Store } from '../../src/storage/store';
import { cardOf, cardText, type SentActivity } from '../helpers/connector';

/** Everything a person would read in a message: its text and any card. */
export const readable = (a: SentActivity): string =>
  `${a.activity.text ?? ''}\n${a.activity.summary ?? ''}\n${cardText(cardOf(a))}`;

/** A JavaScript stack frame or an internal error name in what a user reads. */
export const STACK_TRACE =
  /\n\s*at \S.*:\d+:\d+|\b(TypeError|ReferenceError|RangeError|SyntaxError|ZodError)\b|node_modules|\/dist\/src\//;

/** Expected writes: conversation references and the audit trail. */
const EXPECTED_WRITES: ContainerName[] = ['conversations', 'audit'];

/** Every document in every container (but those written as a matter of course), keyed by container and id, with etags. */
export async function storeDocuments(store: Store): Promise<Map<string, string>> {
  const docs = new Map<string, string>();
  for (const name of Object.keys(CONTAINERS) as ContainerName[]) {
    if (EXPECTED_WRITES.includes(name)) continue;
    const iterator = store.container(name).items.readAll({ maxItemCount: 500 });
    while (iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      for (const d of resources) {
        const { _ts, _etag, ...rest } = d as Record<string, unknown>;
        void _ts;
        void _etag;
        docs.set(`${name}/${String(d.id)}`, JSON.stringify(rest));
      }
    }
  }
  return docs;
}

/** Documents added, removed or changed between two snapshots. */
export function storeChanges(
  before: Map<string, string>,
  after: Map<string, string>,
  expected: RegExp[] = [],
): string[] {
  const changed: string[] = [];
  for (const [key, value] of after)
    if (before.get(key) !== value && !expected.some((e) => e.test(key))) changed.push(key);
  for (const key of before.keys()) if (!after.has(key)) changed.push(`-${key}`);
  return changed;
}

const CARDS = path.join(__dirname, '..', '..', 'cards');
const SRC = path.join(__dirname, '..', '..', 'src');

function files(dir: string, ext: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : [],
    );
}

/**
 * Every verb the cards use, with the data fields they send: from cards/**\/*.json, and the
 * capabilities' `actions` and card builders in src/ (`verb: '…'`).
 */
export function cardVerbs(): Map<string, Set<string>> {
  const verbs = new Map<string, Set<string>>();
  let inFile: string[] = [];
  const add = (verb: string, fields: string[] = []) => {
    inFile.push(verb);
    const set = verbs.get(verb) ?? new Set<string>();
    fields.forEach((f) => set.add(f));
    verbs.set(verb, set);
  };
  const inputs: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string') inputs.push(o.id);
      const data = (o.data ?? undefined) as Record<string, unknown> | undefined;
      if (data && typeof data.verb === 'string')
        add(
          data.verb,
          Object.keys(data).filter((k) => k !== 'verb'),
        );
      if (typeof o.verb === 'string') add(o.verb, Object.keys(data ?? {}));
      Object.values(o).forEach(visit);
    }
  };
  for (const file of files(CARDS, '.json')) {
    inputs.length = 0;
    inFile = [];
    const card = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    visit(card);
    // A submit sends the card's inputs with its data.
    for (const verb of inFile) inputs.forEach((i) => verbs.get(verb)!.add(i));
  }
  for (const file of files(SRC, '.ts')) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/verb: '([a-zA-Z.]+)'/g)) add(m[1]!);
    // Each capability's verbs constant (`export const X_VERBS = { key: 'verb', … }`).
    for (const block of text.matchAll(/export const \w+_VERBS = \{([^}]*)\}/g))
      for (const m of block[1]!.matchAll(/\w+\s*:\s*'([a-zA-Z.]+)'/g)) add(m[1]!);
  }
  return verbs;
}
