import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/config/paths';
import { areaPickerCard, contactDetail, dangerCard, kindsCard, routeCard, whoCard } from '../src/referral/cards';
import { ContentError, loadReferralContent, overdueForReview, type ReferralContent } from '../src/referral/content';
import { Understander } from '../src/referral/understand';
import { cardProblems } from './helpers/cards';
import { cardText } from './helpers/connector';
import { removeDir, tempDir } from './helpers/tmp';

const SHIPPED = path.join(projectRoot(), 'content', 'referral');

function withBrokenCopy(change: (files: Record<string, Record<string, unknown>>) => void): string {
  const dir = tempDir();
  const files: Record<string, Record<string, unknown>> = {};
  for (const f of ['contacts.json', 'routes.json', 'pathway.json', 'areas.json', 'phrasing.json'].filter((f) =>
    fs.existsSync(path.join(SHIPPED, f)),
  ))
    files[f] = JSON.parse(fs.readFileSync(path.join(SHIPPED, f), 'utf8'));
  change(files);
  for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), JSON.stringify(v));
  return dir;
}

function problemsOf(dir: string): string {
  try {
    loadReferralContent(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ContentError);
    return (err as Error).message;
  } finally {
    removeDir(dir);
  }
  throw new Error('expected the content to be refused');
}

describe('referral content schema', () => {
  it('loads the shipped example', () => {
    const c = loadReferralContent(SHIPPED);
    expect(c.routes.length).toBeGreaterThanOrEqual(12);
    expect(c.contacts.get('mash')?.phone).toBe('01709 336080');
    expect(c.contacts.get('adult-spa')?.phone).toBe('01709 822330');
  });

  it('names the file, the path inside it and the problem', () => {
    const msg = problemsOf(
      withBrokenCopy((f) => {
        (f['contacts.json']!.contacts as Record<string, unknown>[])[2]!.phone = '0170 93';
        (f['routes.json']!.routes as Record<string, unknown>[])[1]!.lastReviewed = '2026-02-30';
        (
          (f['routes.json']!.routes as Record<string, unknown>[])[0]!.contacts as Record<string, unknown>[]
        )[0]!.contact = 'lado';
      }),
    );
    expect(msg).toMatch(/contacts\.json: contacts\[2\]\.phone: is not a UK phone number/);
    expect(msg).toMatch(/routes\.json: routes\[1\]\.lastReviewed: is not a real date/);
  });

  it('refuses a route that names a contact that does not exist', () => {
    const msg = problemsOf(
      withBrokenCopy((f) => {
        (
          (f['routes.json']!.routes as Record<string, unknown>[])[0]!.contacts as Record<string, unknown>[]
        )[0]!.contact = 'lado';
      }),
    );
    expect(msg).toMatch(/routes\.json: routes\[0\]\.contacts\[0\]\.contact: unknown contact "lado"/);
  });

  it('refuses a confirmed contact with no way to reach it, a missing file and unknown fields', () => {
    expect(
      problemsOf(
        withBrokenCopy((f) => {
          const c = (f['contacts.json']!.contacts as Record<string, unknown>[])[2]!;
          delete c.phone;
        }),
      ),
    ).toMatch(/contacts\[2\]: a confirmed contact needs a phone, email or url/);
    expect(
      problemsOf(withBrokenCopy((f) => ((f['pathway.json']! as Record<string, unknown>).colour = 'blue'))),
    ).toMatch(/pathway\.json: \(top level\): Unrecognized key/);
    const dir = tempDir();
    expect(problemsOf(dir)).toMatch(/contacts\.json: file is missing/);
  });

  it('flags routes past their review date and contacts not yet filled in', () => {
    const c = loadReferralContent(SHIPPED);
    const soon = overdueForReview(c, new Date('2026-11-23T00:00:00Z'));
    expect(soon.filter((o) => o.kind === 'route')).toEqual([]);
    expect(soon.map((o) => o.id).sort()).toEqual([
      'adult-out-of-hours',
      'areas',
      'camhs',
      'designated-nurse',
      'early-help',
      'forced-marriage-unit',
      'lac-health-team',
      'named-gp',
      'safeguarding-team',
    ]);
    const later = overdueForReview(c, new Date('2027-12-01T00:00:00Z'));
    expect(later.filter((o) => o.kind === 'route').length).toBe(c.routes.length);
  });
});

/** Every card reachable by pressing buttons from the first card of the journey. */
function walk(content: ReferralContent): { cards: Record<string, unknown>[]; routes: Set<string> } {
  const cards: Record<string, unknown>[] = [];
  const routes = new Set<string>();
  const seen = new Set<string>();
  const queue: Record<string, unknown>[] = [{ step: 'danger' }];
  const home = (id: unknown) =>
    content.pathway.homeAreas.find((h) => h.id === id) ??
    (content.pathway.homeAreas.length === 1 ? content.pathway.homeAreas[0] : undefined);
  while (queue.length) {
    const data = queue.shift()!;
    const key = JSON.stringify(data);
    if (seen.has(key)) continue;
    seen.add(key);
    let card: Record<string, unknown>;
    if (data.step === 'danger') card = dangerCard(content);
    else if (data.step === 'who') card = whoCard(content);
    else if (data.step === 'kind') card = kindsCard(content, data.audience as never, home(data.area));
    else if (data.step === 'elsewhere') card = areaPickerCard(content, (data.audience || undefined) as never);
    else {
      routes.add(data.route as string);
      card = routeCard(
        content,
        content.route(data.route as string)!,
        (data.audience || undefined) as never,
        home(data.area),
      );
    }
    cards.push(card);
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        const d = o.data as Record<string, unknown> | undefined;
        if (o.type === 'Action.Submit' && d?.verb === 'referral.step') queue.push({ ...d });
        Object.values(o).forEach(visit);
      }
    };
    visit(card);
  }
  return { cards, routes };
}

