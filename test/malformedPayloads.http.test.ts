import { onlyLoopback, LEAD_OID, startTestBot, type TestBot } from './helpers/bot';

/** Found by the reliability suite (test/reliability/malformed.test.ts): each failed the turn or answered 501. */
describe('payloads the SDK or the store could not take', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(async () => {
    await bot.stop();
  });
  const failedTurns = () => bot.logs.filter((l) => l.msg === 'turn failed').length;

  it.each([
    ['a null card value', { type: 'message', value: null }],
    ['null entities', { type: 'message', text: 'help', entities: null }],
    ['a briefing id that is blank', { type: 'message', value: { verb: 'briefings.audienceCard', draftId: ' ' } }],
    [
      'a briefing id with a slash',
      { type: 'message', value: { verb: 'briefings.send', draftId: '../x', when: 'now' } },
    ],
  ])('%s does not fail the turn', async (_what, fields) => {
    const before = failedTurns();
    const res = await bot.post(bot.activity(fields, LEAD_OID));
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(failedTurns()).toBe(before);
  });

  it('answers an unknown card verb with the Universal Actions error and an unknown invoke with 400, not 501', async () => {
    const res = await bot.post(
      bot.activity({
        type: 'invoke',
        name: 'adaptiveCard/action',
        value: { action: { type: 'Action.Execute', verb: 'no.such.verb' } },
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    const other = await bot.post(bot.activity({ type: 'invoke', name: 'composeExtension/query', value: {} }));
    expect(other.status).toBe(400);
  });
});
