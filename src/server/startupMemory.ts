import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from '../logging/logger';

/**
 * Start-up leaves memory behind: loading the store and its compaction a few seconds on grow V8's
 * young generation to the size `--max-semi-space-size` allows (64 MB committed for 32). V8 shrinks
 * it only at a collection that finds the program allocating little over its recent collections,
 * which at idle (no collections) takes about a minute. This gives it back as soon as start-up's own
 * work is over and the process is quiet: one full collection, then young-generation collections
 * (a few milliseconds each at idle) half a second apart until V8 shrinks it, while still quiet.
 * A process that is busy by then needs its young generation and is left to V8.
 */
export interface StartupMemoryOptions {
  /** Start-up's work left for after /healthz (Store.settled). */
  settled: Promise<void>;
  log?: Logger;
  /** V8's collections; default: V8's own, without exposing `gc` to the app. Undefined: none available. */
  collect?: Collector | undefined;
  /** The young generation's committed size, bytes. */
  young?: () => number;
  /** perf_hooks' event-loop utilisation: a reading, or the difference of two (for tests). */
  utilisation?: (a?: EventLoopUtilization, b?: EventLoopUtilization) => EventLoopUtilization;
  /** How often the process is checked for quiet, ms. */
  checkEveryMs?: number;
  /** Quiet: the event loop busy for less than this share of a check. */
  quietBelow?: number;
  /** Checks in a row that must be quiet before the first collection. */
  quietFor?: number;
  /** Checks before giving up (V8 gives the memory back itself when the process goes quiet). */
  maxChecks?: number;
  /** Done once the young generation is at most this, bytes. */
  youngTarget?: number;
  /** Resident set size now, bytes (for the log line). */
  rss?: () => number;
}

export type Collector = (kind: 'major' | 'minor') => void;

export interface StartupMemory {
  /** Resolves with true when memory was given back, false when it was not (busy, none, stopped). */
  readonly done: Promise<boolean>;
  stop(): void;
}

/** V8's collections, obtained without leaving `gc` on the global object for the app's code. */
export function v8Collector(): Collector | undefined {
  let gc = (globalThis as { gc?: unknown }).gc;
  if (typeof gc !== 'function') {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as unknown;
      v8.setFlagsFromString('--no-expose-gc');
    } catch {
      return undefined;
    }
  }
  if (typeof gc !== 'function') return undefined;
  const fn = gc as (options: { type: 'major' | 'minor'; execution: 'sync' }) => void;
  return (kind) => fn({ type: kind, execution: 'sync' });
}

const youngCommitted = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

export function giveBackStartupMemory(opts: StartupMemoryOptions): StartupMemory {
  const collect = 'collect' in opts ? opts.collect : v8Collector();
  const utilisation = opts.utilisation ?? ((a, b) => performance.eventLoopUtilization(a, b));
  const young = opts.young ?? youngCommitted;
  const rss = opts.rss ?? (() => process.memoryUsage.rss());
  const every = opts.checkEveryMs ?? 1000;
  const quietBelow = opts.quietBelow ?? 0.05;
  const quietFor = opts.quietFor ?? 3;
  const maxChecks = opts.maxChecks ?? 120;
  const youngTarget = opts.youngTarget ?? 8 * 1048576;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  const run = async (): Promise<boolean> => {
    if (!collect) return false;
    await opts.settled;
    let last = utilisation();
    let quiet = 0;
    let collected = false;
    let collections = 0;
    const before = { rss: rss(), young: young() };
    const started = performance.now();
    for (let check = 0; check < maxChecks && !stopped; check++) {
      await sleep(collected ? every / 2 : every);
      if (stopped) return false;
      const now = utilisation();
      quiet = utilisation(now, last).utilization < quietBelow ? quiet + 1 : 0;
      last = now;
      if (quiet < quietFor) {
        // Busy again after the first collection: what is left is V8's to give back.
        if (collected) break;
        continue;
      }
      collect(collected ? 'minor' : 'major');
      collections++;
      collected = true;
      if (young() <= youngTarget) break;
    }
    if (!collected) return false;
    opts.log?.info(
      {
        rssBeforeMb: Math.round(before.rss / 1048576),
        rssAfterMb: Math.round(rss() / 1048576),
        youngBeforeMb: Math.round(before.young / 1048576),
        youngAfterMb: Math.round(young() / 1048576),
        collections,
        s: Math.round((performance.now() - started) / 1000),
      },
      'start-up memory given back',
    );
    return young() <= youngTarget;
  };

  const done = run().catch(() => false);
  return {
    done,
    stop() {
      stopped = true;
      clearTimeout(timer);
      wake();
    },
  };
}
