import type { Audience, Contact, HomeArea, ReferralContent, Route } from './content';

/**
 * The lines the referral cards are made of: a contact's details and buttons, the 999 line,
 * button titles that fit a phone, the example-content notice and UK dates. Pure.
 */
export interface LinkAction {
  title: string;
  url: string;
}

export function telUrl(phone: string): string {
  return `tel:${phone.replace(/\s+/g, '')}`;
}

/** A confirmed contact's buttons: call, e-mail, website. */
export function contactActions(c: Contact): LinkAction[] {
  const out: LinkAction[] = [];
  if (!c.confirmed) return out;
  if (c.phone) out.push({ title: `Call ${c.phone}`, url: telUrl(c.phone) });
  if (c.email) out.push({ title: 'E-mail', url: `mailto:${c.email}` });
  if (c.url) out.push({ title: 'Website', url: c.url });
  return out;
}

export function contactDetail(c: Contact): string {
  if (!c.confirmed) return 'Not yet added by your organisation.';
  return [c.phone ? `Telephone ${c.phone}${c.hours ? ` (${c.hours})` : ''}` : undefined, c.email, c.url]
    .filter(Boolean)
    .join(' · ');
}

/** The emergency contacts on one line, each as "name: number" (the who and kinds cards' foot). */
export function emergencyLine(content: ReferralContent): string {
  return content.pathway.emergencyContacts
    .map((id) => content.contacts.get(id)!)
    .map((c) => `${c.name}: ${c.phone}`)
    .join(' · ');
}

/** A call button for each emergency contact. */
export function emergencyActions(content: ReferralContent): LinkAction[] {
  return content.pathway.emergencyContacts
    .map((id) => content.contacts.get(id)!)
    .map((c) => ({ title: `Call ${c.phone}`, url: telUrl(c.phone!) }));
}

/** A contact as it applies in a home area: an area may name its own MASH or adult front door. */
export function contactFor(content: ReferralContent, id: string, home?: HomeArea): Contact {
  return content.contacts.get(home?.contacts[id] ?? id)!;
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

/** Whether a part of a route (a form, the follow-up) is for this audience: yes when either is not given. */
export const applies = (list: Audience[] | undefined, audience: Audience | undefined) =>
  !list || !audience || list.includes(audience);

/**
 * Said once on a card that lists contacts the organisation has not filled in yet: what to use
 * instead, never "ask your safeguarding lead" (often the very contact that is missing).
 */
export function unfinishedContactsNote(missing: readonly Contact[], usable: readonly Contact[]): string {
  if (missing.length === 0) return '';
  const names = missing.map((c) => c.name);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const instead = usable.length
    ? 'Until it does, use the contacts above'
    : 'Until it does, use the numbers at the top of this card';
  return `Your organisation has not added its own details for ${list} yet. ${instead}; if someone is in immediate danger, call 999.`;
}

/** While the shipped example is live, every route card says so: its numbers are one area's, not necessarily yours. */
export function exampleNotice(content: ReferralContent): string {
  if (!/\(example content\)/i.test(content.pathway.organisation)) return '';
  const where =
    content.pathway.homeAreas.map((h) => h.name).join(' and ') ||
    content.pathway.organisation.replace(/\s*\(example content\)/i, '');
  return `This is example content for ${where}: your organisation must check and replace it. `;
}

// Formatters made once: toLocale*String builds a new Intl formatter on every call (same output).
const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
});

export function formatDate(iso: string): string {
  return DATE.format(new Date(`${iso}T12:00:00Z`));
}

export function formatDateTime(d: Date): string {
  return DATE_TIME.format(d);
}
