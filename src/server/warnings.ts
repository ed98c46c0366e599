import { writeJsonLine } from '../logging/jsonLine';

/**
 * Node's process warnings (a deprecation, MaxListenersExceeded, an experimental feature) as JSON
 * lines in the log stream, instead of Node's plain-text `(node:123) [DEP0…] DeprecationWarning: …`
 * on stderr, which is not JSON. Nothing is silenced: every warning is still written, with its name,
 * code and message. Imported first by main.ts, so a warning raised while modules load is caught too.
 */
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  writeJsonLine(
    40,
    { warning: { name: warning.name, ...(warning.code ? { code: warning.code } : {}) } },
    `node warning: ${warning.message}`,
  );
});

export {};
