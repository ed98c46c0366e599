import path from 'node:path';
import { SERVER_DIR, serverClass } from './documents';

/**
 * Patches to the embedded server's internals, applied once when this module is loaded: a linear
 * query engine and a way to find each server's in-memory account (which compaction and the
 * snapshot load read and write directly). How documents are kept in memory is in documents.ts.
 */

type SortHelper = (
  collection: unknown[],
  getRid: (d: unknown) => unknown,
  compositeIndexes: unknown,
  ...orders: unknown[]
) => unknown[];

/**
 * The embedded server's SQL engine (@zeit/cosmosdb-query) has two quadratic spots, both an array
 * copied once per element: `FROM c` becomes `coll.reduce(($, c) => [...$, { c }], [])`, and every
 * result goes through `stripUndefined`, written the same way. A query over 20,000 documents took
 * seconds, and reading a whole container at start-up took minutes. We rewrite the first pattern in
 * the generated code and replace `stripUndefined` with a linear function of the same meaning. The
 * sort by _rid that every page does is also made cheaper (below); the rest of the engine is left
 * alone. Measured in `npm run bench:training`.
 */
function makeQueryEngineLinear(): void {
  const enginePath = require.resolve('@zeit/cosmosdb-query', { paths: [SERVER_DIR] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const engine = require(enginePath) as { default: (sql: string) => object };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helpers = require(path.join(path.dirname(enginePath), 'helpers.js')) as {
    stripUndefined: (v: unknown) => unknown;
    sort: SortHelper;
  };
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
  const quadratic =
    /\$c\.reduce\(\(\$, (\w+)\) => typeof \1 !== "undefined" \? \[\.\.\.\$, \{\s*\1: \1\s*\}\] : \$, \[\]\)/g;
  Object.defineProperty(proto, 'code', {
    configurable: true,
    get(this: object) {
      const code = original.get!.call(this) as string;
      return code.replace(
        quadratic,
        (_m, alias: string) =>
          `$c.filter((${alias}) => typeof ${alias} !== "undefined").map((${alias}) => ({ ${alias}: ${alias} }))`,
      );
    },
  });
  (proto as { __linearFrom?: boolean }).__linearFrom = true;
}
makeQueryEngineLinear();

/** The parts of the embedded server's in-memory account that compaction reads. */
export interface ItemLike {
  read(): Record<string, unknown> | undefined;
}
export interface AccountLike extends ItemLike {
  database(id: string): ItemLike & {
    collection?(
      id: string,
    ): ItemLike & { documents?: { _data?: Map<unknown, ItemLike>; upsert?(data: Record<string, unknown>): unknown } };
  };
}

/**
 * Each embedded server's in-memory account, by port. Compaction reads documents straight from it:
 * through the query engine every page is a scan and a sort of the whole collection, so a snapshot
 * of 100,000 documents took seconds and ran into the queries that followed a large import. Every
 * document request calls `Account.prototype.database`, so wrapping it finds the account. If the
 * server's internals ever change shape, compaction falls back to reading pages through its API.
 */
export const accounts = new Map<number, AccountLike>();
function findAccounts(): void {
  const proto = serverClass<{ prototype: AccountLike & { __found?: boolean } }>('index.js')?.prototype;
  if (!proto || typeof proto.database !== 'function' || proto.__found) return;
  const database = proto.database;
  proto.database = function (this: AccountLike, id: string) {
    const endpoint = (this.read()?.writableLocations as { databaseAccountEndpoint?: string }[] | undefined)?.[0]
      ?.databaseAccountEndpoint;
    const port = Number(/:(\d+)\/?$/.exec(endpoint ?? '')?.[1]);
    if (port && accounts.get(port) !== this) accounts.set(port, this);
    return database.call(this, id);
  };
  proto.__found = true;
}
findAccounts();
