import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/**
 * Helpers for driving the Microsoft 365 Agents Playground in headless Chromium. They refuse to
 * run outside the private network namespace that scripts/e2e.sh creates.
 */
export function assertIsolatedNetwork(): void {
  // /proc/net/dev lists the interfaces of this process's own network namespace.
  const interfaces = fs
    .readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter((n) => n && n !== 'lo');
  if (interfaces.length > 0 || process.env.SG_E2E_NETNS !== '1') {
    throw new Error('The Playground journeys must run in a private network namespace: use `npm run test:e2e`.');
  }
}

export const PLAYGROUND_PORT = 56150;
export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

/** `configYaml`: the Playground's configuration file (who the user is), as `npm run playground` writes it. */
export async function startPlayground(
  botPort: number,
  opts: { configYaml?: string } = {},
): Promise<{ child: ChildProcess; log: () => string; stop: () => Promise<void> }> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'playground-'));
  const configEnv: Record<string, string> = {};
  if (opts.configYaml) {
    configEnv.M365_AGENTS_PLAYGROUND_CONFIG_PATH = path.join(cwd, 'm365agentsplayground.yml');
    fs.writeFileSync(configEnv.M365_AGENTS_PLAYGROUND_CONFIG_PATH, opts.configYaml);
  }
  const cli = require.resolve('@microsoft/m365agentsplayground/cli.js');
  const child = spawn(
    process.execPath,
    [
      cli,
      'start',
      '-e',
      `http://127.0.0.1:${botPort}/api/messages`,
      '-c',
      'msteams',
      '--dt',
      '-p',
      String(PLAYGROUND_PORT),
    ],
    {
      cwd,
      env: { ...process.env, BROWSER: 'none', ...configEnv },
    },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The Playground exited (${child.exitCode}): ${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${PLAYGROUND_PORT}/`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`The Playground did not answer within 30 s: ${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    log: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      fs.rmSync(cwd, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The chat's messages from the bot (not the sidebar preview, which repeats the last one). */
export function botMessages(page: Page): Locator {
  return page.locator('div:has(> [aria-label="Message header"] [aria-label="Message author"])');
}

export async function openChat(page: Page): Promise<void> {
  await page.goto(`http://127.0.0.1:${PLAYGROUND_PORT}/`);
  await page.locator('[data-lexical-editor="true"][role="textbox"]').waitFor({ state: 'visible', timeout: 30000 });
}

export async function type(page: Page, text: string): Promise<void> {
  const box = page.locator('[data-lexical-editor="true"][role="textbox"]');
  await box.click();
  await box.fill(text);
  await page.keyboard.press('Enter');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
