import http from 'node:http';

/**
 * A loopback stand-in for the Teams connector that enforces Teams' limits, for the broadcast
 * benchmark. Run as its own process so the bot's memory and CPU are measured alone.
 *
 * - Global: at most RATE accepted messages in any 1-second window (default 50), per conversation
 *   at most 7; over either, 429 with `Retry-After: 1`.
 * - FAULT_RATE of requests (default 5%) fail with 502, 503 or 504 before they reach the limiter,
 *   as a gateway failure would, so they do not count against the rate.
 * - GET /stats: what it accepted, per conversation, to count lost and duplicate messages.
 */
const RATE = Number(process.env.RATE ?? 50);
const PER_CONVERSATION = 7;
const FAULT_RATE = Number(process.env.FAULT_RATE ?? 0.05);
const FAULTS = [502, 503, 504];

const accepted: number[] = [];
const perConversation = new Map<string, number[]>();
const messages = new Map<string, number>();
const stats = { accepted: 0, updates: 0, throttled: 0, faults: 0, firstAt: 0, lastAt: 0 };
let nextId = 1_700_000_000_000;

/** Counts in the last second, using the same window test everywhere: t + 1000 > now. */
function inWindow(times: number[], now: number): number {
  while (times.length && times[0]! + 1000 <= now) times.shift();
  return times.length;
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...stats, rate: RATE, messages: Object.fromEntries(messages) }));
      return;
    }
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
    if (!match || (req.method !== 'POST' && req.method !== 'PUT')) {
      res.writeHead(404);
      res.end();
      return;
    }
    if (Math.random() < FAULT_RATE) {
      stats.faults++;
      res.writeHead(FAULTS[Math.floor(Math.random() * FAULTS.length)]!, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'ServiceError', message: 'injected transient fault' } }));
      return;
    }
    const now = performance.now();
    const conversation = decodeURIComponent(match[1]!);
    const mine = perConversation.get(conversation) ?? [];
    if (inWindow(accepted, now) >= RATE || inWindow(mine, now) >= PER_CONVERSATION) {
      stats.throttled++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'Throttled', message: 'too many requests' } }));
      return;
    }
    accepted.push(now);
    mine.push(now);
    perConversation.set(conversation, mine);
    if (perConversation.size > 5000)
      for (const [k, t] of perConversation) if (inWindow(t, now) === 0) perConversation.delete(k);
    if (req.method === 'PUT') stats.updates++;
    else {
      stats.accepted++;
      messages.set(conversation, (messages.get(conversation) ?? 0) + 1);
      stats.firstAt ||= Date.now();
      stats.lastAt = Date.now();
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: String(nextId++) }));
  });
});

server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as { port: number }).port;
  process.send?.({ port });
  process.stdout.write(`connector listening on ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
