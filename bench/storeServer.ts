import { EmbeddedCosmos } from '../src/storage/embedded';

/**
 * The embedded Cosmos-compatible store on its own, in its own process, standing in for Azure
 * Cosmos DB in the broadcast benchmark so that the bot process is measured alone (in production
 * the database is a separate service). The bot attaches to it through DATA_DIR's LOCK file, as the
 * import command attaches to a running bot.
 */
async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('DATA_DIR is required');
  const store = await EmbeddedCosmos.start({ dataDir, port: Number(process.env.STORE_PORT ?? 0) });
  process.send?.({ endpoint: store.endpoint });
  // The benchmark that forked this process is gone (stopped or killed): so is this one.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => {
    void store.close().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
