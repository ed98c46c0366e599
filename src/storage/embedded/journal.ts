import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logging/logger';

/** One recorded request. */
export interface JournalEntry {
  m: string; // method
  u: string; // url path
  h: Record<string, string>; // the headers the server's handlers read
  b: string; // body (JSON text), '' for none
}

/** A snapshot's line: a document's line carries its body as an object in `o` (parsed once, not twice) and no `b`. */
export type SnapshotEntry = Omit<JournalEntry, 'b'> & { b?: string; o?: Record<string, unknown> };

/**
 * Replays every journal of generation `from` or later, in order, through `replay`. Returns the last
 * journal generation (`from - 1` if there is none) and how many bytes the replayed journals held.
 */
export async function replayJournals(
  dir: string,
  from: number,
  replay: (entry: JournalEntry, file: string) => Promise<void>,
  log?: Logger,
): Promise<{ maxGen: number; journalBytes: number }> {
  let journalBytes = 0;
  const journals = listJournals(dir);
  for (const { gen, file } of journals) {
    if (gen < from) continue;
    journalBytes += fs.statSync(file).size;
    const lines = readLines(file);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const entry = parseEntry(line);
      if (entry) {
        await replay(entry, file);
        continue;
      }
      if (i === lines.length - 1) {
        // The process died mid-write: that write was never acknowledged.
        log?.warn(
          { file, line: i + 1, bytes: Buffer.byteLength(line), request: describeTorn(line) },
          'embedded store: dropped the torn last line of a journal (a write cut off mid-way, never acknowledged)',
        );
        break;
      }
      // A write that failed part-way (before failed appends were cut back) left bytes that the
      // next, acknowledged write was appended to. Keep that write and every one after it: a
      // damaged line never stops the store opening, since that would strand everything after it.
      const kept = salvageEntry(line);
      log?.error(
        {
          file,
          line: i + 1,
          bytes: Buffer.byteLength(line) - (kept ? Buffer.byteLength(kept.text) : 0),
          dropped: describeTorn(line),
          kept: kept ? describeTorn(kept.text) : 'nothing',
        },
        'embedded store: dropped the unreadable start of a journal line (a write that failed part-way) and kept what follows',
      );
      if (kept) await replay(kept.entry, file);
    }
  }
  return { maxGen: journals.reduce((m, j) => Math.max(m, j.gen), from - 1), journalBytes };
}

export function parseEntry(text: string): JournalEntry | undefined {
  try {
    const entry = JSON.parse(text) as JournalEntry;
    return entry && typeof entry.m === 'string' && typeof entry.u === 'string' ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** The last whole entry in a line that starts with the remains of a failed write, if there is one. */
export function salvageEntry(line: string): { entry: JournalEntry; text: string } | undefined {
  for (let at = line.lastIndexOf('{"m":"'); at > 0; at = line.lastIndexOf('{"m":"', at - 1)) {
    const text = line.slice(at);
    const entry = parseEntry(text);
    if (entry) return { entry, text };
  }
  return undefined;
}

/** What a torn journal line was, as far as it goes: its method and path, if they were written. */
export function describeTorn(line: string): string {
  const method = /"m":"([A-Z]+)"/.exec(line)?.[1];
  const url = /"u":"([^"]*)"/.exec(line)?.[1];
  return method && url ? `${method} ${url}` : 'not enough of it was written to say';
}

export function readLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0);
}

export function listJournals(dir: string): { gen: number; file: string }[] {
  return fs
    .readdirSync(dir)
    .map((name) => /^journal-(\d+)\.jsonl$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ gen: Number(m[1]), file: path.join(dir, m[0]) }))
    .sort((a, b) => a.gen - b.gen);
}

/** Deletes the journals before generation `gen` (a snapshot with header `nextJournal: gen` holds them). */
export function removeJournalsBefore(dir: string, gen: number): void {
  for (const j of listJournals(dir)) if (j.gen < gen) fs.rmSync(j.file, { force: true });
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // Some file systems do not allow syncing a directory; the rename is still atomic.
  }
}
