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
 *
 * The code, in src/storage/embedded/ (this module is the one the rest of the app imports):
 *   server.ts     EmbeddedCosmos: start, the LOCK, the HTTP server and its write path, rebuild, close
 *   durable.ts    its durable half: journal appends, replay at start, compaction (both kinds)
 *   journal.ts    journal entries, reading and replaying journals (torn and damaged lines), fsyncDir
 *   snapshot.ts   reading a snapshot (damage detection) and writing one (temp file, sync, rename)
 *   requests.ts   which requests write, the query plan, journalable entries, in-process calls
 *   patches.ts    the query engine and server patches, and direct access to the server's memory
 *   lock.ts       the LOCK file, StoreLockedError
 */
export { EmbeddedCosmos } from './embedded/server';
export type { EmbeddedCosmosOptions, EmbeddedCosmosStats } from './embedded/durable';
export { StoreLockedError } from './embedded/lock';
