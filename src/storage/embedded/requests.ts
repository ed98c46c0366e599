import http from 'node:http';
import { PassThrough } from 'node:stream';
import type { JournalEntry } from './journal';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The headers the embedded server's handlers read when applying a write. */
const REPLAY_HEADERS = [
  'content-type',
  'x-ms-documentdb-partitionkey',
  'x-ms-documentdb-is-upsert',
  'x-ms-cosmos-is-batch-request',
  'x-ms-cosmos-batch-continue-on-error',
];

/**
 * A read of a page of documents. Compaction reads a container a page at a time so that it never
 * holds the whole container as one response (a 50,000-record container is tens of MB as JSON);
 * each page costs a scan and a sort of the collection, which the faster sort (patches.ts) keeps small.
 */
const COMPACTION_PAGE = 10_000;
export function get(u: string, continuation?: string): JournalEntry {
  const h: Record<string, string> = { 'x-ms-max-item-count': String(COMPACTION_PAGE) };
  if (continuation) h['x-ms-continuation'] = continuation;
  return { m: 'GET', u, h, b: '' };
}

export function post(u: string, body: unknown): JournalEntry {
  return { m: 'POST', u, h: { 'content-type': 'application/json' }, b: JSON.stringify(body) };
}

export function isMutation(req: http.IncomingMessage): boolean {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return false;
  if (method === 'POST') {
    const q = req.headers['x-ms-documentdb-isquery'];
    if (
      (typeof q === 'string' && q.toLowerCase() === 'true') ||
      req.headers['content-type'] === 'application/query+json'
    )
      return false;
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

export function isQueryPlanRequest(req: http.IncomingMessage): boolean {
  const v = req.headers['x-ms-cosmos-is-query-plan-request'];
  return req.method === 'POST' && typeof v === 'string' && v.toLowerCase() === 'true';
}

export function answerQueryPlan(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('error', () => res.destroy());
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'x-ms-request-charge': '0' });
    res.end(QUERY_PLAN);
  });
}

export function pickHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
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
export function journalable(entry: JournalEntry, status: number, responseChunk: unknown): JournalEntry | undefined {
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

export function fakeRequest(entry: JournalEntry, original: http.IncomingHttpHeaders): http.IncomingMessage {
  const stream = new PassThrough() as unknown as http.IncomingMessage & PassThrough;
  stream.method = entry.m;
  stream.url = entry.u;
  stream.headers = { ...original, ...entry.h };
  (stream as unknown as PassThrough).end(Buffer.from(entry.b, 'utf8'));
  return stream;
}

/** Calls the server's own handler in-process, without a socket. */
export function callHandler(
  handler: RequestHandler,
  entry: JournalEntry,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
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
    handler(fakeRequest(entry, { host: '127.0.0.1' }), res as unknown as http.ServerResponse);
  });
}
