import { demoStaff, loadDemo, persona } from '../src/demo';
import { ask } from './helpers/ask';
import { onlyLoopback, startTestBot, type TestBot } from './helpers/bot';

const oidOf = (name: string) => demoStaff().find((p) => p.name === name)!.aadObjectId!;

describe('reminders use the weekly slot only for people who can be reached, and say who was reminded and why not', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot();
    await loadDemo(bot.app, bot.clock.now);
  });
  afterEach(async () => {
    await bot.stop();
  });
  const remindTeam = async () =>
    (
      await ask(bot, persona('manager').aadObjectId, '', { verb: 'training.remind', team: 'Continuing Care' })
    ).text.trim();
  const nudged = (name: string) =>
    bot.connector.sent.filter(
      (a) => a.conversationId === `a:personal-${oidOf(name)}` && /training needs attention/.test(a.activity.text ?? ''),
    ).length;

  it('training: nobody with no chat is marked reminded; they get theirs once they open a chat', async () => {
    const first = await remindTeam();
    expect(first).toMatch(
      /^Reminded 0 people in Continuing Care\. \d+ people cannot be reached, so no reminder was used up: /,
    );
    expect(first).toContain('Ben Walsh has no Teams account in the staff list');
    expect(first).toMatch(/Aisha Rahman, .*Jamal Hussain.* has not opened a chat with the bot yet/);

    await ask(bot, oidOf('Jamal Hussain'), 'help');
    const second = await remindTeam();
    expect(second).toMatch(/^Reminded 1 person in Continuing Care: Jamal Hussain\. /);
    expect(nudged('Jamal Hussain')).toBe(1);

    await ask(bot, oidOf('Aisha Rahman'), 'help');
    const third = await remindTeam();
    // Aisha's week was not used up while she could not be reached.
    expect(third).toMatch(
      /^Reminded 1 person in Continuing Care: Aisha Rahman\. 1 person already had a reminder in the last 7 days, so not again: Jamal Hussain\./,
    );
    expect(nudged('Jamal Hussain')).toBe(1);
  });

  it('training: a message that does not go through gives the slot back and says so', async () => {
    await ask(bot, oidOf('Owen Price'), 'help');
    bot.connector.failNext(403, 1);
    expect(await remindTeam()).toMatch(/Owen Price did not get it: the message did not go through/);
    expect(await remindTeam()).toMatch(/^Reminded 1 person in Continuing Care: Owen Price\./);
  });

  it('practices: a lead with no Teams account is not "no practice lead"; a practice is only counted reminded when a lead got it', async () => {
    const lead = persona('lead').aadObjectId;
    const first = (await ask(bot, lead, 'remind practices')).text.trim();
    expect(first).toMatch(
      /^Reminded 0 practice leads in 0 practices\. 5 practice leads cannot be reached, so no reminder was used up: /,
    );
    expect(first).toContain('Dr Simon Reed (Parkgate Family Doctors (example)) has no Teams account in the staff list');
    expect(first).toMatch(
      /Dr Anna Patel \(Riverside Medical Centre \(example\)\).* has not opened a chat with the bot yet/,
    );
    expect(first).toContain('1 practice has no practice lead in the staff list: Station Road Surgery (example).');

    await ask(bot, oidOf('Dr Anna Patel'), 'help');
    const second = (await ask(bot, lead, 'remind practices')).text.trim();
    expect(second).toMatch(
      /^Reminded 1 practice lead in 1 practice: Dr Anna Patel \(Riverside Medical Centre \(example\)\)\./,
    );

    await ask(bot, oidOf('Dr Imran Khan'), 'help');
    const third = (await ask(bot, lead, 'remind practices')).text.trim();
    expect(third).toMatch(
      /^Reminded 1 practice lead in 1 practice: Dr Imran Khan \(Market Street Health Centre \(example\)\)\. 1 practice was reminded in the last 7 days, so not again: Riverside Medical Centre \(example\)\./,
    );
  });
});
