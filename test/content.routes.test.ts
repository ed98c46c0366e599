import { stepChanges } from '../src/content/routeEdit';
import { cardOf, cardText, type SentActivity } from './helpers/connector';
import { inChat, nextIn, withCard, withText } from './helpers/replies';
import { button, cardProblems } from './helpers/cards';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';

type Card = Record<string, unknown>;
const LEAD2 = 'cccccccc-0000-4000-8000-000000000003';
const ROUTE = 'child-abuse-neglect';
const NEW_STEP_2 =
  'Within 24 hours, complete the Worried About A Child (Professionals) form online, giving a secure e-mail address.';

/** The values a person would submit: every input's current value, by id. */
function inputs(card: Card): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.type === 'string' && o.type.startsWith('Input.') && typeof o.id === 'string')
        out[o.id] = String(o.value ?? '');
      Object.values(o).forEach(visit);
    }
  };
  visit(card);
  return out;
}

describe('the difference between two lists of steps', () => {
  it('names a removed, an added and a changed step by number', () => {
    const t = (a: string[], b: string[]) => stepChanges(a, b).map((c) => c.text);
    expect(t(['a', 'b', 'c'], ['a', 'c'])).toEqual(['Step 2 removed: b']);
    expect(t(['a', 'b'], ['a', 'x', 'b'])).toEqual(['Step 2 added: x']);
    expect(t(['a', 'b', 'c'], ['a', 'B', 'c'])).toEqual(['Step 2: b → B']);
    expect(t(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual(['Step 1 removed: a', 'Step 3 added: d']);
    expect(t(['a'], ['a'])).toEqual([]);
  });
});

describe('a lead edits a route in cards (steps, contacts, follow-up), approved by another lead', () => {
  onlyLoopback();
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot({ SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` });
    for (const oid of [LEAD_OID, LEAD2, USER_OID]) await bot.say('hello', { oid });
  });
  afterEach(async () => bot?.stop());

  const next = (oid: string, predicate: (a: SentActivity) => boolean, send: () => Promise<unknown>) =>
    nextIn(bot, oid, predicate, send);

  /** `edit route`, choose the child abuse route: its editing card. */
  async function openRoute(): Promise<Card> {
    const picker = cardOf(
      await next(LEAD_OID, withCard('Edit a route'), () => bot.say('edit route', { oid: LEAD_OID })),
    )!;
    expect(cardProblems(picker)).toEqual([]);
    expect(JSON.stringify(picker)).toContain(`"value":"${ROUTE}"`);
    const pick = { ...(button(picker, 'Edit this route').data as Record<string, unknown>), route: ROUTE };
    const form = cardOf(
      await next(LEAD_OID, withCard('Change: Worried about a child: abuse or neglect'), () =>
        bot.say('', { oid: LEAD_OID, value: pick }),
      ),
    )!;
    expect(cardProblems(form)).toEqual([]);
    return form;
  }
  const submit = (form: Card, values: Record<string, string>, title = 'Propose this change') => ({
    ...inputs(form),
    ...(button(form, title).data as Record<string, unknown>),
    ...values,
  });

  async function staffSteps(): Promise<string> {
    const reply = await next(USER_OID, withCard('Last reviewed'), () =>
      bot.say('my neighbour hits his kids', { oid: USER_OID }),
    );
    return cardText(cardOf(reply));
  }

  it('shows the approver each difference, and staff see the new route only once another lead approves', async () => {
    const form = await openRoute();
    const current = inputs(form);
    expect(current.step0).toBe('Telephone the MASH (24 hours) to make the referral.');
    expect(current.contact0).toBe('mash');
    expect(current.followHours).toBe('72');
    const removed = current.step2!;
    const values = {
      step1: NEW_STEP_2,
      step2: '',
      step3: 'Tell your safeguarding lead the same day.',
      followHours: '48',
      contact1: 'police-101',
      why1: 'If a crime has been committed against the child.',
    };
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD_OID, value: submit(form, values) });
    const approval = cardOf(
      await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && withCard('needs your approval')(a),
      ),
    )!;
    const text = cardText(approval);
    expect(text).toContain('Route: Worried about a child: abuse or neglect');
    expect(text).toContain(
      `Step 2: Within 24 hours, complete the Worried About A Child (Professionals) form, giving a secure e-mail address. → ${NEW_STEP_2}`,
    );
    // A step emptied and another typed in its place reads as that step changed.
    expect(text).toContain(`Step 3: ${removed} → Tell your safeguarding lead the same day.`);
    expect(text).toContain(
      'Contact added: Police non-emergency number (If a crime has been committed against the child.)',
    );
    expect(text).toContain('Follow-up after: 72 hours → 48 hours');
    // Staff keep the approved route meanwhile; the proposer cannot approve it; the other lead does.
    expect(await staffSteps()).not.toContain(NEW_STEP_2);
    const approve = button(approval, 'Approve').data;
    await next(LEAD_OID, withText(/You proposed this change/), () => bot.say('', { oid: LEAD_OID, value: approve }));
    const ok = await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: approve }));
    expect(ok.activity.text).toBe('Approved. Staff now see version 2.');
    const staff = await staffSteps();
    expect(staff).toContain(NEW_STEP_2);
    expect(staff).toContain('Tell your safeguarding lead the same day.');
    expect(staff).not.toContain(removed);
    const route = bot.app.liveContent.get().route(ROUTE)!;
    expect(route.followUp?.afterHours).toBe(48);
    expect(route.contacts.map((c) => c.contact)).toEqual(['mash', 'police-101']);
    const records = await bot.app.audit.month(bot.clock.now.toISOString().slice(0, 7));
    const proposed = records.filter((r) => r.action === 'content.proposed');
    expect(proposed).toHaveLength(1);
    expect(proposed[0]!.subject.route).toBe(ROUTE);
    expect(JSON.stringify(records)).not.toMatch(/safeguarding lead the same day|Worried About A Child/);
  });

  it('refuses a step with patient details without echoing it, and a route the start-up schema would refuse, and changes nothing', async () => {
    const form = await openRoute();
    const leak = 'Ring the mum of John Smith, aged 4, at 12 High Street';
    const flagged = cardOf(
      await next(LEAD_OID, withCard('patient details'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { step1: leak }) }),
      ),
    )!;
    expect(cardText(flagged)).toMatch(
      /Step 2 looks like it contains patient details .*A route must never contain patient details\. Nothing was saved\./,
    );
    expect(JSON.stringify(flagged)).not.toContain('John Smith');
    expect(inputs(flagged).step0).toBe('Telephone the MASH (24 hours) to make the referral.');
    // Every step emptied: the same schema as start-up says why.
    const none = cardOf(
      await next(LEAD_OID, withCard('not valid'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { step0: '', step1: '', step2: '' }) }),
      ),
    )!;
    expect(cardText(none)).toContain('That change is not valid, so nothing was saved: Steps: needs at least one step.');
    const hours = cardOf(
      await next(LEAD_OID, withCard('whole number of hours'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { followHours: 'three days' }) }),
      ),
    )!;
    expect(cardText(hours)).toContain('The follow-up needs a whole number of hours from 1 to 720');
    const why = cardOf(
      await next(LEAD_OID, withCard('is empty'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { contact1: 'police-101', why1: '' }) }),
      ),
    )!;
    expect(cardText(why)).toContain('The "Why" box of contact 2 is empty');
    const same = cardOf(
      await next(LEAD_OID, withCard('Nothing has changed'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, {}) }),
      ),
    )!;
    expect(cardProblems(same)).toEqual([]);
    // More boxes keeps what was typed and adds empty ones.
    const more = cardOf(
      await next(LEAD_OID, withCard('Change:'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { step3: 'A fourth step' }, 'More boxes') }),
      ),
    )!;
    expect(inputs(more).step3).toBe('A fourth step');
    expect(Object.keys(inputs(more)).filter((k) => /^step\d+$/.test(k)).length).toBeGreaterThanOrEqual(
      Object.keys(inputs(form)).filter((k) => /^step\d+$/.test(k)).length + 3,
    );
    expect(bot.app.liveContent.currentVersion).toBe(1);
    expect(
      await bot.app.store
        .container('content')
        .items.query("SELECT VALUE COUNT(1) FROM c WHERE c.kind = 'proposal'")
        .fetchAll()
        .then((r) => r.resources[0]),
    ).toBe(0);
  });

  it('a second proposal on the same version is withdrawn when the first goes live, and staff cannot edit routes', async () => {
    const form = await openRoute();
    const before = bot.connector.sent.length;
    await bot.say('', { oid: LEAD_OID, value: submit(form, { step1: NEW_STEP_2 }) });
    const first = cardOf(
      await bot.connector.waitFor(
        (a) => bot.connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && withCard('needs your approval')(a),
      ),
    )!;
    await next(LEAD2, withText(/Approved/), () => bot.say('', { oid: LEAD2, value: button(first, 'Approve').data }));
    // The old form is based on version 1: it is refused and shown again with the latest route.
    const stale = cardOf(
      await next(LEAD_OID, withCard('content changed'), () =>
        bot.say('', { oid: LEAD_OID, value: submit(form, { step0: 'Telephone the MASH straight away.' }) }),
      ),
    )!;
    expect(inputs(stale).step1).toBe(NEW_STEP_2);
    const refused = await next(USER_OID, withText(/Only safeguarding leads|only for/i), () =>
      bot.say('edit route', { oid: USER_OID }),
    );
    expect(refused.activity.text).toMatch(/safeguarding lead/i);
    await next(USER_OID, withText(/Only safeguarding leads/), () =>
      bot.say('', { oid: USER_OID, value: submit(form, { step1: 'Forged' }) }),
    );
    expect(bot.app.liveContent.currentVersion).toBe(2);
  });
});
