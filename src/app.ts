import type { Server } from 'restify';
import type { Config } from './config';
import { createBot, type Bot } from './bot';
import { createHomeCapability } from './home';
import type { Logger } from './logging/logger';
import { ConversationStore } from './people/conversations';
import { PeopleDirectory } from './people/directory';
import { createHttpServer } from './server/http';
import { openStore, type Store } from './storage/store';

/**
 * The composition root: storage, people, capabilities and the channel, wired once.
 * Used by the real entry point (server/main.ts) and by the HTTP tests alike.
 */
export interface RunningApp {
  server: Server;
  store: Store;
  bot: Bot;
  directory: PeopleDirectory;
  conversations: ConversationStore;
  /** The base URL the server listens on. */
  url: string;
  close(): Promise<void>;
}

export async function startApp(config: Config, log: Logger, opts: { host?: string } = {}): Promise<RunningApp> {
  const store = await openStore(config, { log });
  try {
    const directory = new PeopleDirectory(store, config.safeguardingLeadIds);
    const conversations = new ConversationStore(store);
    const capabilities = [createHomeCapability({ pending: ['referral', 'briefings', 'training', 'assessment'] })];
    const bot = createBot({ config, log, directory, conversations, capabilities });
    const server = createHttpServer({ bot, store, log });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, opts.host ?? '0.0.0.0', () => resolve());
    });
    const address = server.address();
    const url = `http://127.0.0.1:${address.port}`;
    return {
      server,
      store,
      bot,
      directory,
      conversations,
      url,
      async close() {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
