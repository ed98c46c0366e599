import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { startApp, type RunningApp } from '../../src/app';
import { removeDir, tempDir } from '../helpers/tmp';
import { assertIsolatedNetwork, botMessages, launchBrowser, openChat, screenshot, startPlayground, type } from './playground';

const BOT_PORT = 3978;

describe('in the Agents Playground (a Teams-like client)', () => {
  let app: RunningApp;
  let playground: Awaited<ReturnType<typeof startPlayground>>;
  let browser: Browser;
  let page: Page;
  const dataDir = tempDir();

  beforeAll(async () => {
    assertIsolatedNetwork();
    app = await startApp(loadConfig({ PORT: String(BOT_PORT), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }), createLogger('warn'), { host: '127.0.0.1' });
    playground = await startPlayground(BOT_PORT);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await playground?.stop();
    await app?.close();
    removeDir(dataDir);
  });

  it('shows the welcome card when the chat opens', async () => {
    await openChat(page);
    const welcome = botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: 'Welcome to Safeguarding support' });
    await welcome.first().waitFor({ timeout: 15000 });
    await expect(welcome.first().getByRole('button', { name: "I'm worried about someone" }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'welcome');
  });

  it('answers help with the menu', async () => {
    await type(page, 'help');
    const menu = botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: 'How I can help' });
    await menu.first().waitFor({ timeout: 15000 });
    await expect(menu.first().getByText('call 999', { exact: false }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'help');
  });

  it('opens a job from a menu button', async () => {
    const menu = botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: 'How I can help' }).last();
    await menu.getByRole('button', { name: 'My training' }).click();
    await botMessages(page).getByText(/My training is coming soon/).first().waitFor({ timeout: 15000 });
    await screenshot(page, 'menu-button');
  });
});
