import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { projectRoot } from '../src/config/paths';
import { processFixture } from './helpers/process';

/**
 * The log stream an operator reads (App Service's *Log stream*, or the Log Analytics table it goes
 * to): the bot started exactly as production starts it, every line of stdout and stderr JSON.
 * npm's banner lines (`> nhs-safeguarding-teams-bot@0.1.0 start`) and Node's plain-text warnings
 * (`(node:123) [DEP0111] DeprecationWarning: …`) are not, and break a JSON log pipeline.
 */

const ROOT = projectRoot();
const bicep = fs.readFileSync(path.join(ROOT, 'infra', 'main.bicep'), 'utf8');
const appCommandLine = /appCommandLine:\s*'([^']+)'/.exec(bicep)?.[1];
const startScript = (
  JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts.start;

/** Runs `command` (a `node …` line) from the repository root until SIGTERM; returns what it wrote. */
async function run(
  command: string,
  dataDir: string,
  serviceUrl: string,
  env: Record<string, string> = {},
): Promise<{ lines: string[]; code: number | null }> {
  const [node, ...args] = command.split(/\s+/);
  expect(node).toBe('node');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!/localhost:(\d+)\/api\/messages/.test(out) && Date.now() < deadline && child.exitCode === null)
    await new Promise((r) => setTimeout(r, 100));
  const port = Number(/localhost:(\d+)\/api\/messages/.exec(out)?.[1]);
  expect(port).toBeGreaterThan(0);
  const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      text: 'help',
      id: randomUUID(),
      channelId: 'msteams',
      serviceUrl,
      from: { id: '29:u', aadObjectId: 'ffffffff-0000-4000-8000-000000000006' },
      recipient: { id: '28:bot' },
      conversation: { id: 'a:personal-log', conversationType: 'personal' },
    }),
  });
  expect(res.status).toBe(200);
  child.kill('SIGTERM');
  const code = await exited;
  return { lines: out.split('\n').filter((l) => l.trim()), code };
}

const notJson = (lines: string[]) =>
  lines.filter((l) => {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      return typeof o.level !== 'number' || typeof o.time !== 'string' || typeof o.msg !== 'string';
    } catch {
      return true;
    }
  });

describe('the log stream', () => {
  const fx = processFixture();

  it('production starts the bot with node itself, the same command as npm start, not through npm', () => {
    expect(appCommandLine).toMatch(/^node .*dist\/src\/server\/main\.js$/);
    expect(startScript).toBe(appCommandLine);
  });

  it('is JSON lines only, from start to stop, when started as App Service starts it: no npm banner, no DEP0111', async () => {
    const { lines, code } = await run(appCommandLine!, fx.dir, fx.connector.url);
    expect(code).toBe(0);
    expect(notJson(lines)).toEqual([]);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['started', 'safeguarding bot listening', 'turn', 'stopping']),
    );
    // restify loads spdy, whose http-deceiver asks for process.binding('http_parser'): src/server/nodeCompat.ts answers it, so Node has nothing to warn of.
    expect(parsed.filter((l) => l.warning)).toEqual([]);
  });

  it('says a Node warning as a JSON line, with its code, instead of plain text on stderr', async () => {
    // A warning raised once the bot has loaded, as a library's deprecation would be.
    const preload = path.join(fx.dir, 'warn.js');
    fs.writeFileSync(
      preload,
      "setTimeout(() => process.emitWarning('something old was used', 'DeprecationWarning', 'DEP0999'), 0);\n",
    );
    const { lines } = await run(appCommandLine!, path.join(fx.dir, 'data'), fx.connector.url, {
      NODE_OPTIONS: `--require ${preload}`,
    });
    expect(notJson(lines)).toEqual([]);
    const warnings = lines
      .map((l) => JSON.parse(l) as { level: number; warning?: { name: string; code?: string }; msg: string })
      .filter((l) => l.warning);
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 40,
        warning: { name: 'DeprecationWarning', code: 'DEP0999' },
        msg: 'node warning: something old was used',
      }),
    ]);
  });
});
