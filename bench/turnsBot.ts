import fs from 'node:fs';
import inspector from 'node:inspector';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logging/logger';
import { importStaff } from '../src/people/staffImport';
import { importTraining } from '../src/training/importTraining';
import { giveBackStartupMemory } from '../src/server/startupMemory';

/**
 * The bot for `npm run bench:turns`, in its own process (forked with the same V8 flag as
 * `npm start`) so that its CPU is measured alone. Timers run as they do under `npm start`.
 * Messages from the benchmark: `{ import: { staff, training } }` imports those CSV files through
 * the same code as the command line and answers with the counts; `{ profile: 'start' }` starts
 * a CPU profile of this process and `{ profile: 'stop', file }` writes it (BENCH_PROFILE_DIR);
 * `{ memory: true }` answers with `process.memoryUsage()` (the start-up benchmark's heap figures).
 */
async function main(): Promise<void> {
  const dataDir = process.env.DATA_DIR;
  if (!dataDir) throw new Error('DATA_DIR is required');
  const config = loadConfig({
    PORT: process.env.BENCH_PORT ?? '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  });
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn');
  const app = await startApp(config, log, {
    host: '127.0.0.1',
    attachToStore: process.env.ATTACH_TO_STORE === '1',
  });
  // As main.ts does for `npm start`.
  const memory = giveBackStartupMemory({ settled: app.store.settled(), log });
  let session: inspector.Session | undefined;
  process.on(
    'message',
    (m: { import?: { staff: string; training: string }; profile?: 'start' | 'stop'; file?: string; memory?: true }) => {
      if (m.memory) {
        process.send?.({ memory: process.memoryUsage() });
        return;
      }
      if (m.profile === 'start') {
        session = new inspector.Session();
        session.connect();
        session.post('Profiler.enable', () =>
          session!.post('Profiler.start', () => process.send?.({ profiling: true })),
        );
        return;
      }
      if (m.profile === 'stop' && session) {
        session.post('Profiler.stop', (err, result) => {
          if (!err && m.file) fs.writeFileSync(m.file, JSON.stringify(result.profile));
          session?.disconnect();
          session = undefined;
          process.send?.({ profiled: m.file });
        });
        return;
      }
      if (!m.import) return;
      const files = m.import;
      void (async () => {
        const staff = await importStaff(app.directory, fs.readFileSync(files.staff, 'utf8'), {
          staffGroups: app.trainingRules.staffGroups.map((g) => g.id),
        });
        const training = await importTraining(
          app.training.store,
          app.directory,
          app.trainingRules,
          fs.readFileSync(files.training, 'utf8'),
          new Date(),
        );
        process.send?.({
          imported: { staff: staff.added + staff.updated, staffFailed: staff.failed.length, training: training.added },
        });
      })().catch((err: unknown) => process.send?.({ error: (err as Error).stack }));
    },
  );
  process.send?.({ url: app.url });
  // The benchmark that forked this process is gone (stopped or killed): so is this one.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => {
    memory.stop();
    void app.close().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
