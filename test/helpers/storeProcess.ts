import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The embedded store in its own process (as Cosmos DB would be), so a test can freeze or stop it. */
export const STORE_SERVER = path.join(__dirname, '..', '..', 'dist', 'bench', 'storeServer.js');

export interface StoreProcess {
  child: ChildProcess;
  endpoint: string;
  /** SIGCONT and SIGTERM if it is still running; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the store on DATA_DIR `dir` (on `port`, to restart it where attached clients will find it).
 * `prefix` runs it through another command that ends by running node, for example
 * `['nsenter', '-t', pid, '-m', '--']` to start it in another process's mount namespace.
 */
export async function startStoreProcess(dir: string, port = 0, prefix: string[] = []): Promise<StoreProcess> {
  const env = { PATH: process.env.PATH, DATA_DIR: dir, STORE_PORT: String(port) };
  const stdio: ('ignore' | 'inherit' | 'ipc')[] = ['ignore', 'ignore', 'inherit', 'ipc'];
  const child = prefix.length
    ? spawn(prefix[0]!, [...prefix.slice(1), process.execPath, STORE_SERVER], { env, stdio })
    : fork(STORE_SERVER, [], { env, stdio });
  const { endpoint } = await new Promise<{ endpoint: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { endpoint: string }));
    child.once('exit', (code) => reject(new Error(`store process exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  return {
    child,
    endpoint,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
