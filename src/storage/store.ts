import {
  CosmosClient,
  type Container,
  type CosmosClientOptions,
  type Database,
  type PluginConfig,
  type QueryIterator,
} from '@azure/cosmos';
import type { Config } from '../config';
import type { Logger } from '../logging/logger';
import { CONTAINERS, type ContainerName } from './containers';
import {
  spendStorageTime,
  storageBudgetSignal,
  storageTimeLeft,
  StorageTimeoutError,
  withStorageBudget,
} from './deadline';
import { EmbeddedCosmos } from './embedded';

/**
 * Query options for reads that return many documents. The embedded server runs the whole query
 * again for every page, so small pages make big reads quadratic; large pages cost nothing extra on
 * Azure Cosmos DB, which caps a page by size anyway.
 */
export const MANY = { maxItemCount: 10_000 } as const;

/**
 * Pages for reads of a few short fields of every document (the roster, the organisation's
 * digests). Still bounded (the SDK spreads each page into its buffer, which overflows the call
 * stack from about 125,000 items), but fewer pages: the embedded server scans the container again
 * for every page.
 */
export const BIG_PAGE = { maxItemCount: 60_000 } as const;

/**
 * Reads a query a page at a time (at most its `maxItemCount` documents each) and hands each page
 * over as it arrives. Never `fetchAll`: it gathers every page into one array by spreading each
 * page into it, and a query with `maxItemCount: -1` is one page, which overflows the call stack
 * from about 125,000 results.
 */
export async function forEachPage<T>(
  iterator: QueryIterator<T>,
  onPage: (page: T[]) => void | Promise<void>,
): Promise<void> {
  while (iterator.hasMoreResults()) {
    const { resources } = await iterator.fetchNext();
    if (resources && resources.length > 0) await onPage(resources);
  }
}

/** Every result of a query, read a page at a time and gathered without spreading (see forEachPage). */
export async function readAll<T>(iterator: QueryIterator<T>): Promise<T[]> {
  const out: T[] = [];
  await forEachPage(iterator, (page) => {
    for (const item of page) out.push(item);
  });
  return out;
}

/**
 * The one owner of the CosmosClient. Features get typed repositories built on `container(name)`;
 * nothing else creates a client.
 */
export interface Store {
  readonly database: Database;
  /** 'azure' for a real account, 'embedded' for the in-process server, 'attached' for another process's embedded server. */
  readonly mode: 'azure' | 'embedded' | 'attached';
  container(name: ContainerName): Container;
  /** Cheap round trip used by /healthz. */
  ping(): Promise<{ ok: boolean; ms: number; error?: string }>;
  /**
   * Resolves when the store has finished what its start left for after it answered (the embedded
   * store's compaction of the journals it replayed); at once for Cosmos DB or another process's store.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** /healthz waits this long for the store before it says 503. */
export const PING_BUDGET_MS = 1500;

/**
 * Whether Cosmos DB can hold a document with this id: ids from card payloads are untrusted, and
 * the SDK throws (the turn fails) for an empty id or one with '/', '\\', '#' or '?' in it. A look-up
 * by such an id simply finds nothing.
 */
export function isStorableId(id: unknown): id is string {
  return typeof id === 'string' && id.trim().length > 0 && id.length <= 255 && !/[/\\#?]/.test(id);
}

/**
 * How every Cosmos DB call keeps to the current turn's storage budget (src/storage/deadline.ts).
 * Per operation (retries and their waits included): its time is taken off the budget, and it fails
 * with StorageTimeoutError once the budget is spent. Per request: the request on the wire is
 * aborted then too (through the budget's one signal), so a frozen store is not left holding a socket for the SDK's 60-second
 * timeout. Outside a budget nothing changes.
 */
const BUDGET_PLUGINS: PluginConfig[] = [
  { on: 'operation', plugin: (context, _diagnostics, next) => spendStorageTime(() => next(context)) },
  {
    on: 'request',
    plugin: async (context, _diagnostics, next) => {
      const left = storageTimeLeft();
      if (left === undefined) return next(context);
      if (left <= 0) throw new StorageTimeoutError();
      const budget = storageBudgetSignal()!;
      const original = context.options;
      const given = original?.abortSignal;
      context.options = { ...original, abortSignal: given ? AbortSignal.any([given, budget]) : budget };
      try {
        return await next(context);
      } catch (err) {
        if (budget.aborted) throw new StorageTimeoutError();
        throw err;
      } finally {
        context.options = original;
      }
    },
  },
];

export interface OpenStoreOptions {
  log?: Logger;
  /**
   * When the embedded store's DATA_DIR is already open in another process (the running bot),
   * connect to that process's endpoint instead of failing. Used by the import command.
   */
  attachIfRunning?: boolean;
}

export async function openStore(
  config: Pick<Config, 'cosmos' | 'dataDir'>,
  opts: OpenStoreOptions = {},
): Promise<Store> {
  let embedded: EmbeddedCosmos | undefined;
  let endpoint = config.cosmos.endpoint;
  let key = config.cosmos.key;
  let mode: Store['mode'] = 'azure';

  if (!endpoint) {
    const holder = opts.attachIfRunning ? EmbeddedCosmos.holder(config.dataDir) : undefined;
    if (holder?.endpoint && holder.key) {
      endpoint = holder.endpoint;
      key = holder.key;
      mode = 'attached';
    } else {
      embedded = await EmbeddedCosmos.start({ dataDir: config.dataDir, log: opts.log });
      endpoint = embedded.endpoint;
      key = embedded.key;
      mode = 'embedded';
    }
  }

  const client = new CosmosClient({
    endpoint,
    key,
    // The embedded server has one region; discovery would only add round trips.
    connectionPolicy: mode === 'azure' ? undefined : { enableEndpointDiscovery: false, requestTimeout: 60_000 },
    plugins: BUDGET_PLUGINS,
  } as CosmosClientOptions);

  try {
    const { database } = await client.databases.createIfNotExists({ id: config.cosmos.database });
    const containers = new Map<ContainerName, Container>();
    for (const [name, def] of Object.entries(CONTAINERS) as [ContainerName, (typeof CONTAINERS)[ContainerName]][]) {
      const { container } = await database.containers.createIfNotExists({
        id: def.id,
        partitionKey: { paths: [def.partitionKey] },
      });
      containers.set(name, container);
    }
    opts.log?.info({ mode, database: config.cosmos.database }, 'storage ready');

    return {
      database,
      mode,
      container(name) {
        const c = containers.get(name);
        if (!c) throw new Error(`Unknown container ${name}`);
        return c;
      },
      async ping() {
        const started = Date.now();
        try {
          // A hung store must not hang the health check: answer within its own short budget.
          await withStorageBudget(PING_BUDGET_MS, () => database.read());
          return { ok: true, ms: Date.now() - started };
        } catch (err) {
          return { ok: false, ms: Date.now() - started, error: (err as Error).message };
        }
      },
      settled: () => embedded?.settled() ?? Promise.resolve(),
      async close() {
        client.dispose();
        await embedded?.close();
      },
    };
  } catch (err) {
    client.dispose();
    await embedded?.close();
    throw err;
  }
}
