import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { openStore, type Store } from '../src/storage/store';
import { EmbeddedCosmos, StoreLockedError } from '../src/storage/embedded';
import { removeDir, tempDir } from './helpers/tmp';
import { Writable } from 'node:stream';
import { createLogger } from '../src/logging/logger';

/** A logger whose lines a test can read. */
function capturingLog(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}
const journalOf = (dir: string) =>
  path.join(
    dir,
    fs.readdirSync(dir).find((f) => /^journal-\d+\.jsonl$/.test(f))!,
  );

const config = (dataDir: string) => ({ cosmos: { database: 'safeguarding' }, dataDir });

describe('embedded Cosmos store, through @azure/cosmos', () => {
  let dir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    removeDir(dir);
  });

  it('round-trips a document with queries, etags and patch', async () => {
    store = await openStore(config(dir));
    const people = store.container('people');
    const { resource: created } = await people.items.create({ id: 'E1', name: 'Alex', team: 'Safeguarding', n: 1 });
    expect(created?._etag).toBeTruthy();

    const { resource: read } = await people.item('E1', 'E1').read();
    expect(read).toMatchObject({ id: 'E1', name: 'Alex' });

    const { resources } = await people.items
      .query({ query: 'SELECT c.id FROM c WHERE c.team = @t', parameters: [{ name: '@t', value: 'Safeguarding' }] })
      .fetchAll();
    expect(resources).toEqual([{ id: 'E1' }]);

    // A write based on a stale etag is refused with 412, so nobody silently overwrites another's change.
    await people
      .item('E1', 'E1')
      .replace(
        { id: 'E1', name: 'Alex B', team: 'Safeguarding', n: 1 },
        { accessCondition: { type: 'IfMatch', condition: created!._etag } },
      );
    await expect(
      people
        .item('E1', 'E1')
        .replace(
          { id: 'E1', name: 'Stale', team: 'Safeguarding', n: 1 },
          { accessCondition: { type: 'IfMatch', condition: created!._etag } },
        ),
    ).rejects.toMatchObject({ code: 412 });

    const { resource: patched } = await people.item('E1', 'E1').patch([{ op: 'incr', path: '/n', value: 4 }]);
    expect(patched?.n).toBe(5);
  });

  it('keeps every acknowledged write across a clean restart, including patches, deletes and bulk', async () => {
    store = await openStore(config(dir));
    const people = store.container('people');
    await people.items.create({ id: 'A', n: 1 });
    await people.items.create({ id: 'B', n: 1 });
    await people.item('A', 'A').patch([{ op: 'incr', path: '/n', value: 1 }]);
    await people.item('B', 'B').delete();
    const bulk = await people.items.bulk([
      { operationType: 'Upsert', resourceBody: { id: 'C', n: 3 } },
      { operationType: 'Create', resourceBody: { id: 'A', n: 99 } }, // conflicts: must not survive
    ]);
    expect(bulk.map((r) => r.statusCode)).toEqual([201, 409]);
    await store.close();

    store = await openStore(config(dir));
    const again = store.container('people');
    const { resources } = await again.items.query('SELECT c.id, c.n FROM c ORDER BY c.id').fetchAll();
    expect(resources).toEqual([
      { id: 'A', n: 2 },
      { id: 'C', n: 3 },
    ]);
    // And a restart after that (now from the compacted snapshot) gives the same.
    await store.close();
    store = await openStore(config(dir));
    const third = await store.container('people').items.query('SELECT c.id, c.n FROM c ORDER BY c.id').fetchAll();
    expect(third.resources).toEqual(resources);
  });

  it.each([
    ['from memory', true],
    ['through the API, a page at a time', false],
  ])(
    'keeps a container larger than one compaction page whole across two restarts (compaction %s)',
    async (_how, fromMemory) => {
      EmbeddedCosmos.compactFromMemory = fromMemory;
      try {
        store = await openStore(config(dir));
        const people = store.container('people');
        const count = 23_456; // more than two compaction pages
        for (let i = 0; i < count; i += 100) {
          await people.items.bulk(
            Array.from({ length: Math.min(100, count - i) }, (_, k) => ({
              operationType: 'Create' as const,
              partitionKey: `P${i + k}`,
              resourceBody: { id: `P${i + k}`, n: i + k },
            })),
          );
        }
        await store.close();
        store = await openStore(config(dir)); // replays the journal, then compacts it into a snapshot
        await store.close();
        store = await openStore(config(dir)); // replays that snapshot alone
        const all = store.container('people');
        const { resources } = await all.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
        expect(resources[0]).toBe(count);
        const { resource } = await all.item('P23455', 'P23455').read<{ n: number }>();
        expect(resource?.n).toBe(23_455);
      } finally {
        EmbeddedCosmos.compactFromMemory = true;
      }
    },
    60_000,
  );

  it('drops a torn last journal line with a log line saying what it was, and keeps everything before it', async () => {
    store = await openStore(config(dir));
    await store.container('people').items.create({ id: 'KEPT', n: 1 });
    await store.close();
    fs.appendFileSync(journalOf(dir), '{"m":"POST","u":"/dbs/safeguarding/colls/people/docs","h":{"content-ty');
    const { log, lines } = capturingLog();
    store = await openStore(config(dir), { log });
    const { resource } = await store.container('people').item('KEPT', 'KEPT').read();
    expect(resource?.n).toBe(1);
    const dropped = lines.find((l) => /dropped the torn last line/.test(String(l.msg)));
    expect(dropped).toMatchObject({
      file: expect.stringMatching(/journal-\d+\.jsonl$/),
      request: 'POST /dbs/safeguarding/colls/people/docs',
    });
  });

  it('leaves the journal as it was when the disk is full, refuses the write, and loses no acknowledged write', async () => {
    const { log, lines } = capturingLog();
    store = await openStore(config(dir), { log });
    const people = store.container('people');
    await people.items.create({ id: 'BEFORE', n: 1 });
    const journal = journalOf(dir);
    const size = fs.statSync(journal).size;

    // The disk fills up: a journal write gets half its bytes on disk, then ENOSPC.
    const realWrite = fs.writeSync;
    let full = true;
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((
      fd: number,
      data: never,
      offset?: number,
      ...rest: never[]
    ) => {
      if (full && Buffer.isBuffer(data)) {
        if (!offset) return realWrite(fd, data, 0, Math.floor((data as Buffer).length / 2));
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      }
      return (realWrite as (...a: unknown[]) => number)(fd, data, offset, ...rest);
    }) as typeof fs.writeSync);
    try {
      await expect(people.items.create({ id: 'REFUSED', n: 2 })).rejects.toMatchObject({ code: 503 });
      expect(fs.statSync(journal).size).toBe(size);
      // Memory holds nothing the disk does not: the refused write is not readable either.
      const { resource } = await people.item('REFUSED', 'REFUSED').read();
      expect(resource).toBeUndefined();
    } finally {
      full = false;
      spy.mockRestore();
    }
    expect(lines.some((l) => /journal write failed/.test(String(l.msg)))).toBe(true);

    // Space is freed: writes go on without a restart, and a restart opens cleanly with every acknowledged write.
    await people.items.create({ id: 'AFTER', n: 3 });
    await store.close();
    store = await openStore(config(dir));
    const { resources } = await store
      .container('people')
      .items.query('SELECT VALUE c.id FROM c ORDER BY c.id')
      .fetchAll();
    expect(resources).toEqual(['AFTER', 'BEFORE']);
  });

  it('opens a journal damaged by an earlier version (a half-written line with an acknowledged write after it) and keeps every acknowledged write', async () => {
    store = await openStore(config(dir));
    await store.container('people').items.create({ id: 'ONE', n: 1 });
    await store.close();
    store = undefined;
    const journal = journalOf(dir);
    const written = fs
      .readFileSync(journal, 'utf8')
      .split('\n')
      .find((l) => l.includes('/people/docs') && l.includes('ONE'))!;
    const entry = (id: string) => written.replace(/ONE/g, id);
    // A write cut off by a full disk, the next (acknowledged) write appended straight after it, then another.
    fs.appendFileSync(journal, `${entry('LOST').slice(0, 60)}${entry('TWO')}\n${entry('THREE')}\n`);
    const { log, lines } = capturingLog();
    store = await openStore(config(dir), { log });
    const { resources } = await store
      .container('people')
      .items.query('SELECT VALUE c.id FROM c ORDER BY c.id')
      .fetchAll();
    expect(resources).toEqual(['ONE', 'THREE', 'TWO']);
    expect(lines.find((l) => /dropped the unreadable start of a journal line/.test(String(l.msg)))).toMatchObject({
      file: journal,
      kept: 'POST /dbs/safeguarding/colls/people/docs',
    });
  });

  it('refuses a damaged snapshot, naming the file', async () => {
    store = await openStore(config(dir));
    await store.container('people').items.create({ id: 'A', n: 1 });
    await store.close();
    store = await openStore(config(dir)); // the journal is compacted into the snapshot
    await store.close();
    store = undefined;
    const snapshot = path.join(dir, 'snapshot.jsonl');
    const text = fs.readFileSync(snapshot, 'utf8');
    fs.writeFileSync(snapshot, text.slice(0, text.length - 20));
    await expect(openStore(config(dir))).rejects.toThrow(`The snapshot ${snapshot} is damaged at line`);
  });

  it('refuses a second process on the same DATA_DIR with a clear message, and can attach to it instead', async () => {
    store = await openStore(config(dir));
    await store.container('people').items.create({ id: 'X' });
    // Simulate another process holding the lock by re-writing it with our parent's pid.
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify({ ...lock, pid: process.ppid }));
    await expect(openStore(config(dir))).rejects.toBeInstanceOf(StoreLockedError);
    await expect(openStore(config(dir))).rejects.toThrow(/already open in another process/);

    const attached = await openStore(config(dir), { attachIfRunning: true });
    expect(attached.mode).toBe('attached');
    const { resource } = await attached.container('people').item('X', 'X').read();
    expect(resource?.id).toBe('X');
    await attached.close();
    fs.writeFileSync(path.join(dir, 'LOCK'), JSON.stringify(lock));
  });

  it('keeps every acknowledged write when the process is killed with SIGKILL mid-stream', async () => {
    // A child process writes as fast as it can and prints each id once the SDK has seen it succeed.
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'writer.js'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('acked ')) acked.push(line.slice(6));
        if (acked.length >= 150) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => child.once('close', r));
    expect(acked.length).toBeGreaterThanOrEqual(150);

    store = await openStore(config(dir)); // the dead child's LOCK is taken over
    const { resources } = await store.container('people').items.query('SELECT VALUE c.id FROM c').fetchAll();
    const present = new Set(resources as string[]);
    const missing = acked.filter((id) => !present.has(id));
    expect(missing).toEqual([]);
  });
});

