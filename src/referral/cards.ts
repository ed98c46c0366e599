import { renderCard } from '../cards/render';
import type { Area, Audience, Contact, HomeArea, ReferralContent, Route } from './content';

/**
 * The referral journey as cards: immediate danger first, then who, then the kind of concern,
 * then the route. Each button carries the step it leads to, so the journey keeps no server state
 * and Back and Start again work from any card, even days later.
 */
type Card = Record<string, unknown>;

export function telUrl(phone: string): string {
  return `tel:${phone.replace(/\s+/g, '')}`;
}

function contactActions(c: Contact): { title: string; url: string }[] {
  const out: { title: string; url: string }[] = [];
  if (!c.confirmed) return out;
  if (c.phone) out.push({ title: `Call ${c.phone}`, url: telUrl(c.phone) });
  if (c.email) out.push({ title: 'E-mail', url: `mailto:${c.email}` });
  if (c.url) out.push({ title: 'Website', url: c.url });
  return out;
}

export function contactDetail(c: Contact): string {
  if (!c.confirmed) return 'Not yet added by your organisation.';
  return [c.phone ? `Telephone ${c.phone}${c.hours ? ` (${c.hours})` : ''}` : undefined, c.email, c.url].filter(Boolean).join(' · ');
}

function emergencyLine(content: ReferralContent): string {
  return content.pathway.emergencyContacts
    .map((id) => content.contacts.get(id)!)
    .map((c) => `${c.name}: ${c.phone}`)
    .join(' · ');
}

function emergencyActions(content: ReferralContent): { title: string; url: string }[] {
  return content.pathway.emergencyContacts.map((id) => content.contacts.get(id)!).map((c) => ({ title: `Call ${c.phone}`, url: telUrl(c.phone!) }));
}

/** A contact as it applies in a home area: an area may name its own MASH or adult front door. */
export function contactFor(content: ReferralContent, id: string, home?: HomeArea): Contact {
  return content.contacts.get(home?.contacts[id] ?? id)!;
}

/** The data a button carries to open a route. */
export function routeStep(route: Route, audience?: Audience, home?: HomeArea): Record<string, string> {
  return { verb: 'referral.step', step: 'route', route: route.id, ...(audience ? { audience } : {}), ...(home ? { area: home.id } : {}) };
}

export function dangerCard(content: ReferralContent): Card {
  return renderCard('referral/danger', { immediateDanger: content.pathway.immediateDanger, emergency: emergencyActions(content) });
}

export function whoCard(content: ReferralContent): Card {
  return renderCard('referral/who', {
    audiences: content.pathway.audiences,
    elsewhere: content.areas.areas.length > 0,
    notSureRoute: content.pathway.notSureRoute,
    emergencyLine: `Immediate danger: ${emergencyLine(content)}`,
  });
}

/** The routes offered for an audience: the general route first, then the topics, then "not sure". */
export function routesFor(content: ReferralContent, audience: Audience): Route[] {
  const general = content.pathway.audiences.find((a) => a.id === audience)?.defaultRoute;
  const list = content.routes.filter((r) => r.audiences.includes(audience) && r.id !== content.pathway.notSureRoute);
  return [...list.filter((r) => r.id === general), ...list.filter((r) => r.id !== general)];
}

/** The longest button title that is not cut on a phone (a 358-360 px card, one button per row). */
export const MAX_BUTTON_TITLE = 40;

/** Short button titles for routes whose own title is too long for a phone; the full title goes in the card body. */
const SHORT_TITLES: Record<string, string> = {
  exploitation: 'Child exploitation, county lines',
  'non-mobile-bruising': 'Bruising in a baby not yet mobile',
  'adult-self-neglect': 'Adult self-neglect and capacity',
  'early-help': 'Early Help for a family',
  'information-sharing': 'Sharing information',
  'honour-based-abuse': 'Honour-based abuse, forced marriage',
  'child-on-child-abuse': 'Child-on-child abuse',
  'fabricated-induced-illness': 'Fabricated or induced illness (FII)',
  'child-self-harm': 'A child who self-harms',
};

