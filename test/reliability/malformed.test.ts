import { persona, PERSONAS } from '../../src/demo';
import { onlyLoopback, startDemoBot, type TestBot } from '../helpers/bot';
import { cardOf, cardText } from '../helpers/connector';
import { expectFiguresOk, figure } from './figures';
import { cardVerbs, readable, STACK_TRACE, storeChanges, storeDocuments } from './harness';

const AREA = 'malformed input';
const HUGE = 'x'.repeat(200_000);
/** Values that are wrong, missing, huge or odd for any field. */
const ODD: unknown[] = [
  null,
  0,
  -1,
  1e308,
  true,
  [],
  [1, 2],
  {},
  '',
  ' ',
  HUGE,
  '\u0000\u202e',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '2020-13-45',
  'NaN',
  { $where: '1' },
];
/** Objects with own __proto__ and constructor keys, as JSON.parse makes them from a request body. */
const POLLUTING = () =>
  JSON.parse(
    '{"__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}}',
  ) as Record<string, unknown>;

/** At least 1,000 malformed activities and card payloads: every verb × every field × every odd value, and more. */
function generate(verbs: Map<string, Set<string>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [verb, fieldSet] of verbs) {
    const fields = [...fieldSet, 'id', 'briefingId', 'team', 'practiceCode', 'employeeId'];
    out.push({ type: 'message', value: { verb } });
    out.push({ type: 'message', value: { ...POLLUTING(), verb } });
    out.push({ type: 'message', value: { verb: [verb] } });
    out.push({ type: 'message', value: { verb: `${verb}.unknown` } });
    out.push({
      type: 'invoke',
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb, data: POLLUTING() } },
    });
    out.push({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb } } });
    fields.forEach((field, i) => {
      const odd = ODD[i % ODD.length];
      out.push({ type: 'message', value: { verb, [field]: odd } });
      out.push({ type: 'message', value: { verb, [field]: POLLUTING() } });
      out.push({
        type: 'message',
        value: { verb, ...Object.fromEntries(fields.map((f, k) => [f, ODD[(i + k) % ODD.length]])) },
      });
    });
    for (const odd of ODD)
      out.push({ type: 'message', value: { verb, ...Object.fromEntries(fields.map((f) => [f, odd])) } });
  }
  for (const name of [
    'unknown/invoke',
    'composeExtension/query',
    'task/fetch',
    'task/submit',
    'signin/verifyState',
    'fileConsent/invoke',
    'actionableMessage/executeAction',
    'adaptiveCard/action',
    '',
  ]) {
    out.push({ type: 'invoke', name, value: POLLUTING() });
    out.push({ type: 'invoke', name, value: { action: null } });
    out.push({ type: 'invoke', name });
  }
  for (const odd of ODD) {
    out.push({ type: 'message', text: odd });
    out.push({ type: 'message', value: odd });
    out.push({ type: 'message', text: 'help', attachments: odd });
    out.push({ type: 'message', text: 'help', entities: odd });
    out.push({ type: 'message', text: 'help', channelData: odd });
    out.push({ type: odd });
    out.push({ type: 'conversationUpdate', membersAdded: odd });
    out.push({ type: 'installationUpdate', action: odd });
    out.push({ type: 'event', name: 'application/vnd.microsoft.readReceipt', value: odd });
    out.push({ type: 'message', text: 'help', from: odd });
    out.push({ type: 'message', text: 'help', conversation: odd });
    out.push({ type: 'message', text: 'help', serviceUrl: odd });
  }
  out.push({ type: 'message', text: 'help', ...POLLUTING() });
  out.push({
    type: 'message',
    text: 'help',
    attachments: [
      { contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'x.csv', content: POLLUTING() },
    ],
  });
  return out;
}

describe('malformed activities and card payloads', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startDemoBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  it('crash nothing, answer no 5xx, show no stack trace and write nothing unexpected', async () => {
    const verbs = cardVerbs();
    const activities = generate(verbs);
    const oids = PERSONAS.map((p) => persona(p).aadObjectId);
    // Everyone has a 1:1 chat first (their conversation reference is an expected write).
    for (const oid of oids) await bot.say('help', { oid });
    const before = await storeDocuments(bot.app.store);
    let fiveXX = 0;
    let crashes = 0;
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    bot.connector.clear();
    try {
      for (let i = 0; i < activities.length; i++) {
        const failedBefore = bot.logs.filter((l) => l.msg === 'turn failed').length;
        const res = await bot.post(bot.activity(activities[i]!, oids[i % oids.length]));
        await res.text().catch(() => undefined);
        if (bot.logs.filter((l) => l.msg === 'turn failed').length > failedBefore)
          console.log('turn failed for', PERSONAS[i % oids.length], JSON.stringify(activities[i]).slice(0, 300));
        if (res.status >= 500 && fiveXX++ < 5)
          console.log('5xx', res.status, JSON.stringify(activities[i]).slice(0, 300));
      }
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
    }
    crashes = unhandled.length + bot.logs.filter((l) => l.msg === 'turn failed').length;
    const stackTraces =
      bot.connector.sent.filter((a) => STACK_TRACE.test(readable(a))).length +
      bot.connector.updated.filter((a) => STACK_TRACE.test(readable(a))).length;
    const polluted =
      ({} as Record<string, unknown>).polluted !== undefined || ({} as Record<string, unknown>).isAdmin !== undefined
        ? 1
        : 0;
    // "Remind" needs nothing but its verb: a lead's press (extra fields ignored) records when reminders went.
    const unexpected = storeChanges(before, await storeDocuments(bot.app.store), [
      /^assessments\/\d{4}\.reminder$/,
      /^training\/reminder$/,
    ]);
    // Still answering afterwards.
    bot.connector.clear();
    await bot.say('help', { oid: oids[0] });
    const alive = await bot.connector
      .waitFor((a) => cardText(cardOf(a)).includes('How I can help'))
      .then(
        () => 1,
        () => 0,
      );

    figure(AREA, 'verbs covered (cards and actions)', verbs.size, { min: 30 });
    figure(AREA, 'malformed activities and payloads', activities.length, { min: 1000 });
    figure(AREA, 'crashes (turn failed, unhandled)', crashes, { eq: 0 });
    figure(AREA, '5xx answers', fiveXX, { eq: 0 });
    figure(AREA, 'stack traces in replies', stackTraces, { eq: 0 });
    figure(AREA, 'prototype polluted', polluted, { eq: 0 });
    if (unexpected.length) console.log('unexpected writes', unexpected.slice(0, 20));
    figure(AREA, 'unexpected store writes', unexpected.length, { eq: 0 });
    figure(AREA, 'bot answers afterwards', alive, { eq: 1 });
    expectFiguresOk();
  }, 240_000);
});