describe("the SDK's query-plan request", () => {
  let dir: string;
  let store: Store | undefined;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    removeDir(dir);
  });

  it('is answered with a plan, not run as the query: each query scans the container once and gives the same results', async () => {
    store = await openStore(config(dir));
    const people = store.container('people');
    await people.items.bulk(
      Array.from({ length: 50 }, (_, i) => ({
        operationType: 'Create' as const,
        resourceBody: { id: `P${i}`, team: i % 2 ? 'Odd' : 'Even', n: i },
      })),
    );
    // The embedded server's own query engine (every scan of a container goes through it).
    const serverDir = path.dirname(require.resolve('@vercel/cosmosdb-server/package.json'));
    /* eslint-disable @typescript-eslint/no-require-imports */
    const engine = (
      require(path.join(serverDir, 'lib', 'account', 'items.js')) as {
        default: { prototype: { query: (...a: unknown[]) => unknown } };
      }
    ).default.prototype;
    /* eslint-enable @typescript-eslint/no-require-imports */
    const scans = jest.spyOn(engine, 'query');
    try {
      const { resources: odd } = await people.items
        .query({ query: 'SELECT c.id FROM c WHERE c.team = @t', parameters: [{ name: '@t', value: 'Odd' }] })
        .fetchAll();
      expect(odd).toHaveLength(25);
      expect(scans).toHaveBeenCalledTimes(1);
      // Features the client would do itself with a real plan still come out right: the server does them.
      const { resources: top } = await people.items.query('SELECT TOP 3 c.n FROM c ORDER BY c.n DESC').fetchAll();
      expect(top).toEqual([{ n: 49 }, { n: 48 }, { n: 47 }]);
      const { resources: count } = await people.items
        .query("SELECT VALUE COUNT(1) FROM c WHERE c.team = 'Even'")
        .fetchAll();
      expect(count).toEqual([25]);
      // And a client that insists on the plan (forceQueryPlan) goes through the SDK's pipeline with it.
      const { resources: forced } = await people.items
        .query('SELECT TOP 2 c.n FROM c ORDER BY c.n', { forceQueryPlan: true })
        .fetchAll();
      expect(forced).toEqual([{ n: 0 }, { n: 1 }]);
      expect(scans).toHaveBeenCalledTimes(4);
    } finally {
      scans.mockRestore();
    }
  });

  it('answers the plan as Cosmos DB does for a query that needs nothing done on the client', async () => {
    const embedded = await EmbeddedCosmos.start({ dataDir: dir });
    // What the SDK sends before every query.
    const res = await fetch(`${embedded.endpoint}dbs/safeguarding/colls/people/docs`, {
      method: 'POST',
      headers: {
        'content-type': 'application/query+json',
        'x-ms-documentdb-isquery': 'True',
        'x-ms-cosmos-is-query-plan-request': 'True',
      },
      body: JSON.stringify({ query: 'SELECT * FROM c' }),
    });
    const plan = (await res.json()) as {
      queryInfo: { orderBy: unknown[]; aggregates: unknown[] };
      queryRanges: unknown[];
      Documents?: unknown;
    };
    await embedded.close();
    expect(res.status).toBe(200);
    expect(plan.Documents).toBeUndefined();
    expect(plan.queryInfo).toMatchObject({ orderBy: [], aggregates: [] });
    expect(plan.queryRanges).toEqual([{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }]);
  });
});
