import fs from 'node:fs';
import path from 'node:path';
import { firstWorkingDay } from '../src/content/calendar';
import { parseReferralContent, type ReferralContent } from '../src/referral/content';
import { cardOf, cardText, LoopbackConnector, type SentActivity } from './helpers/connector';
import { button, cardProblems } from './helpers/cards';
import { LEAD_OID, onlyLoopback, startTestBot, USER_OID, type TestBot } from './helpers/bot';
import { tempDir } from './helpers/tmp';
import { loadDemo, persona } from '../src/demo';

type Card = Record<string, unknown>;
const LEAD2 = 'cccccccc-0000-4000-8000-000000000003';
const env = { SAFEGUARDING_LEAD_IDS: `${LEAD_OID},${LEAD2}` };
const shipped = (f: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'content', 'referral', f), 'utf8'));

/** The shipped content with the SPA owned by a lead named by e-mail, and a route owned by an e-mail nobody in the staff list has. */
function ownedByEmail(): ReferralContent {
  const contacts = shipped('contacts.json');
  contacts.contacts.find((c: { id: string }) => c.id === 'adult-spa').owner = 'Tom.Okafor@demo.nhs.example';
  const routes = shipped('routes.json');
  routes.routes.find((r: { id: string }) => r.id === 'early-help').owner = 'someone.who.left@demo.nhs.example';
  return parseReferralContent({
    contacts,
    routes,
    pathway: shipped('pathway.json'),
    phrasing: shipped('phrasing.json'),
    areas: shipped('areas.json'),
  });
}

/** The shipped content with LEAD2 as the owner of the MASH contact and the child abuse route. */
function ownedContent(): ReferralContent {
  const contacts = shipped('contacts.json');
  contacts.contacts.find((c: { id: string }) => c.id === 'mash').owner = LEAD2;
  const routes = shipped('routes.json');
  routes.routes.find((r: { id: string }) => r.id === 'child-abuse-neglect').owner = LEAD2.toUpperCase();
  return parseReferralContent({
    contacts,
    routes,
    pathway: shipped('pathway.json'),
    phrasing: shipped('phrasing.json'),
    areas: shipped('areas.json'),
  });
}

/** Every button on a card with this title, with the text of the container it is in. */
function buttons(card: Card, title: string): { data: Record<string, unknown>; around: string }[] {
  const out: { data: Record<string, unknown>; around: string }[] = [];
  const visit = (node: unknown, around: string): void => {
    if (Array.isArray(node)) node.forEach((n) => visit(n, around));
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const here = o.type === 'Container' ? cardText({ body: o.items }) : around;
      if (typeof o.type === 'string' && o.type.startsWith('Action.') && o.title === title)
        out.push({ data: o.data as Record<string, unknown>, around: here });
      Object.values(o).forEach((v) => visit(v, here));
    }
  };
  visit(card, '');
  return out;
}

