import http from 'node:http';

/**
 * A loopback stand-in for the Bot Framework connector (the activity's serviceUrl): it records
 * every activity the bot sends and answers like the real service. A test can make the next
 * sends fail with a chosen status.
 */
export interface SentActivity {
  conversationId: string;
  replyToId?: string;
  activity: {
    type: string;
    text?: string;
    summary?: string;
    attachments?: { contentType: string; content: Record<string, unknown> }[];
    [key: string]: unknown;
  };
}

/** Teams refuses a message (text, cards and all) over about 100 KB. */
export const MAX_ACTIVITY_BYTES = 100 * 1024;

export interface InjectedFailure {
  status: number;
  headers?: Record<string, string>;
}

export class LoopbackConnector {
  readonly sent: SentActivity[] = [];
  /** Activities the bot replaced (PUT), e.g. progress cards. */
  readonly updated: SentActivity[] = [];
  /** 1:1 conversations the bot (re-)created. */
  readonly created: { id: string; body: Record<string, unknown> }[] = [];
  /** Activities refused for being over Teams' size limit (413). */
  tooLarge = 0;
  private server?: http.Server;
  private failures: InjectedFailure[] = [];
  private readonly perConversation = new Map<string, InjectedFailure[]>();
  /** Sends into a conversation held open (not answered) until the hook has run, e.g. to press a button meanwhile. */
  private readonly holds = new Map<string, (sent: SentActivity) => Promise<void>>();
  private waiters: { predicate: (a: SentActivity) => boolean; resolve: (a: SentActivity) => void }[] = [];
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'POST' && req.url === '/v3/conversations') {
          const id = `a:recreated-${this.created.length + 1}`;
          this.created.push({ id, body: JSON.parse(body) as Record<string, unknown> });
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id }));
          return;
        }
        const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(req.url ?? '');
        if ((req.method !== 'POST' && req.method !== 'PUT') || !match) {
          res.writeHead(404);
          res.end();
          return;
        }
        const conversationId = decodeURIComponent(match[1]!);
        if (Buffer.byteLength(body, 'utf8') > MAX_ACTIVITY_BYTES) {
          // As Teams does: a message over its size limit is refused, not delivered.
          this.tooLarge++;
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'MessageSizeTooBig', message: 'Message size too large' } }));
          return;
        }
        const failure = this.perConversation.get(conversationId)?.shift() ?? this.failures.shift();
        if (failure) {
          res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
          res.end(JSON.stringify({ error: { code: 'Injected', message: 'injected failure' } }));
          return;
        }
        const activity = JSON.parse(body) as SentActivity['activity'];
        const entry: SentActivity = { conversationId, replyToId: match[2], activity };
        const hold = req.method === 'POST' ? this.holds.get(conversationId) : undefined;
        if (hold) {
          this.holds.delete(conversationId);
          void hold(entry).finally(() => this.answer(req.method!, entry, res));
          return;
        }
        this.answer(req.method!, entry, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/`;
  }

  private answer(method: string, entry: SentActivity, res: http.ServerResponse): void {
    if (method === 'PUT') {
      this.updated.push(entry);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: entry.replyToId }));
      return;
    }
    this.sent.push(entry);
    res.writeHead(200, { 'content-type': 'application/json' });
    // Teams message ids are millisecond timestamps; read receipts compare them as numbers.
    res.end(JSON.stringify({ id: String(1_700_000_000_000 + this.sent.length) }));
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(entry)) return true;
      w.resolve(entry);
      return false;
    });
  }

  /** The next message into this conversation is answered only after `hook` has run (Teams was slow to say it arrived). */
  holdNext(conversationId: string, hook: (sent: SentActivity) => Promise<void>): void {
    this.holds.set(conversationId, hook);
  }

  /** The next `count` sends answer with `status`. */
  failNext(status: number, count = 1, headers?: Record<string, string>): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers });
  }

  /** The next sends into one conversation answer with these failures, in order. */
  failConversation(conversationId: string, ...failures: InjectedFailure[]): void {
    this.perConversation.set(conversationId, [...(this.perConversation.get(conversationId) ?? []), ...failures]);
  }

  /** Resolves with the first activity (already sent or still to come) that matches. */
  waitFor(predicate: (a: SentActivity) => boolean, timeoutMs = 5000): Promise<SentActivity> {
    const found = this.sent.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `No matching activity within ${timeoutMs} ms; sent: ${JSON.stringify(this.sent.map((s) => s.activity.text ?? s.activity.type))}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
    });
  }

  clear(): void {
    this.sent.length = 0;
    this.updated.length = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The Adaptive Card content of a sent activity, if it carries one. */
export function cardOf(a: SentActivity): Record<string, unknown> | undefined {
  return a.activity.attachments?.find((x) => x.contentType === 'application/vnd.microsoft.card.adaptive')?.content;
}

/** All the text a person would read on a card (TextBlocks, facts, button titles). */
export function cardText(card: Record<string, unknown> | undefined): string {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      for (const key of ['text', 'title', 'value']) if (typeof o[key] === 'string') out.push(o[key] as string);
      for (const v of Object.values(o)) if (typeof v === 'object') walk(v);
    }
  };
  walk(card);
  return out.join('\n');
}
