import type { Browser } from 'playwright-core';
import { playgroundConfig } from '../../scripts/playground';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { startApp, type RunningApp } from '../../src/app';
import { loadDemo, persona, type Persona } from '../../src/demo';
import { removeDir, tempDir } from '../helpers/tmp';
import {
  assertIsolatedNetwork,
  botMessages,
  launchBrowser,
  openChat,
  screenshot,
  startPlayground,
  type,
} from './playground';

const BOT_PORT = 3979;

/** Each persona as `npm run playground -- --as <persona>` signs in: the welcome card and help show what they can do. */
describe('each role in the Agents Playground, on the demo organisation', () => {
  let app: RunningApp;
  let browser: Browser;
  const dataDir = tempDir();

  beforeAll(async () => {
    assertIsolatedNetwork();
    app = await startApp(
      loadConfig({ PORT: String(BOT_PORT), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
      createLogger('warn'),
      { host: '127.0.0.1' },
    );
    await loadDemo(app);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    removeDir(dataDir);
  });

  const cases: [Persona, string[], string][] = [
    ['staff', ["I'm worried about someone", 'My training', '7-minute briefings'], 'my training'],
    ['manager', ['Team compliance'], 'team compliance'],
    ['practice-lead', ['Practice self-assessment'], 'self-assessment'],
    ['lead', ['Self-assessment status', 'Team compliance', 'New briefing'], 'organisation compliance'],
  ];

  it.each(cases)(
    'as the demo %s: the welcome card offers their own commands, at phone width too',
    async (who, buttons, command) => {
      const playground = await startPlayground(BOT_PORT, { configYaml: playgroundConfig(who) });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await openChat(page);
        const welcome = botMessages(page)
          .locator('.ac-adaptiveCard')
          .filter({ hasText: 'Welcome to Safeguarding support' })
          .last();
        await welcome.waitFor({ timeout: 15000 });
        for (const b of buttons) await expect(welcome.getByRole('button', { name: b }).isVisible()).resolves.toBe(true);
        if (who === 'staff')
          await expect(welcome.getByRole('button', { name: 'Practice self-assessment' }).count()).resolves.toBe(0);
        await page.setViewportSize({ width: 360, height: 800 });
        await welcome.scrollIntoViewIfNeeded();
        await screenshot(page, `role-${who}-welcome-360`);
        await page.setViewportSize({ width: 1280, height: 900 });
        await type(page, 'help');
        const help = botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: 'How I can help' }).last();
        await help.waitFor({ timeout: 15000 });
        await expect(
          help
            .getByText(new RegExp(`^${command}(\\s\\[|$)`))
            .first()
            .isVisible(),
        ).resolves.toBe(true);
        if (who !== 'lead')
          await expect(help.getByText('organisation compliance', { exact: true }).count()).resolves.toBe(0);
        expect(persona(who).aadObjectId).toMatch(/^[0-9a-f]{8}-/);
        await page.close();
      } finally {
        await playground.stop();
      }
    },
  );
});
