import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAudience } from '../src/referral/audience';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';
import {
  areaPickerCard,
  audienceCard,
  choicesCard,
  homeAreaCard,
  outOfAreaCard,
  routeCard,
} from '../src/referral/cards';
import { loadReferralContent, overdueForReview } from '../src/referral/content';
import { Understander } from '../src/referral/understand';

const SHIPPED = path.join(__dirname, '..', 'content', 'referral');
const content = loadReferralContent(SHIPPED);
const understander = new Understander(content);

describe('who the text is about', () => {
  it.each([
    ["I'm worried a 6 year old in my clinic is being hit at home", 'child'],
    ['an elderly man with dementia has bruises and his son takes his pension', 'adult'],
    ['a mum with learning disabilities is being financially abused by her son', 'adult'],
    ['an 8 month old with a mark on his cheek', 'child'],
    ['a 3-week-old baby', 'child'],
    ['she is 28 weeks pregnant and her partner hits her', 'unborn'],
    ['a 15yo has been going missing', 'child'],
    ['care home resident with unexplained bruises', 'adult'],
    ['a 19 year old with learning disabilities', 'adult'],
    ['a looked after child needs a health assessment', 'child'],
    ['a year 9 pupil disclosed something', 'child'],
    ['a woman in her 80s is not eating', 'adult'],
  ])('"%s" is about %s', (text, audience) => expect(readAudience(text).audience).toBe(audience));

  it.each(['someone is being neglected', 'for 3 weeks now I have been worried', 'who do I call out of hours'])(
    '"%s" names no one',
    (text) => {
      expect(readAudience(text).audience).toBeUndefined();
    },
  );
});

describe('where the person lives', () => {
  const place = (text: string) => {
    const p = understander.places.find(text);
    return p?.kind === 'away' ? p.area.name : p?.kind === 'home' ? `home:${p.home.id}` : undefined;
  };
  it.each([
    ['a child who lives in Doncaster', 'Doncaster'],
    ['the family moved to stoke-on-trent last month', 'Stoke on Trent'],
    ['an adult from County Durham', 'Durham'],
    ['a boy who lives in Newcastle-under-Lyme', 'Staffordshire'],
    ['a teenager from Newcastle', 'Newcastle upon Tyne'],
    ['a child who lives in Bath', 'Bath and North East Somerset'],
    ['she is a Rotherham resident', 'home:rotherham'],
  ])('"%s" is %s', (text, expected) => expect(place(text)).toBe(expected));

  it.each([
    'a toddler was scalded in the bath',
    'reading the referral form',
    'they want to bury the problem',
    'a barking dog frightened the child',
  ])('ordinary words are not places: "%s"', (text) => expect(place(text)).toBeUndefined());
});

describe('what the bot answers', () => {
  it('answers another council area with its page, 999/101 first, and not our numbers', () => {
    const u = understander.understand('I saw a child today who lives in Doncaster and I think she is being neglected');
    expect(u.kind).toBe('out-of-area');
    if (u.kind !== 'out-of-area') return;
    expect(u.area.name).toBe('Doncaster');
    expect(u.audience).toBe('child');
    const card = outOfAreaCard(content, u.area, u.audience, u.topic);
    const text = cardText(card);
    expect(text.split('\n')[0]).toMatch(/call 999/);
    const json = JSON.stringify(card);
    expect(json).toContain(u.area.childrenUrl);
    expect(json).not.toContain(u.area.adultsUrl === u.area.childrenUrl ? '\u0000' : u.area.adultsUrl);
    expect(json).not.toContain('336080'); // the home MASH
    expect(json).not.toContain('822330'); // the home adult front door
    expect(text).toContain('as at 25 March 2024');
  });

  it('asks child or adult when the answer depends on it and the text does not say', () => {
    const u = understander.understand('someone is being neglected');
    expect(u.kind).toBe('ask-audience');
    if (u.kind !== 'ask-audience') return;
    expect(u.options.map((o) => o.audience).sort()).toEqual(['adult', 'child']);
  });

  it('never answers with a route for another audience than the text names', () => {
    for (const text of [
      "I'm worried a 6 year old in my clinic is being hit at home",
      'an elderly man with dementia has bruises and his son takes his pension',
    ]) {
      const u = understander.understand(text);
      const { audience } = readAudience(text);
      const routes = u.kind === 'route' ? [u.route] : u.kind === 'choices' ? u.routes : [];
      expect(routes.length).toBeGreaterThan(0);
      for (const r of routes) expect(r.audiences).toContain(audience);
    }
  });

  it('gives the menu for text that is not a safeguarding question', () => {
    for (const text of ['the coffee machine is broken', 'what time is the team meeting', 'thanks!'])
      expect(understander.understand(text).kind).toBe('off-topic');
  });
});

