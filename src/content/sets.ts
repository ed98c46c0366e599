import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logging/logger';
import type { ContentChange, ContentStore } from './store';

/**
 * The other content sets (the briefing library, the training rules, the self-assessment
 * questionnaires and practices) versioned in the same store as the referral content. A version's
 * body is the set's files as JSON, by their path under content/: at the first start the files are
 * version 1; after that the approved version is what the bot uses. Each instance checks the set's
 * live version every few seconds (one point read) and loads a new one without a restart.
 *
 * Validation is the capability's own loader, unchanged: the body is written to a private temporary
 * folder in the shape of content/ and read back exactly as at start-up, so a bad file is refused
 * with the same file, path and reason. The capability keeps the object it was given at start; a
 * new version is copied into that same object (`apply`), so its code reads the new content at
 * its next use without knowing where it came from.
 */
export interface SetFile {
  /** Under content/, e.g. `training/rules.json`. */
  path: string;
  json: unknown;
}

export interface FileSetDefinition<T> {
  set: string;
  /** "the briefing library": for messages and cards. */
  label: string;
  /** The files of the set, under content/. */
  files(contentDir: string): string[];
  /** Reads the set from a folder shaped like content/ with the capability's own loader; throws on any problem. */
  load(contentDir: string): T;
  /** Copies a new version into the object the capability holds. */
  apply(value: T): void;
  /** Where a file sent in the chat goes in this set (a path under content/), or undefined if it is not one of this set's files. */
  place(name: string, json: unknown, current: SetFile[]): string | undefined;
}

export class SetContentError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SetContentError';
  }
}

const SAFE_PATH = /^[a-z0-9-]+(\/[a-z0-9-]+)*\.json$/;

export class LiveFileSet<T> {
  private version = 0;
  private timer?: NodeJS.Timeout;
  private files: SetFile[] = [];

  constructor(
    readonly def: FileSetDefinition<T>,
    private readonly store: ContentStore,
    private readonly contentDir: string,
    private readonly log: Logger,
  ) {}

  get set(): string {
    return this.def.set;
  }

  get currentVersion(): number {
    return this.version;
  }

  /** The live version's files. */
  get current(): SetFile[] {
    return this.files;
  }

  /** Validates a body by the capability's loader; throws SetContentError naming `content/<file>` and the reason. */
  parse(files: SetFile[]): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `content-${this.def.set}-`));
    try {
      for (const f of files) {
        if (!SAFE_PATH.test(f.path)) throw new SetContentError([`${f.path}: not a content file name`]);
        fs.mkdirSync(path.join(dir, path.dirname(f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), JSON.stringify(f.json, null, 2));
      }
      try {
        return this.def.load(dir);
      } catch (err) {
        const message = (err as Error).message.split(dir).join('content');
        const listed = message.split('\n').filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, ''));
        const problems = (err as { problems?: unknown }).problems;
        throw new SetContentError(Array.isArray(problems) ? problems.map((p) => String(p).split(dir).join('content')) : listed.length ? listed : [message]);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async start(now: Date, intervalMs = 5000): Promise<void> {
    const seed: SetFile[] = this.def.files(this.contentDir).map((p) => ({ path: p, json: JSON.parse(fs.readFileSync(path.join(this.contentDir, p), 'utf8')) as unknown }));
    if ((await this.store.seed(this.def.set, { files: seed }, now)) === 'seeded') this.log.info({ set: this.def.set, version: 1 }, 'content: the files are the first version');
    await this.refresh();
    if (intervalMs > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((err: unknown) => this.log.warn({ set: this.def.set, err: { message: (err as Error).message } }, 'content: could not check for a new version'));
      }, intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Loads the live version if it changed; a stored version that is not valid is logged and not used. */
  async refresh(): Promise<number> {
    const live = await this.store.currentVersion(this.def.set);
    if (live === undefined || live === this.version) return this.version;
    const doc = await this.store.version(this.def.set, live);
    if (!doc) return this.version;
    const files = (doc.body as { files?: SetFile[] }).files ?? [];
    try {
      // Always, even version 1 at start: the files may have changed since they became version 1.
      this.def.apply(this.parse(files));
      this.version = live;
      this.files = files;
      this.log.info({ set: this.def.set, version: live }, 'content: now using version');
    } catch (err) {
      this.log.error({ set: this.def.set, version: live, err: { message: (err as Error).message } }, 'content: stored version is not valid; still using the previous one');
    }
    return this.version;
  }
}

/** What differs between two JSON values, leaf by leaf, in words: "training/rules.json: complianceTarget: 0.9 → 0.85". */
export function jsonChanges(file: string, before: unknown, after: unknown, limit = 30): ContentChange[] {
  const out: ContentChange[] = [];
  const show = (v: unknown) => {
    if (v === undefined) return '(none)';
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s.length > 100 ? `${s.slice(0, 97)}…` : s;
  };
  const walk = (a: unknown, b: unknown, where: string): void => {
    if (out.length >= limit) return;
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const isObj = (v: unknown) => v !== null && typeof v === 'object';
    if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a) ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()].map(String) : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])];
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${where}[${k}]` : where ? `${where}.${k}` : k);
      return;
    }
    out.push({ text: `${file}: ${where || '(whole file)'}: ${show(a)} → ${show(b)}` });
  };
  walk(before, after, '');
  return out;
}
