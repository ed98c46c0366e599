import fs from 'node:fs';
import path from 'node:path';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { button, cardProblems } from './helpers/cards';
import { onlyLoopback, LEAD_OID, startTestBot, USER_OID, type TestBot } from './helpers/bot';

type Card = Record<string, unknown>;

/** Everything in a data folder, as text: to prove something was never written. */
function everythingStored(dir: string): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

describe('"What to do if you\'re worried" over HTTP', () => {
  let bot: TestBot;
  let taps = 0;

  /** Presses a button on a card (one tap) and returns the next card the bot sends. */
  async function tap(card: Card, title: string, oid = USER_OID): Promise<Card> {
    const action = button(card, title);
    taps++;
    const before = bot.connector.sent.length;
    await bot.say('', { value: action.data, oid });
    const reply = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && cardOf(a) !== undefined,
    );
    const next = cardOf(reply)!;
    expect(cardProblems(next)).toEqual([]);
    return next;
  }

  /** Says something and returns the first matching reply to it. */
  async function ask(text: string, predicate: (a: SentActivity) => boolean): Promise<SentActivity> {
    const before = bot.connector.sent.length;
    await bot.say(text);
    return bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && predicate(a));
  }

  async function welcome(): Promise<Card> {
    await bot.post(bot.activity({ type: 'installationUpdate', action: 'add' }));
    return cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Welcome')))!;
  }

  onlyLoopback();
  beforeEach(async () => {
    bot = await startTestBot();
    taps = 0;
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('takes a new user from the welcome card to the MASH number for a child in four taps, danger first', async () => {
    const danger = await tap(await welcome(), "I'm worried about someone");
    expect(cardText(danger).split('\n')[0]).toBe('Is anyone in immediate danger?');
    expect(button(danger, 'Call 999').url).toBe('tel:999');
    expect(button(danger, 'Call 101').url).toBe('tel:101');
    const who = await tap(danger, 'No one is in immediate danger');
    const kinds = await tap(who, 'A child or young person');
    const route = await tap(kinds, 'Worried about a child: abuse or neglect');
    expect(taps).toBeLessThanOrEqual(4);
    const text = cardText(route);
    expect(text).toContain('Rotherham Multi-Agency Safeguarding Hub (MASH)');
    expect(text).toContain('Telephone 01709 336080 (24 hours)');
    expect(button(route, 'Call 01709 336080').url).toBe('tel:01709336080');
    expect(text).toContain('Worried About A Child (Professionals) form');
    expect(text).toContain('Within one working day');
    expect(text).toMatch(/After 72 hours/);
    // Back returns to the kinds of concern for a child; Start again to the danger question.
    expect(cardText(await tap(route, 'Back'))).toContain('What is your concern about?');
    expect(cardText(await tap(route, 'Start again')).split('\n')[0]).toBe('Is anyone in immediate danger?');
  });

  it('reaches the adult single point of access in four taps', async () => {
    const danger = await tap(await welcome(), "I'm worried about someone");
    const who = await tap(danger, 'No one is in immediate danger');
    const kinds = await tap(who, 'An adult');
    const route = await tap(kinds, 'Worried about an adult: abuse or neglect');
    expect(taps).toBeLessThanOrEqual(4);
    expect(cardText(route)).toContain('Telephone 01709 822330');
    expect(button(route, 'Call 01709 822330').url).toBe('tel:01709822330');
    expect(cardText(route)).toContain('Online form: report suspected abuse or neglect of an adult');
  });

  it('answers FGM with the mandatory police report and the MASH', async () => {
    await bot.say('worried');
    const danger = cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('immediate danger')))!;
    const kinds = await tap(await tap(danger, 'No one is in immediate danger'), 'A child or young person');
    const route = await tap(kinds, 'Female genital mutilation (FGM)');
    const text = cardText(route);
    expect(text).toMatch(/report it to the police on 101/);
    expect(button(route, 'Call 101').url).toBe('tel:101');
    expect(button(route, 'Call 01709 336080').url).toBe('tel:01709336080');
  });

  it('answers free text about a bruised baby with the non-mobile bruising route', async () => {
    await bot.say('a baby with a bruise');
    const route = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    const text = cardText(route);
    expect(text).toContain('Bruising or injury in a baby who is not yet mobile');
    expect(text).toMatch(/every bruise in a non-mobile baby needs a referral/);
    expect(text).toContain('Telephone 01709 336080');
    expect(text.split('\n')[0]).toContain('call 999');
    expect(cardText(await tap(route, 'Back'))).toContain('What is your concern about?');
  });

  it('offers the menu and the safeguarding team when free text about a concern matches no route well', async () => {
    await bot.say('worried');
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    const reply = await ask('I have a concern', (a) => typeof a.activity.text === 'string');
    expect(reply.activity.text).toMatch(/not sure which referral route fits/);
    expect(reply.activity.text).toMatch(/safeguarding team/);
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Who are you worried about?'));
  });

  it('answers a child who lives in another council area with that council’s page, not our numbers', async () => {
    await bot.say('I saw a child today who lives in Doncaster and I think she is being neglected');
    const card = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    const text = cardText(card);
    expect(text.split('\n')[0]).toContain('call 999');
    expect(text).toContain('Someone who lives in Doncaster');
    expect(button(card, 'Doncaster: worried about a child').url).toMatch(/^https:\/\/.*doncaster/i);
    expect(() => button(card, 'Doncaster: worried about an adult')).toThrow();
    expect(JSON.stringify(card)).not.toContain('336080');
    expect(text).toMatch(/NHS England Safeguarding app.*as at 25 March 2024/);
  });

  it('lets a person pick any council area in England from the who step', async () => {
    await bot.say('worried');
    const danger = cardOf(await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('immediate danger')))!;
    const picker = await tap(await tap(danger, 'No one is in immediate danger'), 'They live somewhere else in England');
    expect(cardText(picker)).toContain('They live somewhere else in England');
    const before = bot.connector.sent.length;
    await bot.say('', {
      value: {
        ...(button(picker, "Show the council's page").data as object),
        area: 'Stoke on Trent',
        audience: 'adult',
      },
    });
    const card = cardOf(
      await bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && cardOf(a) !== undefined),
    )!;
    expect(cardText(card)).toContain('Someone who lives in Stoke on Trent');
    expect(button(card, 'Stoke on Trent: worried about an adult').url).toMatch(/^https?:\/\//);
    expect(JSON.stringify(card)).not.toContain('822330');
    // An area that is not in the list gets a clear message and the picker again, not an error.
    const again = bot.connector.sent.length;
    await bot.say('', { value: { verb: 'referral.area', area: 'Atlantis', audience: 'child' } });
    const reply = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= again && typeof a.activity.text === 'string',
    );
    expect(reply.activity.text).toMatch(/choose the council area from the list/i);
  });

  it('asks "child or adult?" in one tap when the text does not say and the route depends on it', async () => {
    await bot.say('someone is being neglected');
    const card = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    expect(cardText(card)).toContain('Is this about a child or an adult?');
    const route = await tap(card, 'An adult');
    expect(cardText(route)).toContain('Worried about an adult');
    expect(cardText(route)).toContain('01709 822330');
  });

  it('warns about patient details and never stores or logs them', async () => {
    await bot.say('Jane Smith DOB 12/03/2015 lives at S60 2TH and has a bruise');
    const reply = await bot.connector.waitFor((a) => typeof a.activity.text === 'string');
    expect(reply.activity.text).toMatch(/not a patient record/);
    expect(reply.activity.text).not.toContain('Jane');
    await bot.say('help'); // a later write, so the journal has been flushed past that turn
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
    const stored = everythingStored(bot.dataDir);
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of ['Jane', 'Smith', '12/03/2015', 'S60 2TH']) {
      expect(stored).not.toContain(secret);
      expect(JSON.stringify(bot.logs)).not.toContain(secret);
    }
    // And no route card was shown for the message: it was not processed.
    expect(bot.connector.sent.filter((a) => cardText(cardOf(a)).includes('non-mobile'))).toHaveLength(0);
  });

  async function referralMade(reference?: string): Promise<Card> {
    await bot.say('a baby with a bruise');
    const route = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    const made = await tap(route, "I've made a referral");
    const record = button(made, 'Set the reminder');
    const before = bot.connector.sent.length;
    await bot.say('', { value: { ...(record.data as object), ...(reference !== undefined ? { reference } : {}) } });
    return cardOf(
      await bot.connector.waitFor((a) => bot.connector.sent.indexOf(a) >= before && cardOf(a) !== undefined),
    )!;
  }

  it('reminds once, 72 hours after a referral, and keeps only the route, time and reference', async () => {
    const confirmation = await referralMade('LOG-4471');
    expect(cardText(confirmation)).toContain('Reminder set');
    expect(cardText(confirmation)).toContain('LOG-4471');

    bot.clock.advanceHours(71);
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
    bot.clock.advanceHours(2);
    const before = bot.connector.sent.length;
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 1, skipped: 0 });
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
    const reminders = bot.connector.sent
      .slice(before)
      .filter((a) => cardText(cardOf(a)).includes('Have you had feedback'));
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.conversationId).toBe(`a:personal-${USER_OID}`);
    expect(cardText(cardOf(reminders[0]!))).toContain('LOG-4471');
    expect(button(cardOf(reminders[0]!)!, 'Call 01709 336080').url).toBe('tel:01709336080');

    const [stored] = await bot.app.referral.followUps.open(USER_OID);
    expect(
      Object.keys(stored!)
        .filter((k) => !k.startsWith('_'))
        .sort(),
    ).toEqual([
      'aadObjectId',
      'claimedAt',
      'dueAt',
      'id',
      'madeAt',
      'reference',
      'remindedAt',
      'routeId',
      'status',
      'ttl',
    ]); // ttl: how long Cosmos DB keeps it once closed (retention)
  });

  it('sends no reminder once the user says feedback arrived', async () => {
    const confirmation = await referralMade();
    await bot.say('', { value: button(confirmation, 'Feedback received').data }); // answered with text
    await bot.connector.waitFor((a) => /will not remind you/.test(a.activity.text ?? ''));
    bot.clock.advanceHours(100);
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
  });

  it('refuses a reference that looks like patient data, and saves nothing', async () => {
    await bot.say('a baby with a bruise');
    const route = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    const made = await tap(route, "I've made a referral");
    await bot.say('', { value: { ...(button(made, 'Set the reminder').data as object), reference: '943 476 5919' } });
    const reply = await bot.connector.waitFor((a) => /could identify a patient/.test(a.activity.text ?? ''));
    expect(reply).toBeDefined();
    expect(await bot.app.referral.followUps.open(USER_OID)).toEqual([]);
    expect(everythingStored(bot.dataDir)).not.toContain('9434765919');
    expect(everythingStored(bot.dataDir)).not.toContain('943 476 5919');
  });

  it('keeps reminders across a restart and still sends them once', async () => {
    await referralMade('R-1');
    await bot.stop({ keepData: true, keepConnector: true });
    bot = await startTestBot({}, bot.dataDir, bot.connector);
    bot.connector.clear();
    // The restarted bot reaches the user through the conversation reference stored before the restart.
    bot.clock.advanceHours(73);
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 1, skipped: 0 });
    expect(bot.connector.sent.filter((a) => cardText(cardOf(a)).includes('Have you had feedback'))).toHaveLength(1);
    expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
  });

  it('in a group chat answers briefly with 999 first and moves the detail to the 1:1 chat', async () => {
    await bot.say('help'); // the user has a 1:1 chat with the bot
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    bot.connector.clear();
    await bot.post(
      bot.activity({
        type: 'message',
        text: '<at>Safeguarding support</at> worried',
        conversation: { id: '19:group-chat', conversationType: 'groupChat', tenantId: 'tenant-1' },
        entities: [
          {
            type: 'mention',
            mentioned: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
            text: '<at>Safeguarding support</at>',
          },
        ],
      }),
    );
    const inGroup = await bot.connector.waitFor((a) => a.conversationId === '19:group-chat');
    expect(inGroup.activity.text).toMatch(/^If you think anyone is at immediate risk of harm, call 999/);
    expect(inGroup.activity.text).toMatch(/sent you the step-by-step referral guide in our 1:1 chat/);
    expect(inGroup.activity.attachments ?? []).toHaveLength(0);
    const private1 = await bot.connector.waitFor((a) => a.conversationId === `a:personal-${USER_OID}`);
    expect(cardText(cardOf(private1))).toContain('Is anyone in immediate danger?');
  });

  it('shows safeguarding leads what content needs review, and politely refuses others', async () => {
    await bot.say('content review');
    expect((await bot.connector.waitFor((a) => typeof a.activity.text === 'string')).activity.text).toMatch(
      /Only safeguarding leads/,
    );
    bot.connector.clear();
    await bot.say('content review', { oid: LEAD_OID });
    // A card: overdue items with their date apart from unfinished ones.
    const card = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
    expect(cardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Referral content to review');
    expect(text).toContain('Named GP for safeguarding (details not yet filled in)');
    // The out-of-area links are from March 2024: overdue, said in words and a UK date.
    expect(text).toContain('Out-of-area council links (148 areas, as at 25 March 2024)');
    expect(text).toContain('(review overdue since 25 March 2025)');
    expect(text.indexOf('Review overdue')).toBeLessThan(text.indexOf('Out-of-area council links'));
    expect(text.indexOf('Not yet filled in')).toBeLessThan(text.indexOf('Named GP for safeguarding'));
    expect(text.indexOf('Out-of-area council links')).toBeLessThan(text.indexOf('Not yet filled in'));
  });
});

describe('referral reminders when Teams is unreachable', () => {
  onlyLoopback();
  it('keeps the reminder and sends it once the connector answers again', async () => {
    const bot = await startTestBot();
    try {
      await bot.say('a baby with a bruise');
      const route = cardOf(await bot.connector.waitFor((a) => cardOf(a) !== undefined))!;
      await bot.say('', {
        value: {
          verb: 'referral.record',
          route: (button(route, "I've made a referral").data as { route: string }).route,
        },
      });
      await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('Reminder set'));
      bot.clock.advanceHours(73);
      bot.connector.failNext(400, 1); // a delivery failure the connector client does not retry by itself
      expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
      bot.clock.advanceHours(1); // past the claim time-out
      expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 1, skipped: 0 });
      expect(await bot.app.referral.sendDueReminders()).toEqual({ sent: 0, skipped: 0 });
    } finally {
      await bot.stop();
    }
  }, 60000);
});