describe('the monthly content review card', () => {
  onlyLoopback();

  it('knows the first working day of a month in England and Wales', () => {
    expect(firstWorkingDay(2027, 11)).toBe('2027-11-01'); // a Monday
    expect(firstWorkingDay(2027, 1)).toBe('2027-01-04'); // 1 January is a Friday and a bank holiday
    expect(firstWorkingDay(2022, 1)).toBe('2022-01-04'); // New Year's Day on a Saturday: the holiday is Monday 3rd
    expect(firstWorkingDay(2024, 4)).toBe('2024-04-02'); // Easter Monday 1 April
    expect(firstWorkingDay(2028, 5)).toBe('2028-05-02'); // the early May bank holiday is Monday 1 May
    expect(firstWorkingDay(2027, 5)).toBe('2027-05-04'); // Saturday 1st, Monday 3rd is the bank holiday
  });

  it('sends each owner, and every lead for what has no owner, one card on the first working day, once per month across a restart; Still correct records who and moves the date on', async () => {
    const dir = tempDir();
    const connector = new LoopbackConnector();
    await connector.start();
    const start = (clock?: Date) =>
      startTestBot(env, dir, connector, { referralContent: ownedContent() }).then((b) => {
        if (clock) b.clock.now = clock;
        return b;
      });
    let bot: TestBot = await start();
    try {
      for (const oid of [LEAD_OID, LEAD2, USER_OID]) await bot.say('hello', { oid });
      const inChat = (oid: string) => (a: SentActivity) => a.conversationId === `a:personal-${oid}`;
      const reviewCards = (oid: string) =>
        connector.sent.filter(
          (a) => inChat(oid)(a) && cardText(cardOf(a)).includes('Referral content to review this month'),
        );

      // The evening before, and the first working day before 08:00: nothing yet.
      bot.clock.now = new Date('2027-10-31T18:00:00Z');
      expect((await bot.app.contentReviews.run()).sent).toBe(0);
      bot.clock.now = new Date('2027-11-01T07:30:00Z');
      expect((await bot.app.contentReviews.run()).sent).toBe(0);
      expect(reviewCards(LEAD_OID)).toHaveLength(0);

      // 09:30 on Monday 1 November 2027: two runs at once (as two instances would) send one card to each lead.
      bot.clock.now = new Date('2027-11-01T09:30:00Z');
      const runs = await Promise.all([bot.app.contentReviews.run(), bot.app.contentReviews.run()]);
      expect(runs[0]!.sent + runs[1]!.sent).toBe(2);
      await connector.waitFor((a) => reviewCards(LEAD2).includes(a));
      expect(reviewCards(LEAD_OID)).toHaveLength(1);
      expect(reviewCards(LEAD2)).toHaveLength(1);
      const mine = cardOf(reviewCards(LEAD2)[0]!)!;
      const other = cardOf(reviewCards(LEAD_OID)[0]!)!;
      expect(cardProblems(mine)).toEqual([]);
      expect(cardProblems(other)).toEqual([]);
      // The owner gets what they own; the other lead does not; both get what nobody owns.
      expect(cardText(mine)).toMatch(
        /Contact: Rotherham Multi-Agency Safeguarding Hub \(MASH\)\s*Review due today\s*You are its owner/,
      );
      expect(cardText(mine)).toMatch(/Route: Worried about a child: abuse or neglect/);
      expect(cardText(other)).not.toMatch(/MASH\)|Route: Worried about a child: abuse or neglect/);
      expect(cardText(other)).toMatch(
        /Contact: Rotherham Council adult social care single point of access \(SPA\)\s*Review due today/,
      );
      expect(cardText(other)).toMatch(/Review due 1 December 2027/);
      expect(cardText(other)).toMatch(/Not yet filled in: add its details/);

      // A restart on the same store the same day: nothing is sent again.
      await bot.stop({ keepData: true, keepConnector: true });
      bot = await start(new Date('2027-11-01T10:00:00Z'));
      expect((await bot.app.contentReviews.run()).sent).toBe(0);
      bot.clock.now = new Date('2027-11-02T10:00:00Z');
      expect((await bot.app.contentReviews.run()).sent).toBe(0);
      expect(reviewCards(LEAD_OID)).toHaveLength(1);
      expect(reviewCards(LEAD2)).toHaveLength(1);

      // Still correct on the MASH, by its owner: who and when are recorded, and its date moves on a year.
      const still = buttons(mine, 'Still correct').find((b) => b.around.includes('MASH'))!;
      let before = connector.sent.length;
      await bot.say('', { oid: LEAD2, value: still.data });
      const done = await connector.waitFor(
        (a) =>
          connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && /recorded as checked/.test(a.activity.text ?? ''),
      );
      expect(done.activity.text).toBe(
        'Thank you. Rotherham Multi-Agency Safeguarding Hub (MASH) is recorded as checked and still correct by you today (2 November 2027). Its next review is due 2 November 2028.',
      );
      before = connector.sent.length;
      await bot.say('', { oid: LEAD2, value: still.data });
      const again = await connector.waitFor(
        (a) => connector.sent.indexOf(a) >= before && inChat(LEAD2)(a) && typeof a.activity.text === 'string',
      );
      expect(again.activity.text).toMatch(/already recorded today/);
      // The route's date is what staff see on its card.
      const route = buttons(mine, 'Still correct').find((b) => b.around.includes('abuse or neglect'))!;
      before = connector.sent.length;
      await bot.say('', { oid: LEAD_OID, value: route.data });
      await connector.waitFor(
        (a) =>
          connector.sent.indexOf(a) >= before &&
          inChat(LEAD_OID)(a) &&
          /recorded as checked/.test(a.activity.text ?? ''),
      );
      before = connector.sent.length;
      await bot.say('my neighbour hits his kids', { oid: USER_OID });
      const staffCard = await connector.waitFor(
        (a) =>
          connector.sent.indexOf(a) >= before &&
          inChat(USER_OID)(a) &&
          cardText(cardOf(a)).includes('abuse or neglect'),
      );
      expect(cardText(cardOf(staffCard))).toContain('Last reviewed 2 November 2027');
      // Staff cannot press it; the refusal is audited.
      before = connector.sent.length;
      await bot.say('', { oid: USER_OID, value: still.data });
      await connector.waitFor(
        (a) =>
          connector.sent.indexOf(a) >= before &&
          inChat(USER_OID)(a) &&
          /Only safeguarding leads/.test(a.activity.text ?? ''),
      );
      const audit = await bot.app.audit.month('2027-11');
      const reviewed = audit.filter((r) => r.action === 'content.reviewed');
      expect(reviewed.map((r) => [r.actor, r.subject.contact ?? r.subject.route])).toEqual(
        expect.arrayContaining([
          [LEAD2, 'mash'],
          [LEAD_OID, 'child-abuse-neglect'],
        ]),
      );
      expect(reviewed).toHaveLength(2);
      expect(audit.filter((r) => r.action === 'content.refused' && r.actor === USER_OID)).toHaveLength(1);

      // Change it opens the change form for the contact.
      const change = buttons(other, 'Change it').find((b) => b.around.includes('(SPA)'))!;
      before = connector.sent.length;
      await bot.say('', { oid: LEAD_OID, value: change.data });
      const form = await connector.waitFor(
        (a) => connector.sent.indexOf(a) >= before && inChat(LEAD_OID)(a) && cardText(cardOf(a)).includes('Change:'),
      );
      expect(cardText(cardOf(form))).toContain('single point of access');
      expect(button(cardOf(form)!, 'Propose this change')).toBeDefined();
      // And for a route, the route's editing card.
      const changeRoute = buttons(mine, 'Change it').find((b) => b.around.includes('Route: Worried about a child'))!;
      before = connector.sent.length;
      await bot.say('', { oid: LEAD2, value: changeRoute.data });
      const routeForm = await connector.waitFor(
        (a) =>
          connector.sent.indexOf(a) >= before &&
          inChat(LEAD2)(a) &&
          cardText(cardOf(a)).includes('Change: Worried about a child: abuse or neglect'),
      );
      expect(cardText(cardOf(routeForm))).toContain('What to do now');

      // The review survives a restart, and next month's card no longer lists what was checked.
      await bot.stop({ keepData: true, keepConnector: true });
      bot = await start(new Date('2027-12-01T09:00:00Z'));
      expect((await bot.app.contentReviews.run()).sent).toBe(2);
      await connector.waitFor(() => reviewCards(LEAD2).length === 2);
      const december = cardOf(reviewCards(LEAD2)[1]!)!;
      expect(cardText(december)).not.toMatch(/MASH\)/);
      expect(cardText(december)).not.toMatch(/Route: Worried about a child: abuse or neglect/);
      expect(cardText(december)).toMatch(/Route: Worried about an adult/);
    } finally {
      await bot.stop();
      await connector.stop();
    }
  });

  it('finds an owner given by e-mail in the staff list, and sends an item whose owner is not a lead to every lead', async () => {
    const bot = await startTestBot({}, tempDir(), undefined, { referralContent: ownedByEmail() });
    try {
      await loadDemo(bot.app, new Date('2027-10-01T09:00:00Z'));
      const tom = '743da293-c979-45f2-bb63-9e4d38837a89';
      const priya = persona('lead').aadObjectId;
      for (const oid of [tom, priya]) await bot.say('hello', { oid });
      bot.clock.now = new Date('2027-11-01T09:00:00Z');
      await bot.app.contentReviews.run();
      const cardFor = (oid: string) =>
        cardOf(
          bot.connector.sent.find(
            (a) =>
              a.conversationId === `a:personal-${oid}` &&
              cardText(cardOf(a)).includes('Referral content to review this month'),
          )!,
        )!;
      expect(cardText(cardFor(tom))).toMatch(/single point of access \(SPA\)\s*Review due today\s*You are its owner/);
      expect(cardText(cardFor(priya))).not.toContain('single point of access (SPA)');
      for (const oid of [tom, priya]) expect(cardText(cardFor(oid))).toMatch(/Route: [^\n]*[Ee]arly [Hh]elp/);
      expect(
        bot.logs.some(
          (l) =>
            l.msg === 'content review: the owner is not a safeguarding lead in the staff list; every lead is sent it' &&
            l.id === 'early-help',
        ),
      ).toBe(true);
    } finally {
      await bot.stop();
    }
  });
});
