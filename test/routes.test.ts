import { z } from 'zod';
import { action, execute, matchCommand } from '../src/chat/routes';
import { fakeTurn } from './helpers/fakeTurn';

describe('typed card actions', () => {
  const seen: unknown[] = [];
  const press = action(
    'thing.save',
    z.object({ id: z.string().min(1) }),
    async (turn, data) => {
      seen.push(data);
      await turn.send({ text: `saved ${data.id}` });
    },
    {
      permission: 'content.edit',
      refuse: async (turn) => turn.send({ text: 'Only safeguarding leads can do that.' }),
      invalid: async (turn) => turn.send({ text: 'That button is out of date.' }),
    },
  );

  beforeEach(() => (seen.length = 0));

  test.each([
    {
      who: 'a lead with good data',
      roles: ['safeguarding-lead'] as const,
      value: { id: 'a' },
      reply: 'saved a',
      ran: true,
    },
    {
      who: 'a lead with an old card',
      roles: ['safeguarding-lead'] as const,
      value: { other: 1 },
      reply: 'That button is out of date.',
      ran: false,
    },
    {
      who: 'a lead with no data at all',
      roles: ['safeguarding-lead'] as const,
      value: undefined,
      reply: 'That button is out of date.',
      ran: false,
    },
    {
      who: 'staff with good data',
      roles: [] as const,
      value: { id: 'a' },
      reply: 'Only safeguarding leads can do that.',
      ran: false,
    },
    {
      who: 'staff with bad data (refused before the data is read)',
      roles: [] as const,
      value: 'nonsense',
      reply: 'Only safeguarding leads can do that.',
      ran: false,
    },
  ])('$who', async ({ roles, value, reply, ran }) => {
    const turn = fakeTurn({ roles: [...roles], value });
    await press.handle(turn);
    expect(turn.texts()).toEqual([reply]);
    expect(seen.length > 0).toBe(ran);
  });

  test('declares its verb and permission for the bot layer and the refusal audit', () => {
    expect(press).toMatchObject({ verb: 'thing.save', permission: 'content.edit' });
  });

  test('an action for anyone (the person not looked up) cannot also need a permission', () => {
    const noop = async () => undefined;
    expect(() =>
      action('thing.any', z.object({}), noop, { invalid: noop, anyone: true, permission: 'content.edit' }),
    ).toThrow(/cannot also need a permission/);
    expect(action('thing.any', z.object({}), noop, { invalid: noop, anyone: true })).toMatchObject({ anyone: true });
  });

  test('an Action.Execute reply comes from the invalid handler when the data is wrong', async () => {
    const ack = execute(
      'thing.ack',
      z.object({ id: z.string() }),
      async (_t, d) => ({ text: `read ${d.id}` }),
      () => ({ text: 'out of date' }),
    );
    expect(await ack.handle(fakeTurn({ value: { id: 'b' } }))).toEqual({ text: 'read b' });
    expect(await ack.handle(fakeTurn({ value: { id: 7 } }))).toEqual({ text: 'out of date' });
  });
});

describe('command matching', () => {
  const team = { patterns: [/^\s*team compliance\b(?<args>.*)$/i] };
  test.each([
    ['team compliance', { args: undefined }],
    ['Team compliance   Finance  ', { args: 'Finance' }],
    ['team compliances', undefined],
    ['show team compliance', undefined],
  ])('%p', (text, expected) => {
    expect(matchCommand(team, text)).toEqual(expected);
  });

  test('a pattern without an args group never passes its other groups as arguments', () => {
    expect(matchCommand({ patterns: [/^\s*(i'?m\s+)?worried\s*$/i] }, "I'm worried")).toEqual({ args: undefined });
  });
});
