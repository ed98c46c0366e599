import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createHttpServer } from '@vercel/cosmosdb-server';
import type { Logger } from '../logging/logger';

/**
 * A durable, in-process Cosmos DB NoSQL endpoint for local use and tests.
 *
 * `@vercel/cosmosdb-server` keeps everything in memory. We make it durable the way a database
 * does: every successful mutating request is appended to a journal in DATA_DIR before its
 * response leaves the process, and at start the snapshot and journals are replayed into a fresh
 * server, then compacted into a new snapshot. A write the SDK saw succeed is therefore on disk,
 * and survives `kill -9`.
 *
 * Files in DATA_DIR:
 *   LOCK                    who has the store open (pid, endpoint): one process per DATA_DIR
 *   snapshot.jsonl          first line {"nextJournal": N}, then requests that rebuild the state
 *   journal-<g>.jsonl       requests applied since; every generation >= N is replayed in order
 *
 * Compaction writes the snapshot to a temporary file, syncs it, renames it into place and only
 * then deletes the older journals, so a crash at any point leaves a state that replays correctly.
 */

/** One recorded request. */
interface JournalEntry {
  m: string; // method
  u: string; // url path
  h: Record<string, string>; // the headers the server's handlers read
  b: string; // body (JSON text), '' for none
}

interface LockInfo {
  pid: number;
  endpoint?: string;
  key?: string;
  startedAt: string;
}

export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `The local data store in ${dataDir} is already open in another process (pid ${holder.pid}). ` +
        'Only one process may open it at a time: stop the other process (for example the running bot), ' +
        'or point this one at a different DATA_DIR.',
    );
    this.name = 'StoreLockedError';
  }
}

type SortHelper = (collection: unknown[], getRid: (d: unknown) => unknown, compositeIndexes: unknown, ...orders: unknown[]) => unknown[];

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * The embedded server's SQL engine (@zeit/cosmosdb-query) has two quadratic spots, both an array
 * copied once per element: `FROM c` becomes `coll.reduce(($, c) => [...$, { c }], [])`, and every
 * result goes through `stripUndefined`, written the same way. A query over 20,000 documents took
 * seconds, and reading a whole container at start-up took minutes. We rewrite the first pattern in
 * the generated code and replace `stripUndefined` with a linear function of the same meaning. The
 * sort by _rid that every page does is also made cheaper (below); the rest of the engine is left
 * alone. Measured in `npm run bench:training`.
 */
/** Where the embedded server is installed: its internals are reached from here. */
const SERVER_DIR = path.dirname(require.resolve('@vercel/cosmosdb-server/package.json'));

function makeQueryEngineLinear(): void {
  const enginePath = require.resolve('@zeit/cosmosdb-query', { paths: [SERVER_DIR] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require(enginePath) as { default: (sql: string) => object };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helpers = require(path.join(path.dirname(enginePath), 'helpers.js')) as { stripUndefined: (v: unknown) => unknown; sort: SortHelper };
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.filter((x) => typeof x !== 'undefined').map(strip);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (typeof x !== 'undefined') out[k] = strip(x);
      return out;
    }
    return v;
  };
  // Documents parsed from JSON never hold undefined, so most results need no copy at all: look
  // first (no allocation), copy only when there is something to strip. Results are serialised
  // straight away, as the server already does with documents it reads by id.
  const hasUndefined = (v: unknown): boolean => {
    if (Array.isArray(v)) return v.some((x) => typeof x === 'undefined' || hasUndefined(x));
    if (v && typeof v === 'object') {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'undefined' || hasUndefined(x)) return true;
      }
    }
    return false;
  };
  helpers.stripUndefined = (v: unknown) => (hasUndefined(v) ? strip(v) : v);
  // Every page of every query sorts the matching documents by _rid. Without ORDER BY that is the
  // only key: read each _rid once and compare strings directly (same order, same stability).
  const sortWithOrders = helpers.sort;
  helpers.sort = (collection, getRid, compositeIndexes, ...orders) => {
    if (orders.length > 0) return sortWithOrders(collection, getRid, compositeIndexes, ...orders);
    const keyed = collection.map((d) => ({ rid: getRid(d), d }));
    if (!keyed.every((k) => typeof k.rid === 'string')) return sortWithOrders(collection, getRid, compositeIndexes);
    keyed.sort((a, b) => (a.rid === b.rid ? 0 : (a.rid as string) < (b.rid as string) ? -1 : 1));
    return keyed.map((k) => k.d);
  };
  const proto = Object.getPrototypeOf(engine.default('SELECT * FROM c')) as Record<string, unknown>;
  const original = Object.getOwnPropertyDescriptor(proto, 'code');
  if (!original?.get || (proto as { __linearFrom?: boolean }).__linearFrom) return;
  const quadratic = /\$c\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*\1: \1\s*\}\] : \$, \[\]\)/g;
  Object.defineProperty(proto, 'code', {
    configurable: true,
    get(this: object) {
      const code = original.get!.call(this) as string;
      return code.replace(quadratic, (_m, alias: string) => `$c.filter((${alias}) => typeof ${alias} !== "undefined").map((${alias}) => ({ ${alias}: ${alias} }))`);
    },
  });
  (proto as { __linearFrom?: boolean }).__linearFrom = true;
}
makeQueryEngineLinear();

