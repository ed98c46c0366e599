import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { DurableMemory, type EmbeddedCosmosOptions } from './durable';
import type { JournalEntry } from './journal';
import { isAlive, readLock, releaseLock, takeLock, writeLockFile, type LockInfo } from './lock';
import { accounts } from './patches';
import {
  answerQueryPlan,
  fakeRequest,
  isMutation,
  isQueryPlanRequest,
  journalable,
  pickHeaders,
  type RequestHandler,
} from './requests';

/**
 * The embedded server on its loopback port: the LOCK file, the write path (each write journalled
 * before its answer leaves), memory rebuilt from disk after a failed journal write, and closing.
 * The journal, replay and compaction are in DurableMemory (durable.ts).
 */
export class EmbeddedCosmos extends DurableMemory {
  /** Compaction reads documents from the server's memory when it can (false: always through its API; tests use it). */
  static compactFromMemory = true;
  readonly key = 'ZW1iZWRkZWQtbG9jYWwta2V5'; // any base64 string: the embedded server does not check it
  private server?: http.Server;
  private lastRebuildAttempt = 0;
  private lockPath: string;
  private ownsLock = false;

  private constructor(opts: EmbeddedCosmosOptions) {
    super(opts);
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

  protected mayReadMemory(): boolean {
    return EmbeddedCosmos.compactFromMemory;
  }

  private acquireLock(): void {
    takeLock(this.lockPath, this.opts.dataDir);
    this.ownsLock = true;
  }

  private writeLock(): void {
    writeLockFile(this.lockPath, {
      pid: process.pid,
      endpoint: this.endpoint,
      key: this.key,
      startedAt: new Date().toISOString(),
    });
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
        if (Date.now() - this.lastRebuildAttempt > 2000)
          this.writeChain = this.writeChain.then(() => this.rebuildFromDisk());
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
                this.opts.log?.error(
                  { err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } },
                  'embedded store: journal write failed; the write was refused',
                );
                this.diverged = true;
                res.statusCode = 503;
                realEnd(
                  JSON.stringify({ code: 'ServiceUnavailable', message: 'The local store could not write to disk.' }),
                );
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
    res.end(
      JSON.stringify({
        code: 'ServiceUnavailable',
        message: 'The local store is recovering from a failed disk write.',
      }),
    );
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
      this.opts.log?.warn(
        { replayed: this.stats.replayedEntries },
        'embedded store: memory rebuilt from disk after a failed write',
      );
    } catch (err) {
      this.inner = previous;
      this.opts.log?.error(
        { err: { message: (err as Error).message } },
        'embedded store: could not rebuild memory from disk; requests are refused until it can',
      );
    } finally {
      this.rebuilding = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.compactTimer);
    this.startupWorkDone();
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
      releaseLock(this.lockPath);
      this.ownsLock = false;
    }
  }
}
