import type { EventLoopUtilization } from 'node:perf_hooks';
import { giveBackStartupMemory, v8Collector, type StartupMemoryOptions } from '../src/server/startupMemory';

const MB = 1048576;

/** A process whose event loop is busy or quiet as `busy()` says, and whose young generation shrinks after `shrinkAfter` collections. */
function fakeProcess(opts: { busy?: () => boolean; shrinkAfter?: number } = {}) {
  const collections: string[] = [];
  const reading = { idle: 0, active: 0, utilization: 0 } as EventLoopUtilization;
  const options: Partial<StartupMemoryOptions> = {
    collect: (kind) => collections.push(kind),
    young: () => (collections.length >= (opts.shrinkAfter ?? 1) ? 1 * MB : 64 * MB),
    utilisation: (a) => (a ? { ...reading, utilization: opts.busy?.() ? 0.6 : 0.01 } : reading),
    rss: () => 300 * MB,
    checkEveryMs: 2,
    quietFor: 3,
    maxChecks: 40,
  };
  return { collections, options };
}

describe('giving back the memory start-up left behind', () => {
  it('waits for the store to finish its start-up work, then collects once the process is quiet', async () => {
    const { collections, options } = fakeProcess();
    let settle: () => void = () => undefined;
    const settled = new Promise<void>((r) => (settle = r));
    const memory = giveBackStartupMemory({ ...options, settled });
    await new Promise((r) => setTimeout(r, 30));
    expect(collections).toEqual([]);
    settle();
    await expect(memory.done).resolves.toBe(true);
    expect(collections).toEqual(['major']);
  });

  it('follows the full collection with young-generation ones until V8 shrinks it', async () => {
    const { collections, options } = fakeProcess({ shrinkAfter: 4 });
    await expect(giveBackStartupMemory({ ...options, settled: Promise.resolve() }).done).resolves.toBe(true);
    expect(collections).toEqual(['major', 'minor', 'minor', 'minor']);
  });

  it('never collects while the bot is busy, and leaves it to V8 in the end', async () => {
    const { collections, options } = fakeProcess({ busy: () => true });
    await expect(giveBackStartupMemory({ ...options, settled: Promise.resolve() }).done).resolves.toBe(false);
    expect(collections).toEqual([]);
  });

  it('stops collecting when the bot gets busy after the first collection', async () => {
    let checks = 0;
    const { collections, options } = fakeProcess({ busy: () => ++checks > 3, shrinkAfter: 10 });
    await expect(giveBackStartupMemory({ ...options, settled: Promise.resolve() }).done).resolves.toBe(false);
    expect(collections).toEqual(['major']);
  });

  it('does nothing once stopped (the bot shutting down), nor without a collector', async () => {
    const { collections, options } = fakeProcess();
    const memory = giveBackStartupMemory({ ...options, settled: Promise.resolve() });
    memory.stop();
    await expect(memory.done).resolves.toBe(false);
    expect(collections).toEqual([]);
    await expect(
      giveBackStartupMemory({ ...options, collect: undefined, settled: Promise.resolve() }).done,
    ).resolves.toBe(false);
  });

  it("uses V8's own collections without leaving gc() where the app's code could call it", () => {
    const collect = v8Collector();
    expect(typeof collect).toBe('function');
    expect(() => collect!('minor')).not.toThrow();
    expect(() => collect!('major')).not.toThrow();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
