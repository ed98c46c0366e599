import { importStaff } from '../src/people/staffImport';
import { importTraining } from '../src/training/importTraining';
import { cardOf, cardText } from './helpers/connector';
import { LEAD_OID, onlyLoopback, startTestBot, type TestBot } from './helpers/bot';

const MANAGER = 'a1a1a1a1-0000-4000-8000-000000000011';
const NURSE = 'b2b2b2b2-0000-4000-8000-000000000012';
const STAFF = [
  'employee_id,name,email,aad_object_id,team,staff_group,roles,practice_code',
  `M1,Mia Manager,mia@nhs.net,${MANAGER},Continuing Care,clinical,manager,`,
  `N1,Noor Nurse,noor@nhs.net,${NURSE},Continuing Care,clinical,,`,
  `L1,Lee Lead,lee@nhs.net,${LEAD_OID},Safeguarding,designated-professional,,`,
].join('\n');
/** Details that identify a patient: a valid NHS number, and a name with a date of birth. */
const NHS_NUMBER = '943 476 5919';
const NAME_AND_DOB = 'Jane Smith DOB 03/04/1980';

describe('patient details in stored free text', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot();
    bot.clock.now = new Date('2026-11-23T09:00:00Z');
    await importStaff(bot.app.directory, STAFF, { staffGroups: bot.app.trainingRules.staffGroups.map((g) => g.id) });
    await bot.say('help', { oid: MANAGER }); // the manager can be sent the confirm card
  });
  afterEach(async () => {
    await bot.stop();
  });
  /** Nothing the bot sent or logged repeats the details. */
  const neverEchoed = (...values: string[]) => {
    const everything = JSON.stringify([bot.connector.sent, bot.connector.updated, bot.logs]);
    for (const v of values) expect(everything).not.toContain(v);
  };

  it('refuses them in the provider of a course recorded in the card, keeps nothing and asks no manager to confirm it', async () => {
    bot.connector.clear();
    for (const provider of [`Course for NHS ${NHS_NUMBER}`, NAME_AND_DOB]) {
      await bot.say('', {
        oid: NURSE,
        value: {
          verb: 'training.record',
          subject: 'children',
          level: '3',
          completedOn: '2026-11-10',
          hours: '12',
          provider,
        },
      });
    }
    const replies = bot.connector.sent.filter((a) => a.conversationId === `a:personal-${NURSE}`);
    expect(replies).toHaveLength(2);
    for (const r of replies) expect(cardText(cardOf(r))).toContain('may identify a patient');
    expect(await bot.app.training.store.forPerson('N1')).toHaveLength(0);
    expect(
      bot.connector.sent.some(
        (a) => a.conversationId === `a:personal-${MANAGER}` && cardText(cardOf(a)).includes('Training to confirm'),
      ),
    ).toBe(false);
    neverEchoed(NHS_NUMBER, '03/04/1980');
  });

  it('rejects a training CSV row whose provider holds them, with its line and without repeating them', async () => {
    const report = await importTraining(
      bot.app.training.store,
      bot.app.directory,
      bot.app.trainingRules,
      [
        'employee_id,subject,level,completed_on,hours,provider',
        `N1,children,3,2026-06-01,12,Ward visit re ${NHS_NUMBER}`,
        'N1,adults,3,2026-06-01,8,eLfH',
      ].join('\n'),
      bot.clock.now,
    );
    expect(report).toMatchObject({ added: 1 });
    expect(report.rejected).toEqual([
      {
        line: 2,
        reason:
          'provider looks like it holds patient details (an NHS number, a date of birth, a postcode or a name with one of these), so the row was not imported',
      },
    ]);
    expect(JSON.stringify(await bot.app.training.store.get('N1'))).not.toContain(NHS_NUMBER);
  });

  it('refuses them in a briefing audience and in a briefing draft, without echoing them on the card', async () => {
    await bot.say('', {
      oid: LEAD_OID,
      value: {
        verb: 'briefings.start',
        libraryId: (bot.app.briefings as unknown as { deps: { library: { id: string }[] } }).deps.library[0]!.id,
      },
    });
    const [draft] = await bot.app.briefings.store.list({ status: ['draft'], author: LEAD_OID });
    bot.connector.clear();
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.audience', draftId: draft!.id, kind: 'teams', teams: `Continuing Care,${NHS_NUMBER}` },
    });
    await bot.say('', {
      oid: LEAD_OID,
      value: { verb: 'briefings.audience', draftId: draft!.id, kind: 'staffGroups', staffGroups: NAME_AND_DOB },
    });
    const cards = bot.connector.sent.map((a) => cardText(cardOf(a)));
    expect(cards.filter((t) => t.includes('Choose from the list'))).toHaveLength(2);
    expect((await bot.app.briefings.store.get(draft!.id))?.audience).toBeUndefined();

    const fields = {
      title: 'Self-neglect',
      tags: 'adults',
      background: `Self-neglect covers a wide range of behaviour, for example ${NAME_AND_DOB}.`,
      whyItMatters: 'It can lead to serious harm.',
      keyPoints: 'Respect choices\nAssess capacity\nThink about others',
      remember: 'Hoarding is one form',
      whatToDo: 'Talk to the adult safeguarding lead',
      reflection: `When is it a risk? ${NHS_NUMBER}`,
      links: '',
    };
    await bot.say('', { oid: LEAD_OID, value: { verb: 'briefings.save', ...fields } });
    const refused = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Briefings go to many people'));
    expect(cardText(cardOf(refused))).toMatch(/Background, Questions for reflection/);
    expect(cardText(cardOf(refused))).toContain('It can lead to serious harm.'); // the rest is kept
    expect(await bot.app.briefings.store.list({ status: ['draft'], author: LEAD_OID })).toHaveLength(1);
    neverEchoed(NHS_NUMBER, '03/04/1980');
  });
});
