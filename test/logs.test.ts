import { createHmac } from 'node:crypto';
import { pseudonym } from '../src/logging/logger';
import { importStaff } from '../src/people/staffImport';
import { cardOf } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';

const KEY = 'a-test-key-for-pseudonyms-that-is-long-enough';

describe('logs an operator can use', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot({ LOG_PSEUDONYM_KEY: KEY });
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('says at start-up the version, what content was loaded and how many people', async () => {
    const started = bot.logs.find((l) => l.msg === 'started')!;
    expect(started).toBeDefined();
    expect(started.version).toBe('0.1.0');
    const content = started.content as Record<string, unknown>;
    expect(content.routes).toBeGreaterThan(10);
    expect(content.briefings).toBe(10);
    expect(content.practices).toBeGreaterThan(0);
    expect(content.example).toBe(true);
    expect(started.people).toBe(0);
    await importStaff(
      bot.app.directory,
      [
        'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
        `P1,Asha Patel,asha@nhs.net,${USER_OID},Riverside,clinical,,`,
      ].join('\n'),
    );
    await bot.stop({ keepData: true, keepConnector: true });
    bot = await startTestBot({ LOG_PSEUDONYM_KEY: KEY }, bot.dataDir, bot.connector);
    expect(bot.logs.find((l) => l.msg === 'started')!.people).toBe(1);
  });

  it('writes one line per turn with the command or verb, the duration and a keyed pseudonym, never the name', async () => {
    await bot.say('help');
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    await bot.say('', { value: { verb: 'referral.step', step: 'danger' } });
    await bot.say('', { oid: LEAD_OID, value: { verb: 'assessment.overview' } });
    const turns = bot.logs.filter((l) => l.msg === 'turn');
    expect(turns.map((t) => t.handler)).toEqual(['command:help', 'verb:referral.step', 'verb:assessment.overview']);
    for (const t of turns) expect(typeof t.ms).toBe('number');
    const expected = createHmac('sha256', KEY).update(USER_OID).digest('hex').slice(0, 16);
    expect(turns[0]!.user).toBe(expected);
    expect(pseudonym(KEY, USER_OID.toUpperCase())).toBe(expected);
    expect(turns[2]!.user).toBe(pseudonym(KEY, LEAD_OID));
    const all = JSON.stringify(bot.logs);
    expect(all).not.toContain(USER_OID);
    expect(all).not.toContain('Sam Taylor');
  });
});
