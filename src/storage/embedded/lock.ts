import fs from 'node:fs';

/** Who has the store open: the LOCK file in DATA_DIR. */
export interface LockInfo {
  pid: number;
  endpoint?: string;
  key?: string;
  startedAt: string;
}

export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      `The local data store in ${dataDir} is already open in another process (pid ${holder.pid}). ` +
        'Only one process may open it at a time: stop the other process (for example the running bot), ' +
        'or point this one at a different DATA_DIR.',
    );
    this.name = 'StoreLockedError';
  }
}

/** Creates the LOCK file, taking over one left by a process that died; a live holder is a StoreLockedError. */
export function takeLock(lockPath: string, dataDir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() } satisfies LockInfo));
      fs.closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const info = readLock(lockPath);
      if (info && isAlive(info.pid) && info.pid !== process.pid) throw new StoreLockedError(dataDir, info);
      // Left behind by a process that died (for example kill -9): take it over.
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`Could not take the lock on ${lockPath}`);
}

/** Replaces the LOCK file's contents in one rename (readers never see it half-written). */
export function writeLockFile(lockPath: string, info: LockInfo): void {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info));
  fs.renameSync(tmp, lockPath);
}

/** Removes the LOCK file if this process holds it. */
export function releaseLock(lockPath: string): void {
  const info = readLock(lockPath);
  if (info?.pid === process.pid) fs.rmSync(lockPath, { force: true });
}

export function readLock(lockPath: string): LockInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
