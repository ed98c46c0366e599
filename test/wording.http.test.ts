import { demoStaff, persona } from '../src/demo';
import { madeCard } from '../src/referral/cards';
import { loadReferralContent } from '../src/referral/content';
import { projectRoot } from '../src/config/paths';
import path from 'node:path';
import { ask } from './helpers/ask';
import { onlyLoopback, startDemoBot, type TestBot } from './helpers/bot';

const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/;
const UK_DATE =
  /\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/;

describe('dates and words as people read them', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startDemoBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  it('training shows UK dates: my training, the team card and its reminders', async () => {
    const mine = (await ask(bot, persona('staff').aadObjectId, 'my training')).text;
    expect(mine).toMatch(UK_DATE);
    expect(mine).not.toMatch(ISO_DATE);
    const team = (await ask(bot, persona('manager').aadObjectId, 'team compliance')).text;
    expect(team).toMatch(/as at \d{1,2} [A-Z][a-z]+ \d{4}/);
    expect(team).not.toMatch(ISO_DATE);
  });

  it('the critique shows UK dates, and one practice is "1 practice"', async () => {
    const ruth = demoStaff().find((p) => p.name === 'Dr Ruth Ellis')!.aadObjectId!;
    const critique = (await ask(bot, ruth, 'self-assessment')).text;
    expect(critique).toMatch(/By \d{1,2} [A-Z][a-z]+ \d{4}\./);
    expect(critique).not.toMatch(ISO_DATE);
    const themes = (await ask(bot, persona('lead').aadObjectId, 'assessment themes')).text;
    expect(themes).toContain('across 1 practice submitted.');
    expect(themes).not.toContain('1 practices');
  });

  it('a briefing refused for patient data says what it found in words, not internal ids', async () => {
    const fields = {
      title: 'Self-neglect',
      tags: 'adults, neglect',
      background: 'Self-neglect covers a wide range of behaviour. For example NHS number 943 476 5919.',
      whyItMatters: 'It can lead to serious harm.',
      keyPoints: 'Respect choices\nAssess capacity\nThink about others at risk',
      remember: 'Hoarding is one form',
      whatToDo: 'Talk to the adult safeguarding lead',
      reflection: 'When does a lifestyle choice become a risk?',
      links: '',
    };
    const { text } = await ask(bot, persona('lead').aadObjectId, '', { verb: 'briefings.save', ...fields });
    expect(text).toContain('may identify a patient (it seems to contain an NHS number)');
    expect(text).not.toMatch(/nhs-number|date-of-birth|name-with-identifier/);
  });

  it('a referral reference over 40 characters is refused with the reason, not silently cut by the card', async () => {
    const content = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));
    const card = JSON.stringify(madeCard(content.route('child-abuse-neglect')!));
    expect(card).not.toContain('maxLength');
    expect(card).toContain('up to 40 characters');
    const { text } = await ask(bot, persona('staff').aadObjectId, '', {
      verb: 'referral.record',
      route: 'child-abuse-neglect',
      reference: 'LOG-2026-000123 MASH call with duty worker AB',
    });
    expect(text).toContain('Your reference can be at most 40 characters. Nothing was saved');
  });
});
