import restify from 'restify';
import type { Bot } from '../bot';
import type { Logger } from '../logging/logger';
import type { Store } from '../storage/store';

/** The HTTP surface: the Bot Framework messaging endpoint and a health check. */
export function createHttpServer(deps: { bot: Bot; store: Store; log: Logger }): restify.Server {
  const { bot, store, log } = deps;
  const server = restify.createServer({ name: 'safeguarding-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));

  server.post('/api/messages', async (req, res) => {
    try {
      await bot.process(req as never, res as never);
    } catch (err) {
      // The adapter answers 401/400 itself; anything reaching here is ours.
      log.error({ err: { message: (err as Error).message } }, 'messages endpoint failed');
      if (!res.headersSent) res.send(500, { error: 'internal error' });
    }
  });

  server.get('/healthz', async (_req, res) => {
    const storage = await store.ping();
    res.send(storage.ok ? 200 : 503, { status: storage.ok ? 'ok' : 'unavailable', storage: { mode: store.mode, ...storage } });
  });

  return server;
}
