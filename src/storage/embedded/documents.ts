import { randomFillSync } from 'node:crypto';
import path from 'node:path';
import type { SnapshotEntry } from './journal';
import type { AccountLike } from './patches';

/**
 * How the embedded server keeps documents in memory, patched once when this module is loaded
 * (patches.ts loads it). With 50,000 staff and 200,000 training records (150,000 documents) the
 * store's heap held 184 MB of documents; now 94 MB (the README's start-up section has the
 * figures). Each patch checks the server's internals look as expected and otherwise leaves them be.
 */

/** Where the embedded server is installed: its internals are reached from here (patches.ts too). */
export const SERVER_DIR = path.dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
/** The default export of one of the server's `lib/account/` modules. */
export function serverClass<T>(file: string): T | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(SERVER_DIR, 'lib', 'account', file)) as { default?: T }).default;
}

/**
 * A random etag in one piece. The server makes etags with crypto.randomUUID, which joins each
 * from 20 pieces, and V8 keeps such a string as a tree of them: about 420 bytes an etag instead of
 * 60, for as long as the document is stored. 16 random bytes as hex are as unique as the UUID.
 */
const etags = { bytes: Buffer.alloc(16 * 1024), next: 16 * 1024 };
export function newEtag(): string {
  if (etags.next >= etags.bytes.length) {
    randomFillSync(etags.bytes);
    etags.next = 0;
  }
  const at = etags.next;
  etags.next += 16;
  return etags.bytes.toString('hex', at, at + 16);
}

/** A copy of a string in one piece (the server builds `_rid` and `_self` from template strings, trees too). */
const inOnePiece = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

/**
 * One copy of each short string that many documents repeat (an import's `importedAt` on every
 * row, subjects, providers, teams, dates): JSON.parse gives every value its own copy. The pool is
 * emptied when full, so values that are not repeated (names, ids) never pile up in it.
 */
const SHARED_MAX_LENGTH = 32;
const SHARED_MAX = 50_000;
const SHARED_MAX_DEPTH = 16;
const shared = new Map<string, string>();
function share(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    if (value.length > SHARED_MAX_LENGTH) return value;
    const one = shared.get(value);
    if (one !== undefined) return one;
    if (shared.size >= SHARED_MAX) shared.clear();
    shared.set(value, value);
    return value;
  }
  // Deeper than any document of this app; a body nested deeper is stored as it came.
  if (depth >= SHARED_MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = share(value[i], depth + 1);
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    for (const key in o) o[key] = share(o[key], depth + 1);
  }
  return value;
}

/** The server's own `_set`, before storeDocumentsCompactly wrapped it (createDirectly copies the document itself). */
let serverSet: ((data: object) => object) | undefined;

/**
 * The server stores each document as `{ ...body, id, _etag, _rid, _self, _ts }`. V8 gives objects
 * built that way a slower layout: reading one field of 50,000 of them took 26 ms against 2 ms for
 * the same documents copied key by key into fresh objects (measured), and every query reads such
 * fields for every document. So each document is copied that way as it is stored (about 1 µs
 * each), with its etag made anew in one piece, its `_rid` copied in one piece and its short
 * strings shared. The body is the server's own copy of the request: changing it is safe.
 * Documents keep no `_self` (a link by resource ids, 76 bytes each, 11 MB at 150,000 documents):
 * neither @azure/cosmos nor this app reads a document's `_self`, and the server only copies it
 * from one version to the next. Databases and collections keep theirs.
 */
function storeDocumentsCompactly(): void {
  const proto = serverClass<{ prototype: { _set?: (data: object) => object; __compact?: boolean } }>(
    'items.js',
  )?.prototype;
  if (!proto || typeof proto._set !== 'function' || proto.__compact) return;
  const set = proto._set;
  serverSet = set;
  const Documents = serverClass<new () => object>('documents.js');
  proto._set = function (this: object, data: object) {
    const isDocument = Documents !== undefined && this instanceof Documents;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(data)) {
      const value = (data as Record<string, unknown>)[key];
      if (key === '_etag') copy[key] = newEtag();
      else if (key === '_self' && isDocument) continue;
      else if ((key === '_rid' || key === '_self') && typeof value === 'string') copy[key] = inOnePiece(value);
      else copy[key] = share(value);
    }
    return set.call(this, copy);
  };
  proto.__compact = true;
}
storeDocumentsCompactly();

