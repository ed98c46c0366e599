import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type Request, type Response } from 'botbuilder';
import '../src/server/nodeCompat'; // before restify, as the bot does: restify loads on Node 22 and later
import restify from 'restify';

/**
 * The yardstick for `npm run bench:turns`: a bare botbuilder CloudAdapter echo bot on restify, with
 * anonymous access as the bot has locally, answering every message with its own text. Run as its
 * own process (the benchmark forks it) so its CPU is measured alone. The only file outside
 * src/bot/ allowed to import botbuilder (eslint.config.mjs says so).
 */
async function main(): Promise<void> {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const server = restify.createServer({ name: 'echo-bot', handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ maxBodySize: 1024 * 1024, mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req as unknown as Request, res as unknown as Response, async (context) => {
      if (context.activity.type === 'message') await context.sendActivity(`echo: ${context.activity.text ?? ''}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  process.send?.({ url: `http://127.0.0.1:${server.address().port}` });
  // The benchmark that forked this process is gone (stopped or killed): so is this one.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
