import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { routeCard } from '../src/referral/cards';
import { loadReferralContent } from '../src/referral/content';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';

const content = loadReferralContent(path.join(projectRoot(), 'content', 'referral'));

describe('local contacts the organisation has not filled in yet', () => {
  it.each(['fabricated-induced-illness', 'prevent', 'not-sure-who', 'child-self-harm'])(
    '%s: what can be done now first, and the gap said once, plainly',
    (id) => {
      const card = routeCard(content, content.route(id)!, 'child');
      expect(cardProblems(card)).toEqual([]);
      const text = cardText(card);
      // 999/101 stay first on the card.
      expect(text.indexOf('999')).toBeLessThan(text.indexOf('Who to call'));
      // Never the circular "ask your safeguarding lead" when their details are what is missing.
      expect(text).not.toMatch(/ask your safeguarding lead or manager/i);
      expect(text.match(/has not added its own details/g)).toHaveLength(1);
      expect(text).toMatch(
        /Your organisation has not added its own details for .+ yet\. Until it does, use the contacts above; if someone is in immediate danger, call 999\./,
      );
      // Every contact with a number comes before every contact without one.
      const route = content.route(id)!;
      const names = route.contacts.map((c) => content.contacts.get(c.contact)!);
      const lastUsable = Math.max(...names.filter((c) => c.confirmed).map((c) => text.indexOf(`${c.name}\n`)));
      const firstMissing = Math.min(...names.filter((c) => !c.confirmed).map((c) => text.indexOf(`${c.name}\n`)));
      expect(lastUsable).toBeLessThan(firstMissing);
    },
  );

  it('says nothing about missing details on a route whose contacts are all filled in', () => {
    const text = cardText(routeCard(content, content.route('child-abuse-neglect')!, 'child'));
    expect(text).not.toMatch(/not added|not yet added/i);
  });
});
