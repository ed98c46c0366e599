import { commandCatalogue } from '../src/app';
import { persona, type Persona } from '../src/demo';
import { commandsFor, manifestCommands } from '../src/home/menu';
import { buildManifest } from '../scripts/package';
import { resolveRoles } from '../src/people/roles';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { cardProblems } from './helpers/cards';
import { ask } from './helpers/ask';
import { onlyLoopback, startDemoBot, USER_OID, type TestBot } from './helpers/bot';

/** The buttons and the command rows of a menu card. */
function menuOf(reply: SentActivity): { buttons: string[]; commands: string[] } {
  const card = cardOf(reply)!;
  expect(cardProblems(card)).toEqual([]);
  const roleSet = (card.body as { type: string; actions?: { title: string }[] }[]).find((b) => b.type === 'ActionSet');
  const buttons = [...((card.actions ?? []) as { title: string }[]), ...(roleSet?.actions ?? [])].map((a) => a.title);
  const facts = (card.body as { type: string; facts?: { title: string }[] }[])
    .filter((b) => b.type === 'FactSet')
    .flatMap((b) => b.facts ?? []);
  return { buttons, commands: facts.map((f) => f.title.split(' [')[0]!.split(' <')[0]!) };
}

const EVERYONE = ['worried', 'feedback received', 'my training', 'briefings', 'help'];
const LEAD_ONLY = [
  'content review',
  'assessment status',
  'assessment themes',
  'reopen assessment',
  'assessment export',
  'remind practices',
  'organisation compliance',
  'new briefing',
  'briefing drafts',
  'briefing reports',
];

