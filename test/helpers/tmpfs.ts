import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * A small tmpfs mounted on `dir` in a private mount namespace: a real disk that really fills up,
 * seen by the processes started in that namespace (`enter`) and by this one through
 * `/proc/<pid>/root` (`path`), and gone with the namespace. It needs root (CI runs as root);
 * `unavailable()` says why it cannot be had, so a test can say so instead of passing quietly.
 */
export interface PrivateTmpfs {
  /** The mount point, as processes inside the namespace see it. */
  dir: string;
  /** The same folder as this process sees it. */
  path: string;
  /** Prefix for a command to run it inside the namespace. */
  enter: string[];
  close(): Promise<void>;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Why a private tmpfs cannot be mounted here, or undefined when it can. */
export function tmpfsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'not running as root: mounting a tmpfs in a private mount namespace needs root (CI runs as root)';
  for (const command of ['unshare', 'nsenter', 'mount'])
    if (!has(command)) return `${command} is not installed (util-linux, mount)`;
  const probe = spawnSync(
    'unshare',
    ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status !== 0)
    return `unshare -m / mount -t tmpfs was refused: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n')[0]}`;
  return undefined;
}

/** Mounts a tmpfs of `size` (for example `1m`) on the existing folder `dir` in a new mount namespace. */
export async function privateTmpfs(dir: string, size: string): Promise<PrivateTmpfs> {
  // The holder keeps the namespace (and so the tmpfs) alive; processes join it with nsenter.
  const holder: ChildProcess = spawn(
    'unshare',
    ['-m', 'sh', '-c', 'mount -t tmpfs -o "size=$2" tmpfs "$1" && echo mounted && exec sleep 3600', 'sh', dir, size],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let said = '';
  holder.stdout!.on('data', (c: Buffer) => (said += c.toString()));
  holder.stderr!.on('data', (c: Buffer) => (said += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tmpfs not mounted: ${said}`)), 10_000);
    holder.stdout!.on('data', () => {
      if (said.includes('mounted')) {
        clearTimeout(timer);
        resolve();
      }
    });
    holder.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tmpfs not mounted (exit ${code}): ${said}`));
    });
  });
  const pid = holder.pid!;
  const seen = `/proc/${pid}/root${dir}`;
  if (fs.statfsSync(seen).blocks * fs.statfsSync(seen).bsize > 64 * 1024 * 1024)
    throw new Error(`${seen} is not the small tmpfs`);
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  return {
    dir,
    path: seen,
    enter: ['nsenter', '-t', String(pid), '-m', '--'],
    async close() {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGTERM');
      await exited;
    },
  };
}
