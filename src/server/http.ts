import './nodeCompat'; // before restify: see the file
import restify from 'restify';
import type { Bot } from '../bot';
import type { Logger } from '../logging/logger';
import type { ExportLinks } from '../exports';
import type { Store } from '../storage/store';

/** The HTTP surface: the Bot Framework messaging endpoint and a health check. */
export function createHttpServer(deps: { bot: Bot; store: Store; log: Logger; exports?: ExportLinks }): restify.Server {
  const { bot, store, log, exports } = deps;
  const server = restify.createServer({ name: 'safeguarding-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));
  // Restify's own refusals (a body that is not JSON, or too large) carry the parser's message, which
  // quotes the body: answer with a short body of our own and log one line, never the content.
  server.on(
    'restifyError',
    (
      req: restify.Request,
      _res: restify.Response,
      err: Error & { statusCode?: number; toJSON?: () => unknown },
      callback: () => void,
    ) => {
      const status = err.statusCode ?? 500;
      log.warn(
        { status, path: req.path?.(), problem: err.name },
        status < 500 ? 'messages request refused' : 'request failed',
      );
      const message =
        status === 413
          ? 'The request is too large.'
          : status < 500
            ? 'The request body is not valid JSON.'
            : 'internal error';
      err.toJSON = () => ({ error: message });
      callback();
    },
  );

  server.post('/api/messages', async (req, res) => {
    try {
      await bot.process(req as never, res as never);
    } catch (err) {
      // The bot answers 400/401 itself; anything reaching here is ours: one line, no stack, no detail to the caller.
      log.error(
        { err: { name: (err as Error).name, message: String((err as Error).message).slice(0, 300) } },
        'messages endpoint failed',
      );
      if (!res.headersSent) res.send(500, { error: 'internal error' });
    }
  });

  server.get('/healthz', async (_req, res) => {
    const storage = await store.ping();
    res.send(storage.ok ? 200 : 503, {
      status: storage.ok ? 'ok' : 'unavailable',
      storage: { mode: store.mode, ...storage },
    });
  });

  // Signed, short-lived CSV downloads (src/exports). Anything not valid now is a plain 404.
  // The token goes in the query string: the router caps path parameters at 100 characters.
  server.get('/exports', async (req, res) => {
    const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? '';
    const file = exports && token.length < 2000 ? await exports.resolve(token).catch(() => undefined) : undefined;
    if (!file) {
      res.send(404, { error: 'This download link is not valid or has expired. Ask the bot for a new one.' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${file.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      'cache-control': 'no-store',
    });
    res.end(file.csv);
  });

  return server;
}
