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
  database(id: string): ItemLike & { collection?(id: string): ItemLike & { documents?: { _data?: Map<unknown, ItemLike> } } };
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

export interface EmbeddedCosmosOptions {
  dataDir: string;
  log?: Logger;
  /** Flush each journal write to the disk (fdatasync) before answering. Default true. */
  fsync?: boolean;
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
  private writeChain: Promise<void> = Promise.resolve();
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
      server.listen(0, '127.0.0.1', () => resolve());
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
                // Not on disk, so not acknowledged: the client sees a failure and may retry.
                this.opts.log?.error({ err }, 'embedded store: journal write failed');
                res.statusCode = 503;
                realEnd(JSON.stringify({ code: 'ServiceUnavailable', message: 'The local store could not write to disk.' }));
                finish();
                return;
              }
              realEnd(chunk);
              finish();
            };
            this.inner!(fakeRequest(entry, req.headers), res);
          }),
      );
      void this.writeChain
        .then(() => this.maybeCompact())
        .catch((err: unknown) => this.opts.log?.error({ err }, 'embedded store: compaction failed'));
    });
  }

  private append(entry: JournalEntry): void {
    if (this.journalFd === undefined) throw new Error('journal is not open');
    const line = Buffer.from(`${JSON.stringify(entry)}\n`, 'utf8');
    let offset = 0;
    while (offset < line.length) offset += fs.writeSync(this.journalFd, line, offset);
    if (this.opts.fsync !== false) fs.fdatasyncSync(this.journalFd);
    this.journalBytes += line.length;
    this.stats.journalBytes = this.journalBytes;
  }

  /** Replays snapshot and journals into the empty server, then compacts them into one snapshot. */
  private async recover(): Promise<void> {
    const started = Date.now();
    const dir = this.opts.dataDir;
    const snapshotPath = path.join(dir, 'snapshot.jsonl');
    let nextJournal = 0;
    if (fs.existsSync(snapshotPath)) {
      const lines = readLines(snapshotPath);
      const header = JSON.parse(lines.shift() ?? '{}') as { nextJournal?: number };
      nextJournal = header.nextJournal ?? 0;
      for (const line of lines) await this.replay(JSON.parse(line) as JournalEntry, snapshotPath);
    }
    const journals = listJournals(dir);
    for (const { gen, file } of journals) {
      if (gen < nextJournal) continue;
      const lines = readLines(file);
      for (let i = 0; i < lines.length; i++) {
        let entry: JournalEntry;
        try {
          entry = JSON.parse(lines[i]!) as JournalEntry;
        } catch {
          // Only the very last line can be torn (the process died mid-write); it was never acknowledged.
          if (i === lines.length - 1) break;
          throw new Error(`The journal ${file} is damaged at line ${i + 1}; the store was not opened.`);
        }
        await this.replay(entry, file);
      }
    }
    this.stats.replayMs = Date.now() - started;
    const maxGen = journals.reduce((m, j) => Math.max(m, j.gen), nextJournal - 1);
    await this.compact(maxGen + 1);
    this.opts.log?.info({ replayed: this.stats.replayedEntries, ms: this.stats.replayMs, dataDir: dir }, 'embedded store recovered');
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
    if (this.journalBytes < COMPACT_AFTER_BYTES || this.closed) return;
    this.writeChain = this.writeChain.then(() => this.compact(this.journalGen + 1));
    await this.writeChain;
  }

  /** Writes the whole current state as a snapshot and starts journal generation `gen`. */
  private async compact(gen: number): Promise<void> {
    const started = Date.now();
    const dir = this.opts.dataDir;
    const tmp = path.join(dir, 'snapshot.jsonl.tmp');
    const fd = fs.openSync(tmp, 'w');
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
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, 'snapshot.jsonl'));
    fsyncDir(dir);
    if (this.journalFd !== undefined) fs.closeSync(this.journalFd);
    for (const j of listJournals(dir)) if (j.gen < gen) fs.rmSync(j.file, { force: true });
    this.journalGen = gen;
    this.journalFd = fs.openSync(path.join(dir, `journal-${gen}.jsonl`), 'a');
    this.journalBytes = 0;
    fsyncDir(dir);
    this.stats.compactions++;
    this.stats.lastCompactionMs = Date.now() - started;
    this.opts.log?.info({ ms: this.stats.lastCompactionMs, generation: gen }, 'embedded store compacted');
  }

  /** A collection's documents read straight from the server's memory, or undefined when that is not possible. */
  private documentsInMemory(dbId: string, collId: string): Record<string, unknown>[] | undefined {
    if (!EmbeddedCosmos.compactFromMemory) return undefined;
    const port = Number(new URL(this.endpoint).port);
    const items = accounts.get(port)?.database(dbId).collection?.(collId).documents?._data;
    if (!(items instanceof Map)) return undefined;
    const docs: Record<string, unknown>[] = [];
    for (const item of items.values()) {
      const doc = typeof item?.read === 'function' ? item.read() : undefined;
      if (doc) docs.push(doc);
    }
    // The same order as the API would give (by _rid), so a snapshot replays in creation order.
    return docs.sort((a, b) => (String(a._rid) < String(b._rid) ? -1 : String(a._rid) > String(b._rid) ? 1 : 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeChain.catch(() => undefined);
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