/** The parts of the embedded server's in-memory account that compaction reads. */
interface ItemLike {
  read(): Record<string, unknown> | undefined;
}
interface AccountLike extends ItemLike {
  database(id: string): ItemLike & { collection?(id: string): ItemLike & { documents?: { _data?: Map<unknown, ItemLike>; upsert?(data: Record<string, unknown>): unknown } } };
}

/**
 * Each embedded server's in-memory account, by port. Compaction reads documents straight from it:
 * through the query engine every page is a scan and a sort of the whole collection, so a snapshot
 * of 100,000 documents took seconds and ran into the queries that followed a large import. Every
 * document request calls `Account.prototype.database`, so wrapping it finds the account. If the
 * server's internals ever change shape, compaction falls back to reading pages through its API.
 */
const accounts = new Map<number, AccountLike>();
function findAccounts(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Account = (require(path.join(SERVER_DIR, 'lib', 'account', 'index.js')) as { default?: { prototype: AccountLike & { __found?: boolean } } }).default;
  const proto = Account?.prototype;
  if (!proto || typeof proto.database !== 'function' || proto.__found) return;
  const database = proto.database;
  proto.database = function (this: AccountLike, id: string) {
    const endpoint = (this.read()?.writableLocations as { databaseAccountEndpoint?: string }[] | undefined)?.[0]?.databaseAccountEndpoint;
    const port = Number(/:(\d+)\/?$/.exec(endpoint ?? '')?.[1]);
    if (port && accounts.get(port) !== this) accounts.set(port, this);
    return database.call(this, id);
  };
  proto.__found = true;
}
findAccounts();

/**
 * The server stores each document as `{ ...body, id, _etag, _rid, _self, _ts }`. V8 gives objects
 * built that way a slower layout: reading one field of 50,000 of them took 26 ms against 2 ms for
 * the same documents copied key by key into fresh objects (measured), and every query reads such
 * fields for every document. So each document is copied that way as it is stored (about 1 µs each).
 */
function storeDocumentsCompactly(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Items = (require(path.join(SERVER_DIR, 'lib', 'account', 'items.js')) as { default?: { prototype: { _set?: (data: object) => object; __compact?: boolean } } }).default;
  const proto = Items?.prototype;
  if (!proto || typeof proto._set !== 'function' || proto.__compact) return;
  const set = proto._set;
  proto._set = function (this: unknown, data: object) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(data)) copy[key] = (data as Record<string, unknown>)[key];
    return set.call(this, copy);
  };
  proto.__compact = true;
}
storeDocumentsCompactly();

/** The headers the embedded server's handlers read when applying a write. */
const REPLAY_HEADERS = [
  'content-type',
  'x-ms-documentdb-partitionkey',
  'x-ms-documentdb-is-upsert',
  'x-ms-cosmos-is-batch-request',
  'x-ms-cosmos-batch-continue-on-error',
];

const COMPACT_AFTER_BYTES = 64 * 1024 * 1024;
/** How long after start the journals replayed at start are compacted. */
const COMPACT_AFTER_START_MS = 5000;

export interface EmbeddedCosmosOptions {
  dataDir: string;
  log?: Logger;
  /** Flush each journal write to the disk (fdatasync) before answering. Default true. */
  fsync?: boolean;
  /** The loopback port to listen on; 0 (the default) lets the system choose. A store in its own process restarted on the same port is found again by clients already attached. */
  port?: number;
}

export interface EmbeddedCosmosStats {
  replayedEntries: number;
  replayMs: number;
  journalBytes: number;
  /** Compactions since start (the one at start included) and how long the last one took. */
  compactions: number;
  lastCompactionMs: number;
}

export class EmbeddedCosmos {
  /** Compaction reads documents from the server's memory when it can (false: always through its API; tests use it). */
  static compactFromMemory = true;
  readonly key = 'ZW1iZWRkZWQtbG9jYWwta2V5'; // any base64 string: the embedded server does not check it
  private server?: http.Server;
  private inner?: RequestHandler;
  private journalFd?: number;
  private journalGen = 0;
  private journalBytes = 0;
  /** Where the journal's last complete line ends: a failed append is cut back to here. */
  private journalEnd?: number;
  /** A failed append could not be cut back yet (the truncate failed too): do it before the next one. */
  private journalTorn = false;
  /**
   * A write was applied in memory but could not be journalled, so memory holds a change the disk
   * does not: every request is refused until memory has been rebuilt from disk.
   */
  private diverged = false;
  private lastRebuildAttempt = 0;
  /** When compaction last failed (a full disk): it is not tried again for a while. */
  private compactionFailedAt = 0;
  private writeChain: Promise<void> = Promise.resolve();
  /** The compaction under way after start or after a large journal, if any (close waits for it). */
  private compacting?: Promise<void>;
  private compactTimer?: NodeJS.Timeout;
  private lockPath: string;
  private ownsLock = false;
  private closed = false;
  endpoint = '';
  stats: EmbeddedCosmosStats = { replayedEntries: 0, replayMs: 0, journalBytes: 0, compactions: 0, lastCompactionMs: 0 };

  private constructor(private readonly opts: EmbeddedCosmosOptions) {
    this.lockPath = path.join(opts.dataDir, 'LOCK');
  }

