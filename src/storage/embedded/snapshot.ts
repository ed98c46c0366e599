import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, type JournalEntry, type SnapshotEntry } from './journal';
import { get, post } from './requests';

/** A database's collections and their documents, taken from memory for a snapshot. */
export interface SnapshotDb {
  id: string;
  collections: { meta: Record<string, unknown>; docs: Record<string, unknown>[] }[];
}

export const byRid = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a._rid) < String(b._rid) ? -1 : String(a._rid) > String(b._rid) ? 1 : 0;

/**
 * The entries of a snapshot, after its header (the first line, put in `read.header` as it is read).
 * A snapshot is synced before it is renamed into place, so it is never torn by a crash: a line
 * that does not parse means the file was damaged afterwards, and opening would lose data, so once
 * the file has been read to its end this throws, naming the file and the line.
 * Read a chunk at a time (a snapshot of 150,000 documents is over 100 MB of text).
 */
export function* snapshotEntries(file: string, read: { header?: { nextJournal?: number } }): Generator<SnapshotEntry> {
  let lineNo = 0;
  let damagedAt: number | undefined;
  for (const line of linesOf(file)) {
    lineNo++;
    if (damagedAt !== undefined) continue; // only counting now, for the message
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      damagedAt = lineNo;
      continue;
    }
    if (!read.header) {
      read.header = parsed as { nextJournal?: number };
      continue;
    }
    yield parsed as SnapshotEntry;
  }
  if (damagedAt !== undefined) {
    throw new Error(
      `The snapshot ${file} is damaged at line ${damagedAt} of ${lineNo}; the store was not opened. Restore it from a backup, or move it away to start from the journals alone.`,
    );
  }
}