/** A button title that fits a phone: the route's own title when short enough. */
export function buttonTitle(route: { id: string; title: string }): string {
  if (route.title.length <= MAX_BUTTON_TITLE) return route.title;
  const short = SHORT_TITLES[route.id];
  if (short && short.length <= MAX_BUTTON_TITLE) return short;
  const cut = route.title.slice(0, MAX_BUTTON_TITLE - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 20)).replace(/[\s,:;(-]+$/, '')}…`;
}

export function kindsCard(content: ReferralContent, audience: Audience, home?: HomeArea): Card {
  const label = content.pathway.audiences.find((a) => a.id === audience)?.label ?? audience;
  const area = home?.id ?? '';
  // One full-width button per row with a short title, so nothing is cut on a phone; when the
  // title had to be shortened, the route's full title is written under its button.
  const choices = [
    ...routesFor(content, audience).map((r) => {
      const title = buttonTitle(r);
      return { title, detail: title === r.title ? '' : r.title, route: r.id, audience, area };
    }),
    { title: 'Not sure', detail: '', route: content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!.id, audience, area },
  ];
  const groups = [{ choices }];
  const general = content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!;
  const first = contactFor(content, general.contacts[0]!.contact, home);
  return renderCard('referral/kinds', {
    heading: `Worried about: ${label.toLowerCase()}${home && content.pathway.homeAreas.length > 1 ? ` in ${home.name}` : ''}`,
    groups,
    notSureLine: first.confirmed ? `Not sure which? ${first.name}: ${contactDetail(first)}` : 'Not sure which? Choose Not sure below.',
    emergencyLine: `Immediate danger: ${emergencyLine(content)}`,
  });
}

const applies = (list: Audience[] | undefined, audience: Audience | undefined) => !list || !audience || list.includes(audience);

/**
 * Said once on a card that lists contacts the organisation has not filled in yet: what to use
 * instead, never "ask your safeguarding lead" (often the very contact that is missing).
 */
export function unfinishedContactsNote(missing: readonly Contact[], usable: readonly Contact[]): string {
  if (missing.length === 0) return '';
  const names = missing.map((c) => c.name);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const instead = usable.length ? 'Until it does, use the contacts above' : 'Until it does, use the numbers at the top of this card';
  return `Your organisation has not added its own details for ${list} yet. ${instead}; if someone is in immediate danger, call 999.`;
}

export function routeCard(content: ReferralContent, route: Route, audience?: Audience, home?: HomeArea): Card {
  // What can be done now first (contacts with a number), in the content's order; then those not yet filled in.
  const all = route.contacts.map(({ contact, why }) => ({ c: contactFor(content, contact, home), why }));
  const usable = all.filter((x) => x.c.confirmed);
  const missing = all.filter((x) => !x.c.confirmed);
  const contacts = [...usable, ...missing].map(({ c, why }) => ({ name: c.name, detail: c.confirmed ? contactDetail(c) : '', why, actions: contactActions(c) }));
  const before = content.pathway.beforeYouCall;
  const showBefore =
    before !== undefined &&
    (audience ? before.audiences.includes(audience) : route.audiences.some((a) => before.audiences.includes(a))) &&
    (!before.contact || route.contacts.some((c) => c.contact === before.contact));
  const numbered = (items: string[]) => items.map((s, i) => `${i + 1}. ${s}`).join('\n\n');
  return renderCard('referral/route', {
    id: route.id,
    title: route.title,
    summary: route.summary,
    immediateDanger: content.pathway.immediateDanger,
    steps: numbered(route.stepsNow),
    contacts,
    unfinishedNote: unfinishedContactsNote(
      missing.map((x) => x.c),
      usable.map((x) => x.c),
    ),
    next: route.whatHappensNext,
    forms: route.forms.filter((f) => applies(f.audiences, audience)).map((f) => ({
      text: `${f.title}${f.note ? `. ${f.note}` : ''}${f.url ? '' : ' Ask your safeguarding team for the current link.'}`,
      url: f.url ?? '',
    })),
    whyItMatters: route.whyItMatters,
    beforeYouAct: [...content.pathway.beforeYouAct.map((s) => `- ${s}`), `- ${content.pathway.whenResolved}`, `- ${content.pathway.belowThreshold}`].join('\n'),
    beforeYouCall: showBefore ? { title: before.title, items: before.items.map((s) => `- ${s}`).join('\n'), source: `Source: ${before.source}.` } : { title: '', items: '', source: '' },
    showBeforeYouCall: showBefore,
    areaLine: home && content.pathway.homeAreas.length > 1 ? `Contacts for someone who lives in ${home.name}.` : '',
    footer: `${exampleNotice(content)}Source: ${route.sources.join('; ')}. Last reviewed ${formatDate(route.lastReviewed)}.`,
    hasFollowUp: route.followUp !== undefined && applies(route.followUp.audiences, audience),
    followUpData: { verb: 'referral.made', route: route.id, ...(audience ? { audience } : {}), ...(home ? { area: home.id } : {}) },
    back: audience ? { verb: 'referral.step', step: 'kind', audience, ...(home ? { area: home.id } : {}) } : { verb: 'referral.step', step: 'who' },
  });
}

/** "Which of these fits best?": two or three likely routes, each with its summary, and "None of these". */
export function choicesCard(content: ReferralContent, routes: Route[], audience?: Audience, home?: HomeArea): Card {
  return renderCard('referral/choices', {
    immediateDanger: content.pathway.immediateDanger,
    intro: 'I am not sure which guidance you need. Choose the one closest to your concern, or None of these to answer a few questions instead.',
    choices: routes.map((r) => ({ title: r.title, summary: r.summary, data: routeStep(r, audience, home) })),
  });
}

/** "Is this about a child or an adult?": one tap to the route for each. */
export function audienceCard(content: ReferralContent, options: { audience: Audience; route: Route }[], home?: HomeArea): Card {
  const label = (a: Audience) => content.pathway.audiences.find((p) => p.id === a)?.label ?? a;
  return renderCard('referral/audience', {
    immediateDanger: content.pathway.immediateDanger,
    options: options.map((o) => ({ title: label(o.audience), data: routeStep(o.route, o.audience, home) })),
    notSureRoute: content.pathway.notSureRoute,
  });
}

/** With more than one home area: where does the person live? Then the next step with that area's contacts. */
export function homeAreaCard(content: ReferralContent, next: { step: 'kind'; audience: Audience } | { step: 'route'; route: Route; audience?: Audience }): Card {
  return renderCard('referral/homeArea', {
    immediateDanger: content.pathway.immediateDanger,
    audience: next.audience ?? '',
    areas: content.pathway.homeAreas.map((h) => ({
      name: h.name,
      data: next.step === 'kind' ? { verb: 'referral.step', step: 'kind', audience: next.audience, area: h.id } : routeStep(next.route, next.audience, h),
    })),
  });
}

/** Type or pick a council area anywhere in England. */
export function areaPickerCard(content: ReferralContent, audience?: Audience): Card {
  return renderCard('referral/areaPicker', {
    immediateDanger: content.pathway.immediateDanger,
    audience: audience === 'adult' ? 'adult' : audience ? 'child' : '',
    areas: content.areas.areas.map((a) => ({ name: a.name })),
  });
}

/** Someone who lives in another council area: that council's page, 999/101 first, and never our local numbers as if they applied. */
export function outOfAreaCard(content: ReferralContent, area: Area, audience?: 'child' | 'adult', topic?: Route): Card {
  const links = [
    ...(audience !== 'adult' ? [{ label: `A child or young person who lives in ${area.name}`, button: `${area.name}: worried about a child`, url: area.childrenUrl }] : []),
    ...(audience !== 'child' ? [{ label: `An adult who lives in ${area.name}`, button: `${area.name}: worried about an adult`, url: area.adultsUrl }] : []),
  ];
  const home = content.pathway.homeAreas.map((h) => h.name).join(' and ');
  const team = content.contacts.get(content.pathway.safeguardingTeamContact)!;
  return renderCard('referral/outOfArea', {
    immediateDanger: content.pathway.immediateDanger,
    emergency: emergencyActions(content),
    heading: `Someone who lives in ${area.name}`,
    intro: `Safeguarding referrals go to the council where the person lives. ${area.name} council's safeguarding page tells you how to refer and gives their numbers, including out of hours.`,
    links,
    notOurs: home ? `The MASH and adult social care numbers in this bot are for people who live in ${home}. Do not use them for someone who lives in ${area.name}.` : '',
    topicLine: topic ? `You asked about: ${topic.title}. What to look for and record still applies; make the referral to ${area.name}.` : '',
    adviceLine: team.confirmed ? `For advice, contact ${team.name}: ${contactDetail(team)}` : `For advice, talk to your own safeguarding team or manager.`,
    footer: `Source: ${content.areas.source}, as at ${formatDate(content.areas.asAt)}. These links have not been checked since: if a page has moved, search the council's website for "report a safeguarding concern".`,
    audience: audience ?? '',
  });
}