  /** Reads who holds DATA_DIR, if a live process does. */
  static holder(dataDir: string): LockInfo | undefined {
    const info = readLock(path.join(dataDir, 'LOCK'));
    return info && isAlive(info.pid) && info.pid !== process.pid ? info : undefined;
  }

  static async start(opts: EmbeddedCosmosOptions): Promise<EmbeddedCosmos> {
    const store = new EmbeddedCosmos(opts);
    fs.mkdirSync(opts.dataDir, { recursive: true });
    store.acquireLock();
    try {
      await store.listen();
      await store.recover();
      store.writeLock();
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  private acquireLock(): void {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(this.lockPath, 'wx');
        fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockInfo));
        fs.closeSync(fd);
        this.ownsLock = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const info = readLock(this.lockPath);
        if (info && isAlive(info.pid) && info.pid !== process.pid) throw new StoreLockedError(this.opts.dataDir, info);
        // Left behind by a process that died (for example kill -9): take it over.
        fs.rmSync(this.lockPath, { force: true });
      }
    }
    throw new Error(`Could not take the lock on ${this.lockPath}`);
  }

  private writeLock(): void {
    const info: LockInfo = { pid: process.pid, endpoint: this.endpoint, key: this.key, startedAt: new Date().toISOString() };
    const tmp = `${this.lockPath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(info));
    fs.renameSync(tmp, this.lockPath);
  }

  private async listen(): Promise<void> {
    const server = createHttpServer({ keepAlive: true } as never);
    const [inner] = server.listeners('request') as RequestHandler[];
    if (!inner) throw new Error('The embedded Cosmos server did not register a request handler');
    this.inner = inner;
    server.removeAllListeners('request');
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const { port } = server.address() as { port: number };
    this.endpoint = `http://127.0.0.1:${port}/`;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (isQueryPlanRequest(req)) return answerQueryPlan(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: JournalEntry = { m: req.method ?? 'GET', u: req.url ?? '/', h: pickHeaders(req.headers), b: body };
      if (this.diverged) {
        this.refuse(res);
        // Try again to bring memory back in line with the disk (in the write order, at most every 2 s).
        if (Date.now() - this.lastRebuildAttempt > 2000) this.writeChain = this.writeChain.then(() => this.rebuildFromDisk());
        return;
      }
      if (!isMutation(req)) {
        this.inner!(fakeRequest(entry, req.headers), res);
        return;
      }
      // Writes are applied one at a time so the journal order is the order they were applied in.
      this.writeChain = this.writeChain.then(
        () =>
          new Promise<void>((resolve) => {
            const realEnd = res.end.bind(res) as (chunk?: unknown) => http.ServerResponse;
            let finished = false;
            const finish = () => {
              if (!finished) {
                finished = true;
                resolve();
              }
            };
            res.on('close', finish);
            (res as unknown as { end: (chunk?: unknown) => void }).end = (chunk?: unknown) => {
              try {
                const toJournal = journalable(entry, res.statusCode, chunk);
                if (toJournal) this.append(toJournal);
              } catch (err) {
                // Not on disk, so not acknowledged: the client sees a failure and may retry. The
                // write is already in memory, though: rebuild memory from disk before anything else.
                this.opts.log?.error({ err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } }, 'embedded store: journal write failed; the write was refused');
                this.diverged = true;
                res.statusCode = 503;
                realEnd(JSON.stringify({ code: 'ServiceUnavailable', message: 'The local store could not write to disk.' }));
                this.rebuildFromDisk().finally(finish);
                return;
              }
              realEnd(chunk);
              finish();
            };
            if (this.diverged) {
              this.refuse(res);
              finish();
              return;
            }
            this.inner!(fakeRequest(entry, req.headers), res);
          }),
      );
      void this.writeChain
        .then(() => this.maybeCompact())
        .catch((err: unknown) => this.opts.log?.error({ err }, 'embedded store: compaction failed'));
    });
  }

  /** Answers 503 while memory is being brought back in line with the disk. */
  private refuse(res: http.ServerResponse): void {
    res.statusCode = 503;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ code: 'ServiceUnavailable', message: 'The local store is recovering from a failed disk write.' }));
  }

  /**
   * Appends one line and syncs it. If any part fails (a full disk: ENOSPC, or EIO), the journal is
   * cut back to where it was, so the bytes that did reach it never sit in front of later writes.
   */
  private append(entry: JournalEntry): void {
    const fd = this.journalFd;
    if (fd === undefined) throw new Error('journal is not open');
    this.journalEnd ??= fs.fstatSync(fd).size;
    if (this.journalTorn) {
      fs.ftruncateSync(fd, this.journalEnd);
      this.journalTorn = false;
    }
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    try {
      let offset = 0;
      while (offset < line.length) offset += fs.writeSync(fd, line, offset);
      if (this.opts.fsync !== false) fs.fdatasyncSync(fd);
    } catch (err) {
      try {
        fs.ftruncateSync(fd, this.journalEnd);
      } catch {
        this.journalTorn = true; // cut back before the next append instead
      }
      throw err;
    }
    this.journalEnd += line.length;
    this.journalBytes += line.length;
    this.stats.journalBytes = this.journalBytes;
  }

  /**
   * Replaces the in-memory state with the one on disk (snapshot and journals), after a write that
   * was applied in memory but could not be journalled. Reading needs no free space, so this works
   * while the disk is still full; until it has, every request is refused.
   */
  private async rebuildFromDisk(): Promise<void> {
    this.lastRebuildAttempt = Date.now();
    const previous = this.inner;
    this.rebuilding = true;
    try {
      // A second server object, never listening: only its request handler and empty account are
      // used. It makes its account when told it listens, from its address: give it ours.
      const fresh = createHttpServer({ keepAlive: true } as never);
      const [handler] = fresh.listeners('request') as RequestHandler[];
      if (!handler) throw new Error('The embedded Cosmos server did not register a request handler');
      const port = Number(new URL(this.endpoint).port);
      (fresh as unknown as { address(): unknown }).address = () => ({ address: '127.0.0.1', family: 'IPv4', port });
      fresh.emit('listening');
      this.inner = handler;
      // Compaction must not read documents from the old account's memory.
      accounts.delete(Number(new URL(this.endpoint).port));
      await this.replayFromDisk();
      this.diverged = false;
      this.opts.log?.warn({ replayed: this.stats.replayedEntries }, 'embedded store: memory rebuilt from disk after a failed write');
    } catch (err) {
      this.inner = previous;
      this.opts.log?.error({ err: { message: (err as Error).message } }, 'embedded store: could not rebuild memory from disk; requests are refused until it can');
    } finally {
      this.rebuilding = false;
    }
  }

  /**
   * Replays snapshot and journals into the empty server, then compacts them into one snapshot.
   * The store answers as soon as the replay is done: the compaction runs after, without holding
   * writes back (see compactInBackground); only when memory cannot be read directly does start-up
   * wait for it, as it always did. With a snapshot and nothing in the journals there is nothing to
   * compact: the next journal is opened and that is all.
   */
  private async recover(): Promise<void> {
    const started = Date.now();
    const { maxGen, journalBytes, snapshot } = await this.replayFromDisk();
    this.stats.replayMs = Date.now() - started;
    if (snapshot && journalBytes === 0) {
      // Empty journals (a start with no writes after it): nothing to keep, nothing to compact.
      for (const j of listJournals(this.opts.dataDir)) if (j.gen >= snapshot.nextJournal) fs.rmSync(j.file, { force: true });
      this.openJournal(Math.max(snapshot.nextJournal, maxGen + 1));
    } else if (this.canCompactFromMemory()) {
      this.openJournal(maxGen + 1);
      // A few seconds on, so the first requests (the app's own start-up reads) do not share the
      // process with it; a store closed before then replays the same journals next time.
      this.compactTimer = setTimeout(() => void this.compactInBackground(this.journalGen + 1), COMPACT_AFTER_START_MS);
      this.compactTimer.unref();
    } else {
      await this.compact(maxGen + 1);
    }
    this.opts.log?.info({ replayed: this.stats.replayedEntries, ms: this.stats.replayMs, dataDir: this.opts.dataDir }, 'embedded store recovered');
  }

  /** Starts journal generation `gen` (writes from now on are appended to it). */
  private openJournal(gen: number): void {
    // Open the new file before closing the old: if the open fails, writes still go to a file that is open.
    const fd = fs.openSync(path.join(this.opts.dataDir, `journal-${gen}.jsonl`), 'a');
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    this.journalGen = gen;
    this.journalFd = fd;
    this.journalEnd = undefined;
    this.journalTorn = false;
    this.journalBytes = 0;
    fsyncDir(this.opts.dataDir);
  }

  private canCompactFromMemory(): boolean {
    return EmbeddedCosmos.compactFromMemory && this.account() !== undefined;
  }

  private rebuilding = false;

  private account(): AccountLike | undefined {
    return this.endpoint ? accounts.get(Number(new URL(this.endpoint).port)) : undefined;
  }

  /**
   * A compaction that does not hold writes back. In the write order (no write is being applied),
   * it takes every collection's documents from memory as they are at that moment (the server
   * replaces a document's object on every write, never changes one in place) and starts journal
   * `gen` for the writes that follow; then it writes the snapshot of that moment while writes go
   * on into the new journal. Until the snapshot is renamed into place, the old snapshot and every
   * journal still replay to the same state; after, the snapshot and the new journal do.
   */
  private compactInBackground(gen: number): Promise<void> {
    if (this.compacting) return this.compacting;
    let captured: { dbs: SnapshotDb[] } | undefined;
    const capture = this.writeChain.then(async () => {
      // Memory holding a write the disk does not (being rebuilt) is never written as a snapshot.
      if (this.closed || this.diverged) return;
      captured = await this.captureFromMemory();
      if (captured) this.openJournal(gen);
    });
    this.writeChain = capture.catch(() => undefined);
    const started = Date.now();
    const job = capture
      .then(async () => {
        if (!captured) return;
        await this.writeSnapshot(gen, captured.dbs);
        this.stats.compactions++;
        this.stats.lastCompactionMs = Date.now() - started;
        this.opts.log?.info({ ms: this.stats.lastCompactionMs, generation: gen, background: true }, 'embedded store compacted');
      })
      .catch((err: unknown) => {
        this.compactionFailedAt = Date.now();
        this.opts.log?.error({ err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } }, 'embedded store: compaction failed; the journal carries on and it is tried again in a minute');
      })
      .finally(() => {
        if (this.compacting === job) this.compacting = undefined;
      });
    this.compacting = job;
    return job;
  }

  /** Every database, collection and document as it is in memory now; undefined if memory cannot be read. */
  private async captureFromMemory(): Promise<{ dbs: SnapshotDb[] } | undefined> {
    const dbs = JSON.parse((await this.call(get('/dbs'))).body) as { Databases: { id: string }[] };
    const out: SnapshotDb[] = [];
    for (const db of dbs.Databases) {
      const colls = JSON.parse((await this.call(get(`/dbs/${db.id}/colls`))).body) as { DocumentCollections: Record<string, unknown>[] };
      const collections: SnapshotDb['collections'] = [];
      for (const coll of colls.DocumentCollections) {
        const docs = this.documentsInMemory(db.id, String(coll.id), false);
        if (!docs) return undefined;
        collections.push({ meta: coll, docs });
      }
      out.push({ id: db.id, collections });
    }
    return { dbs: out };
  }

  /** Writes a snapshot (header `nextJournal: gen`) of captured state, then removes the journals before `gen`. */
  private async writeSnapshot(gen: number, dbs: SnapshotDb[]): Promise<void> {
    const dir = this.opts.dataDir;
    const tmp = path.join(dir, 'snapshot.jsonl.tmp');
    const fd = fs.openSync(tmp, 'w');
    let written = false;
    try {
      const write = (obj: unknown) => fs.writeSync(fd, `${JSON.stringify(obj)}\n`);
      write({ nextJournal: gen });
      for (const db of dbs) {
        write(post('/dbs', { id: db.id }));
        for (const { meta, docs } of db.collections) {
          const { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl } = meta;
          write(post(`/dbs/${db.id}/colls`, { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl }));
          docs.sort(byRid);
          await this.writeDocs(fd, db.id, String(id), partitionKey, docs);
        }
      }
      fs.fsyncSync(fd);
      written = true;
    } finally {
      fs.closeSync(fd);
      if (!written) fs.rmSync(tmp, { force: true });
    }
    fs.renameSync(tmp, path.join(dir, 'snapshot.jsonl'));
    fsyncDir(dir);
    for (const j of listJournals(dir)) if (j.gen < gen) fs.rmSync(j.file, { force: true });
    fsyncDir(dir);
  }

  /** Snapshot lines for one collection's documents, 2,000 at a time, giving way to requests in between. */
  private async writeDocs(fd: number, dbId: string, collId: string, partitionKey: unknown, docs: Record<string, unknown>[]): Promise<void> {
    const pkPath = ((partitionKey as { paths?: string[] } | undefined)?.paths?.[0] ?? '/id').slice(1).split('/');
    for (let i = 0; i < docs.length; i += 2000) {
      const lines: string[] = [];
      for (const doc of docs.slice(i, i + 2000)) {
        const { _rid, _self, _etag, _ts, _attachments, ...rest } = doc;
        const pkValue = pkPath.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
        const entry: JournalEntry = {
          m: 'POST',
          u: `/dbs/${dbId}/colls/${collId}/docs`,
          h: { 'x-ms-documentdb-is-upsert': 'true', 'x-ms-documentdb-partitionkey': JSON.stringify([pkValue ?? {}]) },
          b: JSON.stringify(rest),
        };
        lines.push(`${JSON.stringify(entry)}\n`);
      }
      if (lines.length) fs.writeSync(fd, lines.join(''));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Replays the snapshot and every journal after it into the server. Returns the last journal
   * generation, how many bytes the replayed journals held, and the snapshot's header (if any).
   */
  private async replayFromDisk(): Promise<{ maxGen: number; journalBytes: number; snapshot?: { nextJournal: number } }> {
    this.stats.replayedEntries = 0;
    const dir = this.opts.dataDir;
    const snapshotPath = path.join(dir, 'snapshot.jsonl');
    let nextJournal = 0;
    let snapshot: { nextJournal: number } | undefined;
    if (fs.existsSync(snapshotPath)) {
      // A snapshot is synced before it is renamed into place, so it is never torn by a crash: a line
      // that does not parse means the file was damaged afterwards, and opening would lose data.
      // Read a chunk at a time (a snapshot of 150,000 documents is over 100 MB of text).
      let header: { nextJournal?: number } | undefined;
      let lineNo = 0;
      let damagedAt: number | undefined;
      for (const line of linesOf(snapshotPath)) {
        lineNo++;
        if (damagedAt !== undefined) continue; // only counting now, for the message
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          damagedAt = lineNo;
          continue;
        }
        if (!header) {
          header = parsed as { nextJournal?: number };
          continue;
        }
        const entry = parsed as JournalEntry;
        if (this.applyDirectly(entry)) this.stats.replayedEntries++;
        else await this.replay(entry, snapshotPath);
      }
      if (damagedAt !== undefined) {
        throw new Error(`The snapshot ${snapshotPath} is damaged at line ${damagedAt} of ${lineNo}; the store was not opened. Restore it from a backup, or move it away to start from the journals alone.`);
      }
      nextJournal = header?.nextJournal ?? 0;
      snapshot = { nextJournal };
    }
    let journalBytes = 0;
    const journals = listJournals(dir);
    for (const { gen, file } of journals) {
      if (gen < nextJournal) continue;
      journalBytes += fs.statSync(file).size;
      const lines = readLines(file);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const entry = parseEntry(line);
        if (entry) {
          await this.replay(entry, file);
          continue;
        }
        if (i === lines.length - 1) {
          // The process died mid-write: that write was never acknowledged.
          this.opts.log?.warn(
            { file, line: i + 1, bytes: Buffer.byteLength(line), request: describeTorn(line) },
            'embedded store: dropped the torn last line of a journal (a write cut off mid-way, never acknowledged)',
          );
          break;
        }
        // A write that failed part-way (before failed appends were cut back) left bytes that the
        // next, acknowledged write was appended to. Keep that write and every one after it: a
        // damaged line never stops the store opening, since that would strand everything after it.
        const kept = salvageEntry(line);
        this.opts.log?.error(
          { file, line: i + 1, bytes: Buffer.byteLength(line) - (kept ? Buffer.byteLength(kept.text) : 0), dropped: describeTorn(line), kept: kept ? describeTorn(kept.text) : 'nothing' },
          'embedded store: dropped the unreadable start of a journal line (a write that failed part-way) and kept what follows',
        );
        if (kept) await this.replay(kept.entry, file);
      }
    }
    return { maxGen: journals.reduce((m, j) => Math.max(m, j.gen), nextJournal - 1), journalBytes, snapshot };
  }

  /**
   * A snapshot's document line (an upsert with no condition) applied straight to the server's
   * memory, as its own upsert handler would, without a request: replaying 150,000 of them through
   * the request handler took seconds of start-up. False when it cannot be (anything else, or the
   * server's internals not as expected): the caller replays the entry through the handler.
   */
  private applyDirectly(entry: JournalEntry): boolean {
    // While memory is rebuilt after a failed write, a request still in the old server could put its
    // account back in the shared map: replay through the fresh server's own handler instead.
    if (this.rebuilding) return false;
    if (entry.m !== 'POST' || entry.h['x-ms-documentdb-is-upsert']?.toLowerCase() !== 'true' || entry.h['x-ms-cosmos-is-batch-request'] || entry.h['if-match']) return false;
    const m = /^\/dbs\/([^/]+)\/colls\/([^/]+)\/docs\/?$/.exec(entry.u);
    if (!m) return false;
    const collection = this.account()?.database(m[1]!).collection?.(m[2]!);
    const upsert = collection?.documents?.upsert;
    if (!collection?.read() || typeof upsert !== 'function') return false;
    let body: unknown;
    try {
      body = JSON.parse(entry.b);
    } catch {
      return false;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { id?: unknown }).id !== 'string' || !(body as { id: string }).id) return false;
    upsert.call(collection.documents, body as Record<string, unknown>);
    return true;
  }

  private async replay(entry: JournalEntry, file: string): Promise<void> {
    const { status, body } = await this.call(entry);
    // 409 on a create can only mean the snapshot already holds it; anything else is a real mismatch.
    if (status >= 400 && status !== 409) {
      throw new Error(`Replaying ${file} failed: ${entry.m} ${entry.u} answered ${status} ${body.slice(0, 200)}`);
    }
    this.stats.replayedEntries++;
  }

  /** Calls the server's own handler in-process, without a socket. */
  private call(entry: JournalEntry): Promise<{ status: number; body: string; headers: Record<string, string> }> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = {};
      const res = {
        statusCode: 200,
        finished: false,
        setHeader(name: string, value: string) {
          headers[name.toLowerCase()] = value;
        },
        end(chunk?: unknown) {
          this.finished = true;
          resolve({ status: this.statusCode, body: typeof chunk === 'string' ? chunk : String(chunk ?? ''), headers });
        },
      };
      this.inner!(fakeRequest(entry, { host: '127.0.0.1' }), res as unknown as http.ServerResponse);
    });
  }

  private async maybeCompact(): Promise<void> {
    if (this.journalBytes < COMPACT_AFTER_BYTES || this.closed || this.diverged || this.compacting || Date.now() - this.compactionFailedAt < 60_000) return;
    if (this.canCompactFromMemory()) {
      void this.compactInBackground(this.journalGen + 1);
      return;
    }
    // A failed compaction (a full disk) must not break the chain every later write waits on.
    this.writeChain = this.writeChain
      .then(() => this.compact(this.journalGen + 1))
      .catch((err: unknown) => {
        this.compactionFailedAt = Date.now();
        this.opts.log?.error({ err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } }, 'embedded store: compaction failed; the journal carries on and it is tried again in a minute');
      });
    await this.writeChain;
  }

  /** Writes the whole current state as a snapshot and starts journal generation `gen`. */
  private async compact(gen: number): Promise<void> {
    const started = Date.now();
    const dir = this.opts.dataDir;
    const tmp = path.join(dir, 'snapshot.jsonl.tmp');
    const fd = fs.openSync(tmp, 'w');
    let written = false;
    try {
      const write = (obj: unknown) => fs.writeSync(fd, `${JSON.stringify(obj)}\n`);
      write({ nextJournal: gen });
      const dbs = JSON.parse((await this.call(get('/dbs'))).body) as { Databases: { id: string }[] };
      for (const db of dbs.Databases) {
        write(post('/dbs', { id: db.id }));
        const colls = JSON.parse((await this.call(get(`/dbs/${db.id}/colls`))).body) as { DocumentCollections: Record<string, unknown>[] };
        for (const coll of colls.DocumentCollections) {
          const { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl } = coll as Record<string, unknown>;
          write(post(`/dbs/${db.id}/colls`, { id, partitionKey, uniqueKeyPolicy, indexingPolicy, defaultTtl }));
          const pkPath = ((partitionKey as { paths?: string[] } | undefined)?.paths?.[0] ?? '/id').slice(1).split('/');
          // Written 2,000 documents at a time, giving way to queries in between: the store stays
          // responsive while it compacts (writes wait, as they must, until the snapshot is done).
          const writeDocs = async (docs: Record<string, unknown>[]) => {
            for (let i = 0; i < docs.length; i += 2000) {
              const lines: string[] = [];
              for (const doc of docs.slice(i, i + 2000)) {
                const { _rid, _self, _etag, _ts, _attachments, ...rest } = doc;
                const pkValue = pkPath.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
                const entry: JournalEntry = {
                  m: 'POST',
                  u: `/dbs/${db.id}/colls/${String(id)}/docs`,
                  h: { 'x-ms-documentdb-is-upsert': 'true', 'x-ms-documentdb-partitionkey': JSON.stringify([pkValue ?? {}]) },
                  b: JSON.stringify(rest),
                };
                lines.push(`${JSON.stringify(entry)}\n`);
              }
              if (lines.length) fs.writeSync(fd, lines.join(''));
              await new Promise((resolve) => setImmediate(resolve));
            }
          };
          const direct = this.documentsInMemory(db.id, String(id));
          if (direct) {
            await writeDocs(direct);
            continue;
          }
          let continuation: string | undefined;
          do {
            const page = await this.call(get(`/dbs/${db.id}/colls/${String(id)}/docs`, continuation));
            await writeDocs((JSON.parse(page.body) as { Documents: Record<string, unknown>[] }).Documents);
            continuation = page.headers['x-ms-continuation'];
          } while (continuation);
        }
      }
      fs.fsyncSync(fd);
      written = true;
    } finally {
      fs.closeSync(fd);
      // A snapshot that could not be written whole (a full disk) gives its space back.
      if (!written) fs.rmSync(tmp, { force: true });
    }
    fs.renameSync(tmp, path.join(dir, 'snapshot.jsonl'));
    fsyncDir(dir);
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    for (const j of listJournals(dir)) if (j.gen < gen) fs.rmSync(j.file, { force: true });
    this.journalGen = gen;
    this.journalFd = fs.openSync(path.join(dir, `journal-${gen}.jsonl`), 'a');
    this.journalEnd = undefined;
    this.journalTorn = false;
    this.journalBytes = 0;
    fsyncDir(dir);
    this.stats.compactions++;
    this.stats.lastCompactionMs = Date.now() - started;
    this.opts.log?.info({ ms: this.stats.lastCompactionMs, generation: gen }, 'embedded store compacted');
  }

  /** A collection's documents read straight from the server's memory, or undefined when that is not possible. */
  private documentsInMemory(dbId: string, collId: string, sorted = true): Record<string, unknown>[] | undefined {
    if (!EmbeddedCosmos.compactFromMemory) return undefined;
    const items = this.account()?.database(dbId).collection?.(collId).documents?._data;
    if (!(items instanceof Map)) return undefined;
    const docs: Record<string, unknown>[] = [];
    for (const item of items.values()) {
      const doc = typeof item?.read === 'function' ? item.read() : undefined;
      if (doc) docs.push(doc);
    }
    // The same order as the API would give (by _rid), so a snapshot replays in creation order.
    return sorted ? docs.sort(byRid) : docs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.compactTimer);
    await this.writeChain.catch(() => undefined);
    await this.compacting;
    if (this.server) {
      this.server.closeAllConnections?.();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }
    if (this.journalFd !== undefined) {
      fs.closeSync(this.journalFd);
      this.journalFd = undefined;
    }
    const port = this.endpoint ? Number(new URL(this.endpoint).port) : 0;
    if (port) accounts.delete(port);
    if (this.ownsLock) {
      const info = readLock(this.lockPath);
      if (info?.pid === process.pid) fs.rmSync(this.lockPath, { force: true });
      this.ownsLock = false;
    }
  }
}

