import 'dotenv/config';
import { ConfigError, loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { startApp } from '../src/app';
import { assertDemoAllowed, DemoRefusedError, loadDemo, PERSONAS, persona } from '../src/demo';
import { StoreLockedError } from '../src/storage/embedded';

/**
 * `npm run demo`: loads the demo organisation (content/demo/) into the local embedded store in
 * DATA_DIR (default ./.data). Refuses when NODE_ENV=production or COSMOS_ENDPOINT is set. If the bot
 * is running on the same DATA_DIR, it loads through the bot's store.
 */
export async function runDemo(
  env: NodeJS.ProcessEnv = process.env,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<void> {
  assertDemoAllowed(env);
  const config = loadConfig({ ...env, PORT: '0' });
  const app = await startApp(config, createLogger('warn'), {
    host: '127.0.0.1',
    reminderIntervalMs: 0,
    briefingIntervalMs: 0,
    attachToStore: true,
  });
  try {
    const r = await loadDemo(app);
    out(
      `Demo organisation loaded into ${app.store.mode === 'attached' ? 'the running bot' : config.dataDir}:\n` +
        `  staff: ${r.staff}\n  training records added for ${r.trainingPeople} people\n  sent briefing: ${r.briefing}\n  self-assessments: ${r.assessment}\n` +
        `Try it as someone: npm run playground -- --as ${PERSONAS.join('|')}\n` +
        PERSONAS.map((p) => {
          const who = persona(p);
          return `  ${p.padEnd(13)} ${who.name} (${who.team}), Entra id ${who.aadObjectId}\n`;
        }).join(''),
    );
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  runDemo().then(
    () => process.exit(0),
    (err: unknown) => {
      const known = err instanceof DemoRefusedError || err instanceof ConfigError || err instanceof StoreLockedError;
      process.stderr.write(`${known ? '' : 'The demo could not be loaded: '}${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