/** The non-empty lines of a file, read 4 MB at a time. */
function* linesOf(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      const data = rest.length ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      // Cut at the last newline, in bytes, so no character is split between chunks.
      const end = data.lastIndexOf(10);
      if (end < 0) {
        rest = Buffer.from(data);
        continue;
      }
      const text = data.toString('utf8', 0, end);
      rest = Buffer.from(data.subarray(end + 1));
      for (const line of text.split('\n')) if (line.length > 0) yield line;
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `snapshot.jsonl` in `dir`: the header `{"nextJournal": gen}`, then the lines `writeBody`
 * writes to the open file. It is written to a temporary file, synced, renamed into place and the
 * directory synced, so a crash at any point leaves either the old snapshot or the new one, whole.
 * Then `afterRename` runs, in the same synchronous step as the rename: there the caller deletes
 * the journals the new snapshot holds (those before `gen`), switching journals around that as it
 * must (see compact and writeSnapshot in durable.ts). A snapshot that failed is never renamed.
 */
export async function writeSnapshotFile(
  dir: string,
  gen: number,
  writeBody: (fd: number) => Promise<void>,
  afterRename: () => void,
): Promise<void> {
  const tmp = path.join(dir, 'snapshot.jsonl.tmp');
  const fd = fs.openSync(tmp, 'w');
  let written = false;
  try {
    writeLine(fd, { nextJournal: gen });
    await writeBody(fd);
    fs.fsyncSync(fd);
    written = true;
  } finally {
    fs.closeSync(fd);
    // A snapshot that could not be written whole (a full disk) gives its space back.
    if (!written) fs.rmSync(tmp, { force: true });
  }
  fs.renameSync(tmp, path.join(dir, 'snapshot.jsonl'));
  fsyncDir(dir);
  afterRename();
}

/** Every database, collection and document as it is in memory now; undefined if memory cannot be read. */
export async function captureFromMemory(
  call: (entry: JournalEntry) => Promise<{ body: string }>,
  inMemory: (dbId: string, collId: string) => Record<string, unknown>[] | undefined,
): Promise<{ dbs: SnapshotDb[] } | undefined> {
  const dbs = JSON.parse((await call(get('/dbs'))).body) as { Databases: { id: string }[] };
  const out: SnapshotDb[] = [];
  for (const db of dbs.Databases) {
    const colls = JSON.parse((await call(get(`/dbs/${db.id}/colls`))).body) as {
      DocumentCollections: Record<string, unknown>[];
    };
    const collections: SnapshotDb['collections'] = [];
    for (const coll of colls.DocumentCollections) {
      const docs = inMemory(db.id, String(coll.id));
      if (!docs) return undefined;
      collections.push({ meta: coll, docs });
    }
    out.push({ id: db.id, collections });
  }
  return { dbs: out };
}

/** Snapshot lines for state captured from memory (compactInBackground). */
export async function writeCaptured(fd: number, dbs: SnapshotDb[]): Promise<void> {
  for (const db of dbs) {
    writeLine(fd, post('/dbs', { id: db.id }));
    for (const { meta, docs } of db.collections) {
      const { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl } = meta;
      writeLine(fd, post(`/dbs/${db.id}/colls`, { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl }));
      docs.sort(byRid);
      await writeDocLines(fd, db.id, String(id), partitionKey, docs);
    }
  }
}

/**
 * Snapshot lines for the whole current state, read through the server's API (`call`), with each
 * collection's documents read from memory when `inMemory` can, else a page at a time (compact).
 */
export async function writeFromServer(
  fd: number,
  call: (entry: JournalEntry) => Promise<{ body: string; headers: Record<string, string> }>,
  inMemory: (dbId: string, collId: string) => Record<string, unknown>[] | undefined,
): Promise<void> {
  const dbs = JSON.parse((await call(get('/dbs'))).body) as { Databases: { id: string }[] };
  for (const db of dbs.Databases) {
    writeLine(fd, post('/dbs', { id: db.id }));
    const colls = JSON.parse((await call(get(`/dbs/${db.id}/colls`))).body) as {
      DocumentCollections: Record<string, unknown>[];
    };
    for (const coll of colls.DocumentCollections) {
      const { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl } = coll as Record<string, unknown>;
      writeLine(fd, post(`/dbs/${db.id}/colls`, { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl }));
      // Written 2,000 documents at a time, giving way to queries in between: the store stays
      // responsive while it compacts (writes wait, as they must, until the snapshot is done).
      const direct = inMemory(db.id, String(id));
      if (direct) {
        await writeDocLines(fd, db.id, String(id), partitionKey, direct);
        continue;
      }
      let continuation: string | undefined;
      do {
        const page = await call(get(`/dbs/${db.id}/colls/${String(id)}/docs`, continuation));
        await writeDocLines(
          fd,
          db.id,
          String(id),
          partitionKey,
          (JSON.parse(page.body) as { Documents: Record<string, unknown>[] }).Documents,
        );
        continuation = page.headers['x-ms-continuation'];
      } while (continuation);
    }
  }
}

/** Snapshot lines for one collection's documents, 2,000 at a time, giving way to requests in between. */
async function writeDocLines(
  fd: number,
  dbId: string,
  collId: string,
  partitionKey: unknown,
  docs: Record<string, unknown>[],
): Promise<void> {
  const pkPath = ((partitionKey as { paths?: string[] } | undefined)?.paths?.[0] ?? '/id').slice(1).split('/');
  for (let i = 0; i < docs.length; i += 2000) {
    const lines: string[] = [];
    for (const doc of docs.slice(i, i + 2000)) {
      const { _rid, _self, _etag, _ts, _attachments, ...rest } = doc;
      const pkValue = pkPath.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
      // The body as an object, not as JSON text inside JSON: parsed once at start, not twice.
      const entry: SnapshotEntry = {
        m: 'POST',
        u: `/dbs/${dbId}/colls/${collId}/docs`,
        h: { 'x-ms-documentdb-is-upsert': 'true', 'x-ms-documentdb-partitionkey': JSON.stringify([pkValue ?? {}]) },
        o: rest,
      };
      lines.push(`${JSON.stringify(entry)}\n`);
    }
    if (lines.length) fs.writeSync(fd, lines.join(''));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function writeLine(fd: number, obj: unknown): void {
  fs.writeSync(fd, `${JSON.stringify(obj)}\n`);
}