const byRid = (a: Record<string, unknown>, b: Record<string, unknown>) => (String(a._rid) < String(b._rid) ? -1 : String(a._rid) > String(b._rid) ? 1 : 0);

/** A database's collections and their documents, taken from memory for a snapshot. */
interface SnapshotDb {
  id: string;
  collections: { meta: Record<string, unknown>; docs: Record<string, unknown>[] }[];
}

/**
 * A read of a page of documents. Compaction reads a container a page at a time so that it never
 * holds the whole container as one response (a 50,000-record container is tens of MB as JSON);
 * each page costs a scan and a sort of the collection, which the faster sort above keeps small.
 */
const COMPACTION_PAGE = 10_000;
function get(u: string, continuation?: string): JournalEntry {
  const h: Record<string, string> = { 'x-ms-max-item-count': String(COMPACTION_PAGE) };
  if (continuation) h['x-ms-continuation'] = continuation;
  return { m: 'GET', u, h, b: '' };
}

function post(u: string, body: unknown): JournalEntry {
  return { m: 'POST', u, h: { 'content-type': 'application/json' }, b: JSON.stringify(body) };
}

function isMutation(req: http.IncomingMessage): boolean {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return false;
  if (method === 'POST') {
    const q = req.headers['x-ms-documentdb-isquery'];
    if ((typeof q === 'string' && q.toLowerCase() === 'true') || req.headers['content-type'] === 'application/query+json') return false;
  }
  return true;
}

