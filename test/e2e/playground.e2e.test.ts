import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { projectRoot } from '../../src/config/paths';
import { loadReferralContent } from '../../src/referral/content';
import { Understander } from '../../src/referral/understand';
import { containsPatientData } from '../../src/privacy/patientData';
import { EVAL_DIR, loadQuestions } from '../../eval/referralEval';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { startApp, type RunningApp } from '../../src/app';
import { importTraining } from '../../src/training/importTraining';
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

const BOT_PORT = 3978;

describe('in the Agents Playground (a Teams-like client)', () => {
  let app: RunningApp;
  let playground: Awaited<ReturnType<typeof startPlayground>>;
  let browser: Browser;
  let page: Page;
  const dataDir = tempDir();

  beforeAll(async () => {
    assertIsolatedNetwork();
    app = await startApp(
      loadConfig({ PORT: String(BOT_PORT), DATA_DIR: dataDir, LOG_LEVEL: 'warn' }),
      createLogger('warn'),
      { host: '127.0.0.1' },
    );
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
    const welcome = botMessages(page)
      .locator('.ac-adaptiveCard')
      .filter({ hasText: 'Welcome to Safeguarding support' });
    await welcome.first().waitFor({ timeout: 15000 });
    await expect(welcome.first().getByRole('button', { name: "I'm worried about someone" }).isVisible()).resolves.toBe(
      true,
    );
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
    await menu.getByRole('button', { name: '7-minute briefings' }).click();
    const list = botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: 'Recent briefings first' });
    await list.first().waitFor({ timeout: 15000 });
    await expect(list.first().getByText('Safer sleep for babies').isVisible()).resolves.toBe(true);
    await screenshot(page, 'menu-button');
  });

  it('walks "worried about a child" from the welcome card to the MASH number in four taps', async () => {
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    await card('Welcome to Safeguarding support').getByRole('button', { name: "I'm worried about someone" }).click();
    await card('Is anyone in immediate danger?').waitFor({ timeout: 15000 });
    await card('Is anyone in immediate danger?').getByRole('button', { name: 'No one is in immediate danger' }).click();
    await card('Who are you worried about?').waitFor({ timeout: 15000 });
    await card('Who are you worried about?').getByRole('button', { name: 'A child or young person' }).click();
    await card('What is your concern about?').waitFor({ timeout: 15000 });
    await card('What is your concern about?')
      .getByRole('button', { name: 'Worried about a child: abuse or neglect' })
      .click();
    const route = card('Who to call');
    await route.waitFor({ timeout: 15000 });
    await expect(route.getByText('Telephone 01709 336080 (24 hours)').isVisible()).resolves.toBe(true);
    // Open-URL actions render as links: this one dials the MASH.
    const call = route.getByRole('link', { name: 'Call 01709 336080' });
    await expect(call.getAttribute('title')).resolves.toBe('tel:01709336080');
    await route.scrollIntoViewIfNeeded();
    await screenshot(page, 'worried-child-mash');
  });

  it('answers free text that needs a "which of these" card, and one tap opens the route', async () => {
    // A question from the labelled set that the shipped content finds ambiguous (checked with the bot's own
    // understanding, so that a change of content does not break the journey).
    const understander = new Understander(loadReferralContent(path.join(projectRoot(), 'content', 'referral')));
    const question = loadQuestions(path.join(EVAL_DIR, 'questions.json'))
      .map((q) => q.text)
      .find((t) => understander.understand(t).kind === 'choices' && !containsPatientData(t));
    expect(question).toBeDefined();
    const u = understander.understand(question!);
    if (u.kind !== 'choices') return;
    await type(page, question!);
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    const choices = card('Which of these fits best?');
    await choices.waitFor({ timeout: 15000 });
    await expect(choices.getByText('call 999', { exact: false }).first().isVisible()).resolves.toBe(true);
    await expect(choices.getByRole('button', { name: 'None of these' }).isVisible()).resolves.toBe(true);
    await choices.scrollIntoViewIfNeeded();
    await screenshot(page, 'free-text-which-of-these');
    const first = u.routes[0]!;
    await choices.getByRole('button', { name: first.title }).click();
    const route = card(first.summary);
    await route.waitFor({ timeout: 15000 });
    await expect(route.getByText('What to do now').isVisible()).resolves.toBe(true);
  });

  it('answers a child who lives in another council area with that council’s page', async () => {
    await type(page, 'a child I saw today lives in Doncaster and I am worried she is being neglected');
    const card = botMessages(page)
      .locator('.ac-adaptiveCard')
      .filter({ hasText: 'Someone who lives in Doncaster' })
      .last();
    await card.waitFor({ timeout: 15000 });
    await expect(card.getByText('call 999', { exact: false }).first().isVisible()).resolves.toBe(true);
    const link = card.getByRole('link', { name: 'Doncaster: worried about a child' });
    await expect(link.getAttribute('title')).resolves.toMatch(/^https:\/\/.*doncaster/i);
    await expect(card.getByText('as at 25 March 2024', { exact: false }).isVisible()).resolves.toBe(true);
    await expect(card.getByText('01709 336080', { exact: false }).count()).resolves.toBe(0);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'out-of-area-child');
  });

  it('lets a practice lead answer one section of the self-assessment and see the progress card', async () => {
    // Make the Playground's user a practice lead. Its made-up user id is not a real Entra object id
    // (the staff import would rightly refuse it), so the directory entry is written directly.
    const { resources } = await app.store.container('conversations').items.readAll<{ id: string }>().fetchAll();
    const oid = resources[0]!.id;
    await app.store.container('people').items.create({
      id: 'PL1',
      employeeId: 'PL1',
      name: 'Alex Wilber',
      email: 'alex@example.nhs.uk',
      aadObjectId: oid,
      team: 'Riverside',
      staffGroup: 'clinical',
      roles: ['manager', 'practice-lead'],
      practiceCode: 'Y90001',
      importedAt: new Date().toISOString(),
    });
    // A turn finds its person through the Entra id link the staff import keeps.
    await app.directory.relink([{ employeeId: 'PL1', aadObjectId: oid.toLowerCase() }], new Date());
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    await type(page, 'self-assessment');
    await card('0 of 12 sections complete').getByRole('button', { name: 'Start: section 1' }).click();
    const section = card('Section 1 of 12: Leadership');
    await section.waitFor({ timeout: 15000 });
    await screenshot(page, 'assessment-section');
    const answers = section.getByPlaceholder('Choose an answer');
    expect(await answers.count()).toBe(2);
    for (let i = 0; i < 2; i++) {
      await answers.nth(i).click();
      await page.getByRole('option', { name: 'Met', exact: true }).click();
      await section
        .getByRole('textbox', { name: /^Evidence/ })
        .nth(i)
        .fill('Named in the practice safeguarding policy, reviewed 2026');
    }
    await section.getByRole('button', { name: 'Save and see progress' }).click();
    const progress = card('1 of 12 sections complete');
    await progress.waitFor({ timeout: 15000 });
    await expect(progress.getByRole('button', { name: 'Start: section 2' }).isVisible()).resolves.toBe(true);
    await progress.scrollIntoViewIfNeeded();
    await screenshot(page, 'assessment-progress');
  });

  it('shows "my training" and, to a manager, the team compliance card', async () => {
    const today = new Date();
    const monthsAgo = (m: number) => new Date(today.getTime() - m * 30 * 86_400_000).toISOString().slice(0, 10);
    await importTraining(
      app.training.store,
      app.directory,
      app.trainingRules,
      [
        'employee_id,subject,level,completed_on,hours,provider',
        `PL1,children,3,${monthsAgo(40)},12,eLfH`,
        `PL1,adults,3,${monthsAgo(2)},8,eLfH`,
        `PL1,prevent,3,${monthsAgo(2)},1,eLfH`,
      ].join('\n'),
    );
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    await type(page, 'my training');
    const mine = card('My safeguarding training');
    await mine.waitFor({ timeout: 15000 });
    await expect(mine.getByText('Safeguarding children: overdue').isVisible()).resolves.toBe(true);
    await expect(mine.getByText('Safeguarding adults: in date').isVisible()).resolves.toBe(true);
    await mine.scrollIntoViewIfNeeded();
    await screenshot(page, 'my-training');
    await type(page, 'team compliance');
    const team = card('Training compliance: Riverside');
    await team.waitFor({ timeout: 15000 });
    await expect(team.getByText('Safeguarding children: 0% compliant (below the target)').isVisible()).resolves.toBe(
      true,
    );
    await expect(team.getByRole('button', { name: 'Remind overdue staff' }).isVisible()).resolves.toBe(true);
    await team.scrollIntoViewIfNeeded();
    await screenshot(page, 'team-compliance');
  });

  it('lets a lead send a library briefing to themself, which arrives and is acknowledged in place', async () => {
    // The practice lead above becomes a safeguarding lead too; they are the whole staff list.
    const { resource: person } = await app.store.container('people').item('PL1', 'PL1').read<Record<string, unknown>>();
    await app.store
      .container('people')
      .item('PL1', 'PL1')
      .replace({ ...person, roles: ['manager', 'practice-lead', 'safeguarding-lead'] });
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();

    await type(page, 'briefings safe sleep');
    const found = card('Briefings matching');
    await found.waitFor({ timeout: 15000 });
    await found.getByRole('button', { name: 'Open' }).first().click();
    const library = card('Library briefing, version 1');
    await library.waitFor({ timeout: 15000 });
    await library.getByRole('button', { name: 'Send this briefing' }).click();
    const preview = card('Preview: staff get');
    await preview.waitFor({ timeout: 15000 });
    await preview.getByRole('button', { name: 'Choose who gets it' }).click();
    const audience = card('Who should get');
    await audience.waitFor({ timeout: 15000 });
    await audience.getByRole('button', { name: 'Count and continue' }).click();
    const confirm = card('Ready to send');
    await confirm.waitFor({ timeout: 15000 });
    await screenshot(page, 'briefing-confirm');
    await confirm.getByRole('button', { name: 'Send now to 1 person' }).click();

    const arrived = card("I've read this");
    await arrived.waitFor({ timeout: 20000 });
    await expect(arrived.getByText('Safer sleep for babies').isVisible()).resolves.toBe(true);
    // Long parts are behind show/hide buttons.
    await arrived.getByRole('button', { name: 'What to do' }).click();
    await expect(arrived.getByText(/Give safer sleep advice at every contact/).isVisible()).resolves.toBe(true);
    await arrived.getByRole('button', { name: "I've read this" }).click();
    const acknowledged = botMessages(page)
      .locator('.ac-adaptiveCard')
      .filter({ hasText: 'You confirmed you read this on' });
    await acknowledged.first().waitFor({ timeout: 15000 });
    await acknowledged.first().scrollIntoViewIfNeeded();
    await screenshot(page, 'briefing-acknowledged');

    // The lead sees who has read it.
    await type(page, 'briefing reports');
    const reports = card('Every briefing sent');
    await reports.waitFor({ timeout: 15000 });
    await reports.getByRole('button', { name: 'Report' }).first().click();
    const report = card('Briefing report: Safer sleep for babies');
    await report.waitFor({ timeout: 15000 });
    await expect(report.getByText('Everyone it reached has acknowledged it.').isVisible()).resolves.toBe(true);
    await expect(report.getByText('1 (100%)').first().isVisible()).resolves.toBe(true);
    await report.scrollIntoViewIfNeeded();
    await screenshot(page, 'briefing-report');
    const delivery = (await app.briefings.store.list({ status: ['sending', 'sent'] }))[0]!;
    const record = (await app.briefings.store.deliveriesOf(delivery.id))[0]!;
    expect(record.acknowledgedAt).toBeDefined();
  });

  it('lets a lead propose a new MASH number (ticked as called) and see the proposal card', async () => {
    // The Playground user is a safeguarding lead since the briefing journey above.
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    await type(page, 'edit contact');
    const list = card('Edit a contact');
    await list.waitFor({ timeout: 15000 });
    await list
      .locator('.ac-container')
      .filter({ hasText: 'Multi-Agency Safeguarding Hub' })
      .getByRole('button', { name: 'Edit' })
      .first()
      .click();
    const form = card('Change: Rotherham Multi-Agency Safeguarding Hub (MASH)');
    await form.waitFor({ timeout: 15000 });
    await form.getByRole('textbox', { name: /^Telephone/ }).fill('01709 336081');
    await form.getByText('I have called this number and it is the right service').click();
    await form.getByRole('button', { name: 'Propose this change' }).click();
    const proposed = card('Change proposed');
    await proposed.waitFor({ timeout: 15000 });
    await expect(proposed.getByText('01709 336080 → 01709 336081', { exact: false }).isVisible()).resolves.toBe(true);
    await proposed.scrollIntoViewIfNeeded();
    await screenshot(page, 'content-proposal');
    // Staff still see the approved number until another lead approves.
    expect(app.liveContent.get().contacts.get('mash')!.phone).toBe('01709 336080');
  });

  it('fits a phone: at 360 px the concern buttons are not cut, and the main cards are screenshotted', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    // The Playground keeps its message column at about 446 px however narrow the window, so the
    // card is held to a phone's 358 px, as Teams on a phone shows it.
    const phoneWidth = await page.addStyleTag({
      content:
        '.ac-adaptiveCard { width: 358px !important; max-width: 358px !important; min-width: 0 !important; box-sizing: border-box; }',
    });
    const card = (text: string) => botMessages(page).locator('.ac-adaptiveCard').filter({ hasText: text }).last();
    /** Buttons on a card whose title does not fit (the renderer cuts it with an ellipsis). */
    const cut = (locator: ReturnType<typeof card>) =>
      locator.evaluate((card) => {
        /** Just what is used here of a DOM element (the tests are compiled without the DOM types). */
        interface El {
          clientWidth: number;
          scrollWidth: number;
          textContent: string | null;
          getClientRects(): { length: number };
          getBoundingClientRect(): { right: number };
          querySelectorAll(selector: string): ArrayLike<El>;
        }
        const root = card as unknown as El;
        // Cut by the card's edge, or its own title cut with an ellipsis.
        const edge = root.getBoundingClientRect().right;
        return Array.from(root.querySelectorAll('button, [role="button"]'))
          .filter((el) => el.getClientRects().length > 0)
          .filter(
            (el) =>
              el.getBoundingClientRect().right > edge + 1 ||
              [el, ...Array.from(el.querySelectorAll('*'))].some(
                (e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1,
              ),
          )
          .map((el) => (el.textContent ?? '').trim());
      });
    const shoot = async (locator: ReturnType<typeof card>, name: string) => {
      await locator.scrollIntoViewIfNeeded();
      await screenshot(page, `phone-${name}`);
    };
    await type(page, 'help');
    const menu = card('How I can help');
    await menu.waitFor({ timeout: 15000 });
    await shoot(menu, 'help');
    await type(page, 'worried');
    const danger = card('Is anyone in immediate danger?');
    await danger.waitFor({ timeout: 15000 });
    await shoot(danger, 'danger');
    await danger.getByRole('button', { name: 'No one is in immediate danger' }).click();
    const who = card('Who are you worried about?');
    await who.waitFor({ timeout: 15000 });
    await shoot(who, 'who');
    await who.getByRole('button', { name: 'A child or young person' }).click();
    const kinds = card('What is your concern about?');
    await kinds.waitFor({ timeout: 15000 });
    const width = await kinds.evaluate((el) => el.getBoundingClientRect().width);
    expect(width).toBeLessThanOrEqual(360);
    await shoot(kinds, 'concern-kinds');
    await expect(cut(kinds)).resolves.toEqual([]);
    await expect(kinds.getByRole('button', { name: 'Bruising in a baby not yet mobile' }).isVisible()).resolves.toBe(
      true,
    );
    await kinds.getByRole('button', { name: 'Worried about a child: abuse or neglect' }).click();
    const route = card('Who to call');
    await route.waitFor({ timeout: 15000 });
    await expect(route.getByRole('link', { name: 'Call 01709 336080' }).isVisible()).resolves.toBe(true);
    await shoot(route, 'worried-child-mash');
    for (const [command, text, name] of [
      ['my training', 'My safeguarding training', 'my-training'],
      ['team compliance', 'Training compliance: Riverside', 'team-compliance'],
      ['self-assessment', 'Self-assessment', 'assessment-progress'],
      ['briefings', 'Recent briefings first', 'briefings'],
    ] as const) {
      await type(page, command);
      const c = card(text);
      await c.waitFor({ timeout: 15000 });
      await shoot(c, name);
    }
    await phoneWidth.evaluate((el) => el.remove());
    await page.setViewportSize({ width: 1280, height: 900 });
  });
});