interface DocumentsLike {
  _parent: { read(): { _rid?: unknown } | undefined };
}
type RidMaker = (this: DocumentsLike, n: number) => string;

/**
 * A document's `_rid` is its collection's 8 bytes followed by its number (4 bytes, little-endian)
 * and 4 zero bytes, in base64. The server works it out through big-integer arithmetic and two
 * parses of the collection's rid, about 3 µs a document and a tenth of replaying a snapshot. The
 * same bytes are written directly; the first rid of each collection is made both ways and, if
 * they ever differ, that collection keeps the server's own way.
 */
export function documentRid(collectionBytes: Buffer, n: number): string {
  const bytes = Buffer.alloc(16);
  collectionBytes.copy(bytes, 0, 0, 8);
  bytes.writeInt32LE(n, 8);
  return bytes.toString('base64');
}

function fastDocumentRids(): void {
  const proto = serverClass<{ prototype: { _rid?: RidMaker; __fastRid?: boolean } }>('documents.js')?.prototype;
  if (!proto || typeof proto._rid !== 'function' || proto.__fastRid) return;
  const original = proto._rid;
  const prefixes = new Map<string, Buffer | null>();
  proto._rid = function (this: DocumentsLike, n: number): string {
    const collectionRid = this._parent.read()?._rid;
    if (typeof collectionRid !== 'string') return original.call(this, n);
    let prefix = prefixes.get(collectionRid);
    if (prefix === undefined) {
      const bytes = Buffer.from(collectionRid.replace('-', '/'), 'base64');
      const same = bytes.length === 8 && documentRid(bytes, n) === original.call(this, n);
      prefix = same ? bytes : null;
      prefixes.set(collectionRid, prefix);
    }
    return prefix ? documentRid(prefix, n) : original.call(this, n);
  };
  proto.__fastRid = true;
}
fastDocumentRids();

interface CollectionDocuments {
  _uniqueKeyPaths?: unknown[];
  _ridCount?: number;
  _getPartition?(data: object): unknown;
  _item?(keyPath: string, value: unknown, partition: unknown): { read(): unknown };
  _rid?(n: number): string;
  upsert?(data: Record<string, unknown>): unknown;
}

/**
 * A snapshot's document line (an upsert with no condition) applied straight to the server's
 * memory, without a request: replaying 150,000 of them through the request handler took seconds
 * of start-up. A document the collection does not hold yet (every one, replaying a snapshot) is
 * stored as the server's create would store it, copied once instead of twice; one it holds goes
 * through the server's own upsert. False when it cannot be done (anything but such a line, or the
 * server's internals not as expected): the caller replays the entry through the handler.
 */
export function upsertDirectly(entry: SnapshotEntry, account: () => AccountLike | undefined): boolean {
  if (
    entry.m !== 'POST' ||
    entry.h['x-ms-documentdb-is-upsert']?.toLowerCase() !== 'true' ||
    entry.h['x-ms-cosmos-is-batch-request'] ||
    entry.h['if-match']
  )
    return false;
  const m = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs\/?$/.exec(entry.u);
  if (!m) return false;
  const collection = account()?.database(m[1]!).collection?.(m[2]!);
  const docs = collection?.documents as CollectionDocuments | undefined;
  if (!collection?.read() || !docs || typeof docs.upsert !== 'function') return false;
  let body: unknown = entry.o;
  if (body === undefined) {
    try {
      body = JSON.parse(entry.b ?? '');
    } catch {
      return false;
    }
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
  const data = body as Record<string, unknown>;
  if (typeof data.id !== 'string' || !data.id) return false;
  if (!createDirectly(docs, data)) docs.upsert(data);
  return true;
}

/** Stores a document the collection does not hold, as the server's create does; false to leave it to the server. */
function createDirectly(docs: CollectionDocuments, data: Record<string, unknown>): boolean {
  if (
    !serverSet ||
    docs._uniqueKeyPaths?.length !== 1 ||
    typeof docs._ridCount !== 'number' ||
    !docs._getPartition ||
    !docs._item ||
    !docs._rid
  )
    return false;
  if (docs._item('/id', data.id, docs._getPartition(data)).read()) return false;
  docs._ridCount += 1;
  const _rid = docs._rid(docs._ridCount);
  const stored: Record<string, unknown> = {};
  for (const key of Object.keys(data)) stored[key] = share(data[key]);
  stored._etag = newEtag();
  stored._rid = _rid;
  stored._ts = Math.floor(Date.now() / 1000);
  serverSet.call(docs, stored);
  return true;
}