describe('the referral journey as cards', () => {
  const content = loadReferralContent(SHIPPED);
  const { cards, routes } = walk(content);

  it('reaches every route by buttons', () => {
    expect([...routes].sort()).toEqual(content.routes.map((r) => r.id).sort());
  });

  it('shows every contact in the content on some card, and every phone number as a tap-to-call action', () => {
    const all = cards.map((c) => JSON.stringify(c)).join('\n');
    for (const c of content.contacts.values()) {
      expect(all).toContain(c.name);
      if (c.phone) expect(all).toContain(`tel:${c.phone.replace(/ /g, '')}`);
    }
  });

  it('never shows a phone number that is not in the content', () => {
    const known = new Set([...content.contacts.values()].map((c) => c.phone?.replace(/ /g, '')).filter(Boolean));
    for (const card of cards) {
      for (const m of JSON.stringify(card).matchAll(/tel:(\d+)/g)) expect(known.has(m[1]!)).toBe(true);
    }
  });

  it('puts immediate danger first on the journey and on every route card', () => {
    expect(cardText(dangerCard(content)).split('\n')[0]).toBe('Is anyone in immediate danger?');
    for (const r of content.routes) expect(cardText(routeCard(content, r)).split('\n')[0]).toContain('call 999');
  });

  it('produces only valid Adaptive Cards under 40 KB', () => {
    for (const card of cards) expect(cardProblems(card)).toEqual([]);
  });

  it('says plainly when a local contact has not been filled in, rather than inventing one', () => {
    expect(contactDetail(content.contacts.get('named-gp')!)).toMatch(/not yet added by your organisation/i);
  });
});

describe('free-text understanding over the shipped content', () => {
  const content = loadReferralContent(SHIPPED);
  const understander = new Understander(content);
  const answer = (text: string) => {
    const u = understander.understand(text);
    return u.kind === 'route' ? u.route.id : u.kind;
  };
  it.each([
    ['a baby with a bruise', 'non-mobile-bruising'],
    ['what is county lines?', 'exploitation'],
    ['FGM', 'fgm'],
    ['I think a patient is being radicalised', 'prevent'],
    ['her partner is controlling and hits her', 'domestic-abuse'],
    ['an older man is neglecting himself and hoarding', 'adult-self-neglect'],
    ['a teenager keeps running away from home', 'missing-child'],
    ['workers at a car wash seem to be forced to work', 'modern-slavery'],
    ['an allegation against a colleague', 'colleague-concern'],
    ['concern about an unborn baby', 'unborn-baby'],
  ])('"%s" finds %s', (text, id) => {
    expect(answer(text)).toBe(id);
  });

  it('gives the menu, never a route, for text unrelated to safeguarding', () => {
    for (const text of [
      'what is the weather like tomorrow',
      'the coffee machine is broken',
      'can I book annual leave',
    ]) {
      expect(understander.understand(text).kind).toBe('off-topic');
    }
  });
});

describe('the concern buttons at phone width', () => {
  const content = loadReferralContent(SHIPPED);
  type Node = Record<string, unknown>;
  const walk = (node: unknown, out: Node[] = []): Node[] => {
    if (Array.isArray(node)) node.forEach((n) => walk(n, out));
    else if (node && typeof node === 'object') {
      out.push(node as Node);
      Object.values(node).forEach((n) => walk(n, out));
    }
    return out;
  };

  it.each(content.pathway.audiences.map((a) => a.id))(
    'stacks one short, full-width button per row for %s, with the full title in the card body',
    (audience) => {
      const card = kindsCard(content, audience as never);
      expect(cardProblems(card)).toEqual([]);
      const nodes = walk(card.body);
      const actions = nodes.filter((n) => n.type === 'Action.Submit');
      expect(actions.length).toBeGreaterThan(1);
      for (const a of actions) expect((a.title as string).length).toBeLessThanOrEqual(40);
      for (const set of nodes.filter((n) => n.type === 'ActionSet')) expect((set.actions as unknown[]).length).toBe(1);
      const text = cardText(card);
      for (const a of actions) {
        const route = content.route((a.data as { route: string }).route)!;
        if (a.title !== 'Not sure' && a.title !== route.title) expect(text).toContain(route.title);
      }
    },
  );

  it('keeps the general route first and its title whole, and shortens the bruising title', () => {
    const card = kindsCard(content, 'child' as never);
    const titles = walk(card.body)
      .filter((n) => n.type === 'Action.Submit')
      .map((n) => n.title);
    expect(titles[0]).toBe('Worried about a child: abuse or neglect');
    expect(titles).toContain('Bruising in a baby not yet mobile');
    expect(cardText(card)).toContain('Bruising or injury in a baby who is not yet mobile');
  });
});
