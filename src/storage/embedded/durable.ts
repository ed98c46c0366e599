import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logging/logger';
import {
  fsyncDir,
  listJournals,
  removeJournalsBefore,
  replayJournals,
  type JournalEntry,
  type SnapshotEntry,
} from './journal';
import { upsertDirectly } from './documents';
import { accounts, type AccountLike } from './patches';
import { callHandler, type RequestHandler } from './requests';
import {
  byRid,
  captureFromMemory,
  snapshotEntries,
  writeCaptured,
  writeFromServer,
  writeSnapshotFile,
  type SnapshotDb,
} from './snapshot';

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

/**
 * The durable half of EmbeddedCosmos (server.ts): the journal writes are appended to, the replay
 * of the snapshot and journals into the server's memory, and compaction into a new snapshot.
 */
export abstract class DurableMemory {
  protected inner?: RequestHandler;
  protected journalFd?: number;
  protected journalGen = 0;
  protected journalBytes = 0;
  /** Where the journal's last complete line ends: a failed append is cut back to here. */
  protected journalEnd?: number;
  /** A failed append could not be cut back yet (the truncate failed too): do it before the next one. */
  protected journalTorn = false;
  /**
   * A write was applied in memory but could not be journalled, so memory holds a change the disk
   * does not: every request is refused until memory has been rebuilt from disk.
   */
  protected diverged = false;
  protected rebuilding = false;
  /** When compaction last failed (a full disk): it is not tried again for a while. */
  protected compactionFailedAt = 0;
  protected writeChain: Promise<void> = Promise.resolve();
  /** The compaction under way after start or after a large journal, if any (close waits for it). */
  protected compacting?: Promise<void>;
  protected compactTimer?: NodeJS.Timeout;
  /** Resolves once the work start-up left for later (the compaction a few seconds on) is done. */
  protected startupWork: Promise<void> = Promise.resolve();
  protected startupWorkDone: () => void = () => undefined;
  protected closed = false;
  endpoint = '';
  stats: EmbeddedCosmosStats = {
    replayedEntries: 0,
    replayMs: 0,
    journalBytes: 0,
    compactions: 0,
    lastCompactionMs: 0,
  };

  protected constructor(protected readonly opts: EmbeddedCosmosOptions) {}

  /** Whether compaction may read documents from the server's memory (EmbeddedCosmos.compactFromMemory). */
  protected abstract mayReadMemory(): boolean;

