// First: compiled modules are kept for the next start (Node 22.1 and later).
import './compileCache';
// Then: Node's warnings become JSON lines like every other line in the log stream.
import './warnings';
import 'dotenv/config';
// Before anything else loads, so that http and the Azure SDK are instrumented (only with a connection string).
import { flushTelemetry, telemetry } from './telemetry';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logging/logger';
import { StoreLockedError } from '../storage/embedded';
import { startApp } from '../app';
import { ExampleContentError } from '../content/live';
import { giveBackStartupMemory } from './startupMemory';

/** `npm start`: validate configuration, open storage, serve /api/messages. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) =>
    log.error({ err: { message: String((reason as Error)?.message ?? reason) } }, 'unhandled rejection'),
  );

  let app;
  try {
    app = await startApp(config, log);
  } catch (err) {
    if (err instanceof StoreLockedError || err instanceof ExampleContentError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  log.info(
    {
      url: `http://localhost:${new URL(app.url).port}/api/messages`,
      storage: app.store.mode,
      telemetry,
      auth: config.bot.appId ? 'bot-framework' : 'anonymous (local development only)',
    },
    'safeguarding bot listening',
  );

  // Once the store's start-up work is done and the bot is quiet: start-up's garbage goes back to the system.
  const memory = giveBackStartupMemory({ settled: app.store.settled(), log });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    memory.stop();
    await app.close();
    // The last few seconds of requests and log lines are still batched: send them before exiting.
    await flushTelemetry();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`The bot could not start: ${(err as Error).message}\n`);
  process.exit(1);
});