describe('every role finds its commands: help, the welcome card and the manifest', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startDemoBot();
  });
  afterAll(async () => {
    await bot.stop();
  });

  const expected: Record<Persona, { has: string[]; not: string[]; buttons: string[] }> = {
    staff: {
      has: EVERYONE,
      not: ['self-assessment', 'team compliance', ...LEAD_ONLY],
      buttons: ["I'm worried about someone", 'My training', '7-minute briefings'],
    },
    manager: {
      has: [...EVERYONE, 'team compliance'],
      not: ['self-assessment', ...LEAD_ONLY],
      buttons: ["I'm worried about someone", 'My training', '7-minute briefings', 'Team compliance'],
    },
    'practice-lead': {
      has: [...EVERYONE, 'self-assessment'],
      not: ['team compliance', ...LEAD_ONLY],
      buttons: ["I'm worried about someone", 'My training', '7-minute briefings', 'Practice self-assessment'],
    },
    lead: {
      has: [...EVERYONE, 'team compliance', ...LEAD_ONLY],
      not: ['self-assessment'],
      buttons: [
        "I'm worried about someone",
        'My training',
        '7-minute briefings',
        'Self-assessment status',
        'Team compliance',
        'New briefing',
      ],
    },
  };

  it.each(Object.keys(expected) as Persona[])(
    'help shows a %s what they can do, and nothing that would only refuse them',
    async (who) => {
      const { reply } = await ask(bot, persona(who).aadObjectId, 'help');
      const menu = menuOf(reply);
      for (const c of expected[who].has) expect(menu.commands).toContain(c);
      for (const c of expected[who].not) expect(menu.commands).not.toContain(c);
      expect(menu.buttons).toEqual(expected[who].buttons);
    },
  );

  it.each(Object.keys(expected) as Persona[])('the welcome card offers a %s the same', async (who) => {
    const oid = persona(who).aadObjectId;
    const before = bot.connector.sent.length;
    await bot.post(bot.activity({ type: 'installationUpdate', action: 'add' }, oid));
    const reply = await bot.connector.waitFor(
      (a) =>
        bot.connector.sent.indexOf(a) >= before &&
        a.conversationId === `a:personal-${oid}` &&
        cardText(cardOf(a)).includes('Welcome'),
    );
    expect(menuOf(reply).buttons).toEqual(expected[who].buttons);
    expect(cardText(cardOf(reply))).toContain('call 999');
  });

  it('a member of staff no longer gets a self-assessment button, and a lead sees what each lead command is for', async () => {
    const staff = cardText(cardOf((await ask(bot, USER_OID, 'help')).reply));
    expect(staff).not.toContain('self-assessment');
    const lead = cardText(cardOf((await ask(bot, persona('lead').aadObjectId, 'help')).reply));
    expect(lead).toContain('As a safeguarding lead');
    expect(lead).toContain('team compliance [team]');
    expect(lead).toContain('reopen assessment <ODS code>');
    expect(lead).toContain('As a safeguarding lead, you can also:');
    expect(lead).toContain('Training compliance for every team side by side');
  });

  it('the manifest’s command list comes from the same declarations, says who each is for, and fits Teams’ limit of 10', () => {
    const manifest = buildManifest({
      MicrosoftAppId: '11111111-1111-4111-8111-111111111111',
      BOT_DOMAIN: 'bot.example.net',
      PRIVACY_URL: 'https://example.net/p',
      TERMS_URL: 'https://example.net/t',
    }) as {
      bots: { commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[];
    };
    const personal = manifest.bots[0]!.commandLists.find((l) => l.scopes.includes('personal'))!.commands;
    expect(personal).toEqual(manifestCommands(commandCatalogue()));
    expect(personal.length).toBeLessThanOrEqual(10);
    expect(personal.map((c) => c.title)).toEqual(
      expect.arrayContaining([
        'worried',
        'my training',
        'briefings',
        'self-assessment',
        'team compliance',
        'new briefing',
        'help',
      ]),
    );
    expect(personal.find((c) => c.title === 'team compliance')!.description).toMatch(
      /\(managers and safeguarding leads\)$/,
    );
    expect(personal.find((c) => c.title === 'self-assessment')!.description).toMatch(/\(GP practice leads\)$/);
    for (const c of personal) expect(c.description.length).toBeLessThanOrEqual(128);
  });

  it('shows only everyone’s commands in a group chat: privileged work stays in the 1:1 chat', async () => {
    const oid = persona('lead').aadObjectId;
    const conversation = { id: '19:demo-group@thread.v2', conversationType: 'groupChat', tenantId: 'tenant-1' };
    const before = bot.connector.sent.length;
    await bot.post(bot.activity({ type: 'message', text: 'help', conversation }, oid));
    const reply = await bot.connector.waitFor(
      (a) => bot.connector.sent.indexOf(a) >= before && a.conversationId === conversation.id,
    );
    const menu = menuOf(reply);
    for (const c of LEAD_ONLY) expect(menu.commands).not.toContain(c);
  });

  /**
   * What help promises and what the handlers allow must agree: every command a plain member of
   * staff is refused declares a permission (so help leaves it out), and every command that
   * declares one refuses them and lets those roles in.
   */
  describe.each(commandCatalogue().map((c) => [c.name, c.permission ?? 'everyone', c] as const))(
    '"%s" (%s)',
    (name, _who, command) => {
      const refusedFor = async (oid: string, text: string) => {
        const before = bot.logs.length;
        await ask(bot, oid, text);
        return bot.logs.slice(before).some((l) => l.msg === 'refused');
      };
      const text = name === 'reopen assessment' ? 'reopen assessment Y90004' : name;

      it('refuses a member of staff exactly when it is left out of their menu', async () => {
        const staffMay = commandsFor([command], { roles: resolveRoles([], false) }).length === 1;
        expect(await refusedFor(persona('staff').aadObjectId, text)).toBe(!staffMay);
      });

      it('lets in the roles it declares', async () => {
        if (!command.permission) return;
        const roles = { 'training.team': ['manager', 'lead'], 'assessment.answer': ['practice-lead'] }[
          command.permission as string
        ] ?? ['lead'];
        for (const who of roles as Persona[]) expect(await refusedFor(persona(who).aadObjectId, text)).toBe(false);
      });
    },
  );
});
