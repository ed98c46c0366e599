import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh DATA_DIR for one test, removed afterwards by the caller. */
export function tempDir(prefix = 'sg-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
