import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { LoopbackConnector } from './connector';
import { removeDir, tempDir } from './tmp';

/** The real entry point (`npm start` runs the same file) as a separate process. */
export const MAIN = path.join(__dirname, '..', '..', 'dist', 'src', 'server', 'main.js');

export interface BotProcess {
  child: ChildProcess;
  /** Resolves once the bot listens; then `port()` is the port it got. */
  ready: Promise<void>;
  port(): number;
  output: () => string;
  /** Sends the signal and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `npm start`'s entry point; port 0 (the default) lets the system choose a free port. */
export function startBotProcess(dataDir: string, port = 0, env: Record<string, string> = {}): BotProcess {
  let listening = 0;
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', ...env },
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start: ${out}`)), 20000);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('safeguarding bot listening'));
      if (line) {
        listening = Number(/localhost:(\d+)/.exec(line)?.[1] ?? port);
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`bot exited: ${out}`));
    });
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    port: () => listening,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * For a describe block that runs the bot as a process: a fresh loopback connector and data folder
 * for each test, read through the returned object once the test runs.
 */
export function processFixture(): { connector: LoopbackConnector; dir: string } {
  const fixture = {} as { connector: LoopbackConnector; dir: string };
  beforeEach(async () => {
    fixture.connector = new LoopbackConnector();
    await fixture.connector.start();
    fixture.dir = tempDir();
  });
  afterEach(async () => {
    await fixture.connector.stop();
    removeDir(fixture.dir);
  });
  return fixture;
}
