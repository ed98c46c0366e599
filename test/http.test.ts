import { cardOf, cardText } from './helpers/connector';
import { cardProblems } from './helpers/cards';
import { onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';

describe('the bot over HTTP, with replies on a loopback connector', () => {
  let bot: TestBot;
  onlyLoopback();
  beforeEach(async () => {
    bot = await startTestBot();
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('welcomes a user who installs the bot with a card offering the jobs a member of staff can use', async () => {
    const res = await bot.post(
      bot.activity({
        type: 'conversationUpdate',
        membersAdded: [{ id: '28:safeguarding-bot' }, { id: `29:${USER_OID}`, aadObjectId: USER_OID }],
      }),
    );
    expect(res.status).toBeLessThan(300);
    const sent = await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    expect(sent.conversationId).toBe(`a:personal-${USER_OID}`);
    const card = cardOf(sent)!;
    expect(cardProblems(card)).toEqual([]);
    const text = cardText(card);
    expect(text).toContain('Welcome to Safeguarding support');
    expect(text).toContain('call 999');
    for (const title of ["I'm worried about someone", '7-minute briefings', 'My training'])
      expect(text).toContain(title);
    // Only practice leads can answer the self-assessment: nobody else is offered a button that refuses them.
    expect(text).not.toContain('Practice self-assessment');
  });

  it('sends the welcome once when Teams delivers installationUpdate and conversationUpdate together, and again after a reinstall', async () => {
    const install = bot.activity({ type: 'installationUpdate', action: 'add' });
    const added = bot.activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:safeguarding-bot' }] });
    await Promise.all([bot.post(install), bot.post(added)]);
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(bot.connector.sent.filter((a) => cardOf(a))).toHaveLength(1);

    await bot.post(bot.activity({ type: 'installationUpdate', action: 'remove' }));
    await bot.post(bot.activity({ type: 'installationUpdate', action: 'add' }));
    await new Promise((r) => setTimeout(r, 300));
    expect(bot.connector.sent.filter((a) => cardOf(a))).toHaveLength(2);
  });

  it('says hello once when a group chat opens, though Teams sends both install and members-added', async () => {
    const conversation = { id: '19:group-hello@thread.v2', conversationType: 'groupChat', tenantId: 'tenant-1' };
    const hellos = () =>
      bot.connector.sent.filter(
        (a) =>
          a.conversationId === conversation.id &&
          /Hello, I am the safeguarding support bot/.test(a.activity.text ?? ''),
      );
    await Promise.all([
      bot.post(bot.activity({ type: 'installationUpdate', action: 'add', conversation })),
      bot.post(
        bot.activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:safeguarding-bot' }], conversation }),
      ),
    ]);
    await bot.post(
      bot.activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:safeguarding-bot' }], conversation }),
    );
    await bot.connector.waitFor((a) => a.conversationId === conversation.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(hellos()).toHaveLength(1);
    // Removed and added back: hello again, once.
    await bot.post(bot.activity({ type: 'installationUpdate', action: 'remove', conversation }));
    await bot.post(bot.activity({ type: 'installationUpdate', action: 'add', conversation }));
    await bot.post(
      bot.activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:safeguarding-bot' }], conversation }),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(hellos()).toHaveLength(2);
  });

  it('answers help with the menu, and anything unrecognised with a short reply and the menu', async () => {
    await bot.say('help');
    const help = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
    expect(cardProblems(cardOf(help)!)).toEqual([]);

    await bot.say('what is the weather like');
    const fallback = await bot.connector.waitFor((a) =>
      cardText(cardOf(a)).includes('Sorry, I did not understand that'),
    );
    expect(cardText(cardOf(fallback))).toContain('My training');
  });

  it('treats a menu button as the command it names', async () => {
    bot.connector.clear();
    await bot.say('', { value: { verb: 'menu', command: 'briefings' } });
    const reply = await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('7-minute briefings'));
    expect(cardText(cardOf(reply))).toContain('Safer sleep for babies');
  });

  it('apologises with a reference code that is also in the log when a turn fails, and keeps serving', async () => {
    bot.connector.failNext(500, 4); // the connector fails the reply (and its retries)
    await bot.say('help');
    const apology = await bot.connector.waitFor(
      (a) => /quote reference [A-Z0-9]{6}/.test(a.activity.text ?? ''),
      15000,
    );
    const ref = /reference ([A-Z0-9]{6})/.exec(apology.activity.text!)![1];
    expect(bot.logs.some((l) => l.ref === ref && l.msg === 'turn failed')).toBe(true);

    await bot.say('help');
    await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
  });

  it('never writes message text to the log', async () => {
    await bot.say('my colleague said something odd today');
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    expect(JSON.stringify(bot.logs)).not.toContain('colleague said something odd');
    expect(bot.logs.some((l) => l.msg === 'turn' && typeof l.reqId === 'string')).toBe(true);
  });

  it('stores a conversation reference on every message, so a person can be messaged later', async () => {
    await bot.say('help');
    await bot.connector.waitFor((a) => cardOf(a) !== undefined);
    const stored = await bot.app.conversations.get(USER_OID);
    expect(stored?.conversationId).toBe(`a:personal-${USER_OID}`);

    await expect(
      bot.app.bot.notifier.sendToPerson(USER_OID, { text: 'A new briefing is ready for you.' }),
    ).resolves.toBe('sent');
    const proactive = await bot.connector.waitFor((a) => a.activity.text === 'A new briefing is ready for you.');
    expect(proactive.conversationId).toBe(`a:personal-${USER_OID}`);
    await expect(
      bot.app.bot.notifier.sendToPerson('cccccccc-0000-4000-8000-000000000003', { text: 'x' }),
    ).resolves.toBe('no-conversation');
  });

  it('reports storage health on /healthz, and 503 once storage is gone', async () => {
    const ok = await fetch(`${bot.app.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', storage: { mode: 'embedded', ok: true } });
    await bot.app.store.close();
    const down = await fetch(`${bot.app.url}/healthz`);
    expect(down.status).toBe(503);
  });
});

describe('with app credentials set', () => {
  let bot: TestBot;
  onlyLoopback();
  beforeEach(async () => {
    bot = await startTestBot({
      MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: '99999999-2222-4333-8444-555555555555',
    });
  });
  afterEach(async () => {
    await bot.stop();
  });

  it('refuses a request without a Bot Framework token with 401 and never processes it', async () => {
    // A refused token is one structured log line each, asserted here; the SDK's AuthenticationError
    // must not reach the console as a stack trace (the adapter's own process() printed one per refusal).
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const error = console.error;
    process.stderr.write = ((chunk: string | Uint8Array) => (
      printed.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    console.error = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    try {
      const res = await bot.say('help');
      expect(res.status).toBe(401);
      const forged = await bot.post(bot.activity({ type: 'message', text: 'help' }), {
        authorization: 'Bearer not.a.token',
      });
      expect(forged.status).toBe(401);
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.stderr.write = write;
      console.error = error;
    }
    expect(printed.join('')).not.toMatch(/AuthenticationError|\n\s+at /);
    expect(bot.logs.filter((l) => l.msg === 'messages request refused').map((l) => l.status)).toEqual([401, 401]);
    expect(bot.connector.sent).toHaveLength(0);
    expect(await bot.app.conversations.get(USER_OID)).toBeUndefined();
  });
});

describe('malformed requests to /api/messages', () => {
  onlyLoopback();
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const APP_ID = '11111111-2222-4333-8444-555555555555';
  const claims = {
    iss: 'https://api.botframework.com',
    aud: APP_ID,
    exp: Math.floor(Date.now() / 1000) + 3600,
    serviceurl: 'http://127.0.0.1/',
  };
  const ALG_NONE = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const HS256 = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('forged').toString('base64url')}`;

  let stderr: string[];
  let restore: () => void;
  beforeEach(() => {
    stderr = [];
    const write = process.stderr.write.bind(process.stderr);
    const error = console.error;
    const warn = console.warn;
    process.stderr.write = ((chunk: string | Uint8Array) => (
      stderr.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    console.error = (...args: unknown[]) => stderr.push(args.map(String).join(' '));
    console.warn = (...args: unknown[]) => stderr.push(args.map(String).join(' '));
    restore = () => {
      process.stderr.write = write;
      console.error = error;
      console.warn = warn;
    };
  });
  afterEach(() => restore());

  const raw = (bot: TestBot, body: string, headers: Record<string, string> = {}) =>
    fetch(`${bot.app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it.each([
    ['an empty object', () => '{}'],
    ['an array', () => '[]'],
    ['not JSON at all', () => 'this is not json NHS 943 476 5919'],
    [
      'an activity without a type',
      (bot: TestBot) => JSON.stringify({ ...bot.activity({ text: 'help' }), type: undefined }),
    ],
    ['a number as the type', (bot: TestBot) => JSON.stringify(bot.activity({ type: 5 }))],
    [
      'a number as the serviceUrl',
      (bot: TestBot) => JSON.stringify(bot.activity({ type: 'message', text: 'help', serviceUrl: 42 })),
    ],
    [
      'an object as the serviceUrl',
      (bot: TestBot) => JSON.stringify(bot.activity({ type: 'message', text: 'help', serviceUrl: { href: 'x' } })),
    ],
    [
      'a string as the conversation',
      (bot: TestBot) => JSON.stringify(bot.activity({ type: 'message', text: 'help', conversation: 'x' })),
    ],
  ])('answers %s with 400, a short body and one log line, and no stack trace', async (_what, body) => {
    const bot = await startTestBot();
    try {
      const before = bot.logs.length;
      const res = await raw(bot, body(bot));
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text.length).toBeLessThan(200);
      expect(text).not.toMatch(/\bat \S+ \(|toLowerCase|943 476 5919/);
      const lines = bot.logs.slice(before);
      expect(lines.filter((l) => l.msg === 'messages request refused')).toHaveLength(1);
      expect(JSON.stringify(lines)).not.toMatch(/stack|943 476 5919/);
      expect(stderr.join('')).not.toMatch(/\n\s+at |Error/); // (restify's one DeprecationWarning per process is not ours)
      expect(bot.connector.sent).toHaveLength(0);
    } finally {
      await bot.stop();
    }
  });

  it.each([
    ['alg=none', ALG_NONE],
    ['HS256', HS256],
  ])('refuses a forged %s token with 401 when credentials are configured', async (_what, token) => {
    const bot = await startTestBot({
      MicrosoftAppId: APP_ID,
      MicrosoftAppPassword: 'not-a-real-secret',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: '99999999-2222-4333-8444-555555555555',
    });
    try {
      const before = bot.logs.length;
      const res = await bot.post(bot.activity({ type: 'message', text: 'help' }), { authorization: `Bearer ${token}` });
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(text.length).toBeLessThan(200);
      expect(bot.logs.slice(before).filter((l) => l.msg === 'messages request refused')).toHaveLength(1);
      expect(stderr.join('')).not.toMatch(/\n\s+at |Error/);
      await new Promise((r) => setTimeout(r, 100));
      expect(bot.connector.sent).toHaveLength(0);
    } finally {
      await bot.stop();
    }
  });

  it('does not crash on a card submit that carries a mention but no text', async () => {
    const bot = await startTestBot();
    try {
      const res = await bot.post(
        bot.activity({
          type: 'message',
          value: { verb: 'menu', command: 'help' },
          entities: [
            {
              type: 'mention',
              mentioned: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
              text: '<at>Safeguarding support</at>',
            },
          ],
        }),
      );
      expect(res.status).toBeLessThan(300);
      await bot.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
      expect(bot.logs.some((l) => l.msg === 'turn failed')).toBe(false);
    } finally {
      await bot.stop();
    }
  });
});
