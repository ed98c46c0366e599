import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  assertDemoAllowed,
  DEMO_BRIEFING_ID,
  DEMO_DRAFT_PRACTICE,
  demoStaff,
  loadDemo,
  PERSONAS,
  persona,
} from '../src/demo';
import { personStatus } from '../src/training/rules';
import { onlyLoopback, startTestBot, type TestBot } from './helpers/bot';
import { ask } from './helpers/ask';
import { tempDir, removeDir } from './helpers/tmp';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the demo organisation', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  it('has about 40 staff in a few teams, with Entra-style ids, and practice leads', () => {
    const staff = demoStaff();
    expect(staff.length).toBe(40);
    expect(new Set(staff.map((s) => s.team)).size).toBeGreaterThanOrEqual(4);
    for (const s of staff) if (s.aadObjectId) expect(s.aadObjectId).toMatch(GUID);
    expect(staff.filter((s) => s.roles.includes('practice-lead')).length).toBeGreaterThanOrEqual(4);
    for (const who of PERSONAS) expect(persona(who).aadObjectId).toMatch(GUID);
  });

  it('loads through the imports: every training state, a sent briefing with acknowledgements, a half-done self-assessment', async () => {
    const first = await loadDemo(bot.app, bot.clock.now);
    expect(first.staff).toBe('40 added, 0 updated, 0 unchanged');
    expect(first.briefing).toBe('added');
    expect(first.assessment).toBe('added');

    const today = bot.clock.now.toISOString().slice(0, 10);
    const states = new Set<string>();
    for (const s of demoStaff()) {
      const person = (await bot.app.directory.get(s.employeeId))!;
      const group = bot.app.trainingRules.staffGroups.find((g) => g.id === person.staffGroup)!;
      for (const st of personStatus(
        bot.app.trainingRules,
        group,
        await bot.app.training.store.forPerson(s.employeeId),
        today,
      )) {
        states.add(st.status);
      }
    }
    expect([...states].sort()).toEqual(['compliant', 'due-soon', 'missing', 'overdue']);

    const deliveries = await bot.app.briefings.store.deliveriesOf(DEMO_BRIEFING_ID);
    expect(deliveries.length).toBe(40);
    expect(deliveries.filter((d) => d.acknowledgedAt).length).toBeGreaterThan(5);
    expect(deliveries.filter((d) => d.state === 'delivered' && !d.acknowledgedAt).length).toBeGreaterThan(5);
    expect((await bot.app.briefings.store.get(DEMO_BRIEFING_ID))!.status).toBe('sent');

    const sections = await bot.app.assessment.store.sections(DEMO_DRAFT_PRACTICE, 2026);
    expect(sections.length).toBeGreaterThan(0);
    expect(sections.length).toBeLessThan(12);
  });

  it('loads again without changing anything', async () => {
    const again = await loadDemo(bot.app, bot.clock.now);
    expect(again).toEqual({
      staff: '0 added, 0 updated, 40 unchanged',
      trainingPeople: 0,
      briefing: 'already there',
      assessment: 'already there',
    });
  });

  it('lets each persona be who they are', async () => {
    expect((await ask(bot, persona('lead').aadObjectId, 'organisation compliance')).text).toContain('Continuing Care');
    expect((await ask(bot, persona('manager').aadObjectId, 'team compliance')).text).toContain('Continuing Care');
    expect((await ask(bot, persona('practice-lead').aadObjectId, 'self-assessment')).text).toMatch(
      /5 of 12 sections complete/,
    );
    const mine = (await ask(bot, persona('staff').aadObjectId, 'my training')).text;
    expect(mine).toContain('Jamal Hussain');
    expect(mine).toContain('overdue');
    expect((await ask(bot, persona('lead').aadObjectId, 'briefing reports')).text).toContain('Was not brought');
  });
});

describe('npm run demo', () => {
  const script = path.join(__dirname, '..', 'dist', 'scripts', 'demo.js');
  const env = (extra: Record<string, string>) => ({ PATH: process.env.PATH ?? '', ...extra });

  it('refuses in production and against a real Cosmos DB, with a clear message', () => {
    expect(() => assertDemoAllowed({ NODE_ENV: 'production' })).toThrow(/local use only.*NODE_ENV=production/);
    expect(() => assertDemoAllowed({ COSMOS_ENDPOINT: 'https://x.documents.azure.com' })).toThrow(
      /COSMOS_ENDPOINT is set/,
    );
    expect(() => assertDemoAllowed({ COSMOS_ENDPOINT: '' })).not.toThrow();
    const prod = spawnSync(process.execPath, [script], { env: env({ NODE_ENV: 'production' }), encoding: 'utf8' });
    expect(prod.status).toBe(1);
    expect(prod.stderr).toMatch(
      /^The demo organisation is for local use only: it will not load when NODE_ENV=production\.$/m,
    );
    const cosmos = spawnSync(process.execPath, [script], {
      env: env({ COSMOS_ENDPOINT: 'https://x.documents.azure.com:443/', COSMOS_KEY: 'a2V5' }),
      encoding: 'utf8',
    });
    expect(cosmos.status).toBe(1);
    expect(cosmos.stderr).toMatch(/COSMOS_ENDPOINT is set/);
  });

  it('loads the local store and says who to be', () => {
    const dir = tempDir();
    try {
      const out = execFileSync(process.execPath, [script], { env: env({ DATA_DIR: dir }), encoding: 'utf8' });
      expect(out).toContain('staff: 40 added');
      expect(out).toMatch(/lead\s+Priya Shah/);
    } finally {
      removeDir(dir);
    }
  });
});