/** While the shipped example is live, every route card says so: its numbers are one area's, not necessarily yours. */
export function exampleNotice(content: ReferralContent): string {
  if (!/\(example content\)/i.test(content.pathway.organisation)) return '';
  const where = content.pathway.homeAreas.map((h) => h.name).join(' and ') || content.pathway.organisation.replace(/\s*\(example content\)/i, '');
  return `This is example content for ${where}: your organisation must check and replace it. `;
}

export function madeCard(route: Route): Card {
  return renderCard('referral/made', { id: route.id, title: route.title, hours: route.followUp?.afterHours ?? 72 });
}

export function followUpCard(opts: { heading: string; message: string; referralId: string; route: Route; madeAt: Date; reference?: string; contact?: Contact }): Card {
  const facts = [
    { title: 'Route', value: opts.route.title },
    { title: 'Referral made', value: formatDateTime(opts.madeAt) },
    ...(opts.reference ? [{ title: 'Your reference', value: opts.reference }] : []),
  ];
  return renderCard('referral/followup', {
    heading: opts.heading,
    message: opts.message,
    referralId: opts.referralId,
    facts,
    actions: opts.contact ? contactActions(opts.contact) : [],
  });
}

// Formatters made once: toLocale*String builds a new Intl formatter on every call (same output).
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });

export function formatDate(iso: string): string {
  return DATE.format(new Date(`${iso}T12:00:00Z`));
}

export function formatDateTime(d: Date): string {
  return DATE_TIME.format(d);
}