  /**
   * Appends one line and syncs it. If any part fails (a full disk: ENOSPC, or EIO), the journal is
   * cut back to where it was, so the bytes that did reach it never sit in front of later writes.
   */
  protected append(entry: JournalEntry): void {
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
   * Replays snapshot and journals into the empty server, then compacts them into one snapshot.
   * The store answers as soon as the replay is done: the compaction runs after, without holding
   * writes back (see compactInBackground); only when memory cannot be read directly does start-up
   * wait for it, as it always did. With a snapshot and nothing in the journals there is nothing to
   * compact: the next journal is opened and that is all.
   */
  protected async recover(): Promise<void> {
    const started = Date.now();
    const { maxGen, journalBytes, snapshot } = await this.replayFromDisk();
    this.stats.replayMs = Date.now() - started;
    if (snapshot && journalBytes === 0) {
      // Empty journals (a start with no writes after it): nothing to keep, nothing to compact.
      for (const j of listJournals(this.opts.dataDir))
        if (j.gen >= snapshot.nextJournal) fs.rmSync(j.file, { force: true });
      this.openJournal(Math.max(snapshot.nextJournal, maxGen + 1));
    } else if (this.canCompactFromMemory()) {
      this.openJournal(maxGen + 1);
      // A few seconds on, so the first requests (the app's own start-up reads) do not share the
      // process with it; a store closed before then replays the same journals next time.
      this.startupWork = new Promise<void>((resolve) => (this.startupWorkDone = resolve));
      this.compactTimer = setTimeout(
        () => void this.compactInBackground(this.journalGen + 1).finally(() => this.startupWorkDone()),
        COMPACT_AFTER_START_MS,
      );
      this.compactTimer.unref();
    } else {
      await this.compact(maxGen + 1);
    }
    this.opts.log?.info(
      { replayed: this.stats.replayedEntries, ms: this.stats.replayMs, dataDir: this.opts.dataDir },
      'embedded store recovered',
    );
  }

  /**
   * Resolves when the work start-up left until after the store answered is done: the compaction of
   * the journals replayed at start, or nothing. Also when the store closes first; never rejects.
   */
  settled(): Promise<void> {
    return this.startupWork;
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
    return this.mayReadMemory() && this.account() !== undefined;
  }

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
      captured = await captureFromMemory(
        (entry) => this.call(entry),
        (dbId, collId) => this.documentsInMemory(dbId, collId, false),
      );
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
        this.opts.log?.info(
          { ms: this.stats.lastCompactionMs, generation: gen, background: true },
          'embedded store compacted',
        );
      })
      .catch((err: unknown) => {
        this.compactionFailedAt = Date.now();
        this.opts.log?.error(
          { err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } },
          'embedded store: compaction failed; the journal carries on and it is tried again in a minute',
        );
      })
      .finally(() => {
        if (this.compacting === job) this.compacting = undefined;
      });
    this.compacting = job;
    return job;
  }

  /** Writes a snapshot (header `nextJournal: gen`) of captured state, then removes the journals before `gen`. */
  private async writeSnapshot(gen: number, dbs: SnapshotDb[]): Promise<void> {
    const dir = this.opts.dataDir;
    // The journal was switched to `gen` when the state was captured (compactInBackground).
    await writeSnapshotFile(
      dir,
      gen,
      (fd) => writeCaptured(fd, dbs),
      () => {
        removeJournalsBefore(dir, gen);
        fsyncDir(dir);
      },
    );
  }

  /**
   * Replays the snapshot and every journal after it into the server. Returns the last journal
   * generation, how many bytes the replayed journals held, and the snapshot's header (if any).
   */
  protected async replayFromDisk(): Promise<{
    maxGen: number;
    journalBytes: number;
    snapshot?: { nextJournal: number };
  }> {
    this.stats.replayedEntries = 0;
    const dir = this.opts.dataDir;
    const snapshotPath = path.join(dir, 'snapshot.jsonl');
    let nextJournal = 0;
    let snapshot: { nextJournal: number } | undefined;
    if (fs.existsSync(snapshotPath)) {
      // A line that does not parse stops the store opening (snapshotEntries throws, naming it).
      const read: { header?: { nextJournal?: number } } = {};
      for (const entry of snapshotEntries(snapshotPath, read)) {
        if (this.applyDirectly(entry)) this.stats.replayedEntries++;
        else await this.replay({ ...entry, b: entry.b ?? (entry.o ? JSON.stringify(entry.o) : '') }, snapshotPath);
      }
      nextJournal = read.header?.nextJournal ?? 0;
      snapshot = { nextJournal };
    }
    const { maxGen, journalBytes } = await replayJournals(
      dir,
      nextJournal,
      (entry, file) => this.replay(entry, file),
      this.opts.log,
    );
    return { maxGen, journalBytes, snapshot };
  }

  /** A snapshot's document line applied straight to the server's memory, if it can be (see upsertDirectly). */
  private applyDirectly(entry: SnapshotEntry): boolean {
    // While memory is rebuilt after a failed write, a request still in the old server could put its
    // account back in the shared map: replay through the fresh server's own handler instead.
    if (this.rebuilding) return false;
    return upsertDirectly(entry, () => this.account());
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
    return callHandler(this.inner!, entry);
  }

  protected async maybeCompact(): Promise<void> {
    if (
      this.journalBytes < COMPACT_AFTER_BYTES ||
      this.closed ||
      this.diverged ||
      this.compacting ||
      Date.now() - this.compactionFailedAt < 60_000
    )
      return;
    if (this.canCompactFromMemory()) {
      void this.compactInBackground(this.journalGen + 1);
      return;
    }
    // A failed compaction (a full disk) must not break the chain every later write waits on.
    this.writeChain = this.writeChain
      .then(() => this.compact(this.journalGen + 1))
      .catch((err: unknown) => {
        this.compactionFailedAt = Date.now();
        this.opts.log?.error(
          { err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } },
          'embedded store: compaction failed; the journal carries on and it is tried again in a minute',
        );
      });
    await this.writeChain;
  }

  /** Writes the whole current state as a snapshot and starts journal generation `gen`. */
  private async compact(gen: number): Promise<void> {
    const started = Date.now();
    const dir = this.opts.dataDir;
    const body = (fd: number) =>
      writeFromServer(
        fd,
        (entry) => this.call(entry),
        (dbId, collId) => this.documentsInMemory(dbId, collId),
      );
    // Writes are held, so the journal is switched only once the snapshot holding them all is in place.
    // Unlike openJournal, the old journal is closed before the new one is opened (writes are held, and
    // after the rename a write to an older journal would not be replayed). The descriptor is forgotten
    // as it is closed: if the open below fails, appends are refused ("journal is not open", a 503) until
    // a later compaction opens one, never written to a closed descriptor or whatever file reused it.
    await writeSnapshotFile(dir, gen, body, () => {
      const old = this.journalFd;
      this.journalFd = undefined;
      if (old !== undefined) fs.closeSync(old);
      removeJournalsBefore(dir, gen);
      this.journalGen = gen;
      this.journalFd = fs.openSync(path.join(dir, `journal-${gen}.jsonl`), 'a');
      this.journalEnd = undefined;
      this.journalTorn = false;
      this.journalBytes = 0;
      fsyncDir(dir);
    });
    this.stats.compactions++;
    this.stats.lastCompactionMs = Date.now() - started;
    this.opts.log?.info({ ms: this.stats.lastCompactionMs, generation: gen }, 'embedded store compacted');
  }

  /** A collection's documents read straight from the server's memory, or undefined when that is not possible. */
  private documentsInMemory(dbId: string, collId: string, sorted = true): Record<string, unknown>[] | undefined {
    if (!this.mayReadMemory()) return undefined;
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
}