/**
 * The query plan. Before every query @azure/cosmos asks for its plan (a POST to the documents with
 * `x-ms-cosmos-is-query-plan-request: True`), and the embedded server does not know that header: it
 * ran the request as the query itself, so every query scanned the container twice (the result was
 * thrown away). The SDK uses a plan only when a query comes back refused for needing one, which this
 * server never does: it has one partition key range and runs ORDER BY, TOP, OFFSET and aggregates
 * itself. So the plan is answered here, without running anything, as Cosmos DB answers for a query
 * that needs nothing done on the client: no rewriting, one range covering every partition key.
 */
const QUERY_PLAN = JSON.stringify({
  partitionedQueryExecutionInfoVersion: 2,
  queryInfo: {
    distinctType: 'None',
    top: null,
    offset: null,
    limit: null,
    orderBy: [],
    orderByExpressions: [],
    groupByExpressions: [],
    groupByAliases: [],
    aggregates: [],
    groupByAliasToAggregateType: {},
    rewrittenQuery: '',
    hasSelectValue: false,
    hasNonStreamingOrderBy: false,
  },
  queryRanges: [{ min: '', max: 'FF', isMinInclusive: true, isMaxInclusive: false }],
});

function isQueryPlanRequest(req: http.IncomingMessage): boolean {
  const v = req.headers['x-ms-cosmos-is-query-plan-request'];
  return req.method === 'POST' && typeof v === 'string' && v.toLowerCase() === 'true';
}