describe('content that needs care', () => {
  it('says on every route card that the shipped content is an example for Rotherham', () => {
    for (const r of content.routes)
      expect(cardText(routeCard(content, r))).toContain(
        'This is example content for Rotherham: your organisation must check and replace it.',
      );
  });
  it('lists the out-of-area links for review once they are a year old', () => {
    const due = overdueForReview(content, new Date('2026-12-01T00:00:00Z')).find((o) => o.id === 'areas');
    expect(due?.title).toMatch(/Out-of-area council links \(148 areas, as at 25 March 2024\)/);
  });
});

describe('the free-text cards', () => {
  it('are valid Adaptive Cards with 999/101 first', () => {
    const [a, b, c] = content.routes;
    const area = content.areas.areas.find((x) => x.name === 'Doncaster')!;
    const cards = [
      choicesCard(content, [a!, b!, c!], 'child'),
      audienceCard(content, [
        { audience: 'child', route: a! },
        { audience: 'adult', route: content.route('adult-abuse-neglect')! },
      ]),
      homeAreaCard(content, { step: 'kind', audience: 'child' }),
      areaPickerCard(content, 'adult'),
      outOfAreaCard(content, area, undefined, a),
    ];
    for (const card of cards) {
      expect(cardProblems(card)).toEqual([]);
      expect(cardText(card).split('\n')[0]).toMatch(/999/);
    }
    expect(JSON.stringify(areaPickerCard(content))).toContain('"Doncaster"');
  });
});

describe('an organisation with more than one home area', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'referral-'));
  for (const f of fs.readdirSync(SHIPPED)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f));
  const contacts = JSON.parse(fs.readFileSync(path.join(dir, 'contacts.json'), 'utf8'));
  // A test-only contact in Ofcom's range for drama (never a real number).
  contacts.contacts.push({
    ...contacts.contacts.find((c: { id: string }) => c.id === 'mash'),
    id: 'mash-doncaster',
    name: 'Doncaster test MASH',
    phone: '01632 960001',
  });
  fs.writeFileSync(path.join(dir, 'contacts.json'), JSON.stringify(contacts));
  const pathway = JSON.parse(fs.readFileSync(path.join(dir, 'pathway.json'), 'utf8'));
  pathway.homeAreas.push({
    id: 'doncaster',
    name: 'Doncaster',
    councilAreas: ['Doncaster'],
    contacts: { mash: 'mash-doncaster' },
  });
  fs.writeFileSync(path.join(dir, 'pathway.json'), JSON.stringify(pathway));
  const two = loadReferralContent(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const u2 = new Understander(two);

  it('uses the named area’s contacts on every route', () => {
    const u = u2.understand('a child who lives in Doncaster is being neglected');
    expect(u.kind === 'route' || u.kind === 'choices').toBe(true);
    if (u.kind !== 'route') return;
    expect(u.home?.id).toBe('doncaster');
    const json = JSON.stringify(routeCard(two, u.route, u.audience, u.home));
    expect(json).toContain('01632 960001');
    expect(json).not.toContain('01709 336080');
  });

  it('does not guess the area when the text does not name one', () => {
    const u = u2.understand('a child is being neglected at home');
    expect(u.kind === 'route' || u.kind === 'choices' ? u.home : 'n/a').toBeUndefined();
  });
});
