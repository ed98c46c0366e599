import fs from 'node:fs';
import path from 'node:path';
import { CosmosClient, type Container } from '@azure/cosmos';
import { EmbeddedCosmos } from '../src/storage/embedded';
import { removeDir, tempDir } from './helpers/tmp';

/**
 * Snapshots that hold documents, over more than one of the 4 MiB chunks a snapshot is read in
 * (src/storage/embedded/snapshot.ts): damage is refused as it is for an empty snapshot, and
 * documents whose lines cross a chunk boundary load whole.
 */
const CHUNK = 4 * 1024 * 1024;
const COUNT = 3000;
// Every document's line in the snapshot has the same length (fixed-width ids and numbers), so where
// the chunk boundaries fall does not depend on the order the documents were created in. The text is
// mostly characters of 2 to 4 bytes in UTF-8, so a boundary can fall inside one.
const idOf = (i: number) => `D${String(i).padStart(5, '0')}`;
const docOf = (i: number) => ({
  id: idOf(i),
  n: 10_000 + i,
  text: `${idOf(i)}:${'😀'.repeat(500)}${'é€'.repeat(250)}:${idOf(i)}`,
});
const expected = new Map(Array.from({ length: COUNT }, (_, i) => [idOf(i), docOf(i)]));

/** Opens the store on `dir` with an SDK client on one container; `close` closes both. */
async function open(dir: string) {
  const embedded = await EmbeddedCosmos.start({ dataDir: dir });
  const client = new CosmosClient({
    endpoint: embedded.endpoint,
    key: embedded.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const { database } = await client.databases.createIfNotExists({ id: 'db' });
  const { container } = await database.containers.createIfNotExists({ id: 'docs', partitionKey: { paths: ['/id'] } });
  return {
    embedded,
    container,
    close: async () => {
      client.dispose();
      await embedded.close();
    },
  };
}

/**
 * Writes the documents, then restarts so that the journal is compacted into a snapshot: from memory
 * in the background (5 s after start), or through the API during start. Afterwards every journal
 * is empty, so the documents are in the snapshot alone.
 */
async function snapshotWithDocuments(dir: string, fromMemory: boolean): Promise<void> {
  const first = await open(dir);
  for (let i = 0; i < COUNT; i += 100) {
    await first.container.items.bulk(
      Array.from({ length: 100 }, (_, k) => ({ operationType: 'Create' as const, resourceBody: docOf(i + k) })),
    );
  }
  await first.close();
  EmbeddedCosmos.compactFromMemory = fromMemory;
  try {
    const embedded = await EmbeddedCosmos.start({ dataDir: dir });
    // settled() is what the bot waits for before giving start-up's memory back: it is the compaction's end.
    await embedded.settled();
    const compactions = embedded.stats.compactions;
    await embedded.close();
    expect(compactions).toBe(1);
  } finally {
    EmbeddedCosmos.compactFromMemory = true;
  }
  const journals = fs.readdirSync(dir).filter((f) => /^journal-\d+\.jsonl$/.test(f));
  expect(journals.map((f) => fs.statSync(path.join(dir, f)).size)).toEqual(journals.map(() => 0));
}

/** Every document in the container, by id. */
async function documents(container: Container): Promise<Map<string, unknown>> {
  const { resources } = await container.items.query<{ id: string }>('SELECT c.id, c.n, c.text FROM c').fetchAll();
  return new Map(resources.map((d) => [d.id, d]));
}

/** The 1-based line (as the store counts them: non-empty lines) holding byte `offset`, and how many lines there are. */
function lineAt(bytes: Buffer, offset: number): { line: number; of: number } {
  const count = (b: Buffer) =>
    b
      .toString('latin1')
      .split('\n')
      .filter((l) => l.length > 0).length;
  const before = bytes.subarray(0, offset).toString('latin1');
  return { line: before.split('\n').length, of: count(bytes) };
}

/** Chunk boundaries inside the file, each with whether a line crosses it and whether it cuts a character in two. */
function boundaries(bytes: Buffer): { at: number; insideLine: boolean; insideCharacter: boolean }[] {
  const out: { at: number; insideLine: boolean; insideCharacter: boolean }[] = [];
  for (let at = CHUNK; at < bytes.length; at += CHUNK) {
    out.push({
      at,
      insideLine: bytes[at - 1] !== 10 && bytes[at] !== 10,
      insideCharacter: (bytes[at]! & 0xc0) === 0x80,
    });
  }
  return out;
}

describe('a snapshot holding documents, over more than one 4 MiB chunk', () => {
  let dir: string;
  afterEach(() => removeDir(dir));

  it.each([
    ['from memory, in the background', true],
    ['through the API, during start', false],
  ])(
    'loads every document whole after a restart, across the chunk boundaries (compacted %s)',
    async (_how, fromMemory) => {
      dir = tempDir();
      await snapshotWithDocuments(dir, fromMemory);
      const bytes = fs.readFileSync(path.join(dir, 'snapshot.jsonl'));
      // The snapshot spans three chunks; a document's line crosses each boundary, one cutting a character.
      expect(bytes.length).toBeGreaterThan(2 * CHUNK);
      const cuts = boundaries(bytes);
      expect(cuts.map((b) => b.insideLine)).toEqual([true, true]);
      expect(cuts.some((b) => b.insideCharacter)).toBe(true);

      const store = await open(dir);
      try {
        // The header aside, every line was applied: the database, the container and each document.
        expect(store.embedded.stats.replayedEntries).toBe(COUNT + 2);
        const loaded = await documents(store.container);
        expect(loaded.size).toBe(COUNT);
        for (const [id, doc] of expected) expect(loaded.get(id)).toEqual(doc);
      } finally {
        await store.close();
      }
    },
    90_000,
  );
});

describe('a damaged snapshot holding documents', () => {
  let pristine: string;
  let pristineBytes: Buffer;
  let dir: string;
  beforeAll(async () => {
    pristine = tempDir();
    await snapshotWithDocuments(pristine, true);
    pristineBytes = fs.readFileSync(path.join(pristine, 'snapshot.jsonl'));
    expect(pristineBytes.length).toBeGreaterThan(2 * CHUNK);
  }, 90_000);
  afterAll(() => removeDir(pristine));
  afterEach(() => removeDir(dir));

  const zeroed = (bytes: Buffer, from: number, length: number) => {
    const out = Buffer.from(bytes);
    out.fill(0, from, from + length);
    return out;
  };
  it.each<[string, (bytes: Buffer) => { damaged: Buffer; at: number }]>([
    // As the snapshot test in storage.test.ts does, on a snapshot with documents: the last line loses its end.
    ['its last 20 bytes are cut off', (b) => ({ damaged: b.subarray(0, b.length - 20), at: b.length - 21 })],
    [
      'it is cut part-way through a line in its second chunk',
      (b) => ({ damaged: b.subarray(0, CHUNK + CHUNK / 2), at: CHUNK + CHUNK / 2 - 1 }),
    ],
    [
      'a 4 KiB block in its second chunk is zeroed',
      (b) => ({ damaged: zeroed(b, CHUNK + CHUNK / 4, 4096), at: CHUNK + CHUNK / 4 }),
    ],
    [
      'two bytes are zeroed where its first two chunks meet, inside a line',
      (b) => ({ damaged: zeroed(b, CHUNK - 1, 2), at: CHUNK - 1 }),
    ],
  ])(
    'is refused, naming the file and the line, when %s; the files are left as they were',
    async (_how, damage) => {
      dir = tempDir();
      fs.cpSync(pristine, dir, { recursive: true });
      const snapshot = path.join(dir, 'snapshot.jsonl');
      const { damaged, at } = damage(pristineBytes);
      fs.writeFileSync(snapshot, damaged);
      const { line, of } = lineAt(damaged, at);
      expect(line).toBeGreaterThan(1);
      const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')]);

      await expect(open(dir)).rejects.toThrow(
        `The snapshot ${snapshot} is damaged at line ${line} of ${of}; the store was not opened.`,
      );

      // Nothing was compacted, deleted or rewritten, and the store's LOCK was let go.
      expect(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('base64')])).toEqual(
        before,
      );
      expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
      // So the snapshot restored from a backup opens with every document.
      fs.writeFileSync(snapshot, pristineBytes);
      const store = await open(dir);
      try {
        const { resources } = await store.container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
        expect(resources[0]).toBe(COUNT);
      } finally {
        await store.close();
      }
    },
    60_000,
  );

  // Found while writing these tests, and left as it is (the format has no count of its lines and
  // no end marker): a snapshot cut exactly at the end of a line parses line by line, so the store
  // opens without the documents after the cut and says nothing.
  test.todo(
    'is refused when it is cut exactly at the end of a line (today it opens silently without the documents after the cut)',
  );
});