function answerQueryPlan(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('error', () => res.destroy());
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-ms-request-charge': '0' });
    res.end(QUERY_PLAN);
  });
}

function pickHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAY_HEADERS) {
    const v = headers[name];
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/**
 * What to record for a completed request, or undefined if it changed nothing.
 * Conditions (if-match) are dropped: the request passed them when it ran, and etags are new after a replay.
 * A batch is recorded as the operations that succeeded, since the embedded batch is not atomic.
 */
function journalable(entry: JournalEntry, status: number, responseChunk: unknown): JournalEntry | undefined {
  if (status >= 400) return undefined;
  if (entry.h['x-ms-cosmos-is-batch-request'] === 'True' || entry.h['x-ms-cosmos-is-batch-request'] === 'true') {
    const ops = JSON.parse(entry.b) as Record<string, unknown>[];
    const results = JSON.parse(String(responseChunk)) as { statusCode: number }[];
    const kept = ops
      .filter((op, i) => (results[i]?.statusCode ?? 500) < 400 && op.operationType !== 'Read')
      .map(({ ifMatch: _ifMatch, ...op }) => op);
    if (kept.length === 0) return undefined;
    return { ...entry, h: { ...entry.h, 'x-ms-cosmos-batch-continue-on-error': 'true' }, b: JSON.stringify(kept) };
  }
  return entry;
}

function fakeRequest(entry: JournalEntry, original: http.IncomingHttpHeaders): http.IncomingMessage {
  const stream = new PassThrough() as unknown as http.IncomingMessage & PassThrough;
  stream.method = entry.m;
  stream.url = entry.u;
  stream.headers = { ...original, ...entry.h };
  (stream as unknown as PassThrough).end(Buffer.from(entry.b, 'utf8'));
  return stream;
}

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const entry = JSON.parse(text) as JournalEntry;
    return entry && typeof entry.m === 'string' && typeof entry.u === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The last whole entry in a line that starts with the remains of a failed write, if there is one. */
function salvageEntry(line: string): { entry: JournalEntry; text: string } | undefined {
  for (let at = line.lastIndexOf('{"m":"'); at > 0; at = line.lastIndexOf('{"m":"', at - 1)) {
    const text = line.slice(at);
    const entry = parseEntry(text);
    if (entry) return { entry, text };
  }
  return undefined;
}

/** What a torn journal line was, as far as it goes: its method and path, if they were written. */
function describeTorn(line: string): string {
  const method = /"m":"([A-Z]+)"/.exec(line)?.[1];
  const url = /"u":"([^"]*)"/.exec(line)?.[1];
  return method && url ? `${method} ${url}` : 'not enough of it was written to say';
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

function readLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

function listJournals(dir: string): { gen: number; file: string }[] {
  return fs
    .readdirSync(dir)
    .map((name) => /^journal-(\d+)\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ gen: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.gen - b.gen);
}

function readLock(lockPath: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems do not allow syncing a directory; the rename is still atomic.
  }
}
