import { renderCard } from '../cards/render';
import type { Audience, Contact, ReferralContent, Route } from './content';

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
  if (!c.confirmed) return 'Details not yet added by your organisation: ask your safeguarding lead or manager.';
  return [c.phone ? `Telephone ${c.phone}${c.hours ? ` (${c.hours})` : ''}` : undefined, c.email, c.url].filter(Boolean).join(' · ');
}

function emergencyLine(content: ReferralContent): string {
  return content.pathway.emergencyContacts
    .map((id) => content.contacts.get(id)!)
    .map((c) => `${c.name}: ${c.phone}`)
    .join(' · ');
}

export function dangerCard(content: ReferralContent): Card {
  return renderCard('referral/danger', {
    immediateDanger: content.pathway.immediateDanger,
    emergency: content.pathway.emergencyContacts.map((id) => content.contacts.get(id)!).map((c) => ({ title: `Call ${c.phone}`, url: telUrl(c.phone!) })),
  });
}

export function whoCard(content: ReferralContent): Card {
  return renderCard('referral/who', {
    audiences: content.pathway.audiences,
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

export function kindsCard(content: ReferralContent, audience: Audience): Card {
  const label = content.pathway.audiences.find((a) => a.id === audience)?.label ?? audience;
  const choices = [
    ...routesFor(content, audience).map((r) => ({ title: r.title, route: r.id, audience })),
    { title: 'Not sure', route: content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!.id, audience },
  ];
  const groups: { choices: typeof choices }[] = [];
  for (let i = 0; i < choices.length; i += 4) groups.push({ choices: choices.slice(i, i + 4) });
  const general = content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!;
  const first = content.contacts.get(general.contacts[0]!.contact)!;
  return renderCard('referral/kinds', {
    heading: `Worried about: ${label.toLowerCase()}`,
    groups,
    notSureLine: `Not sure which? ${first.name}: ${contactDetail(first)}`,
    emergencyLine: `Immediate danger: ${emergencyLine(content)}`,
  });
}

export function routeCard(content: ReferralContent, route: Route, audience?: Audience): Card {
  const contacts = route.contacts.map(({ contact, why }) => {
    const c = content.contacts.get(contact)!;
    return { name: c.name, detail: contactDetail(c), why, actions: contactActions(c) };
  });
  const numbered = (items: string[]) => items.map((s, i) => `${i + 1}. ${s}`).join('\n\n');
  return renderCard('referral/route', {
    id: route.id,
    title: route.title,
    summary: route.summary,
    immediateDanger: content.pathway.immediateDanger,
    steps: numbered(route.stepsNow),
    contacts,
    next: route.whatHappensNext,
    forms: route.forms.map((f) => ({
      text: `${f.title}${f.note ? `. ${f.note}` : ''}${f.url ? '' : ' Ask your safeguarding team for the current link.'}`,
      url: f.url ?? '',
    })),
    whyItMatters: route.whyItMatters,
    beforeYouAct: [...content.pathway.beforeYouAct.map((s) => `- ${s}`), `- ${content.pathway.whenResolved}`, `- ${content.pathway.belowThreshold}`].join('\n'),
    footer: `Source: ${route.sources.join('; ')}. Last reviewed ${formatDate(route.lastReviewed)}.`,
    hasFollowUp: route.followUp !== undefined,
    back: audience ? { verb: 'referral.step', step: 'kind', audience } : { verb: 'referral.step', step: 'who' },
  });
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

export function formatDate(iso: string): string {
  return new Date(`${iso}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
}

export function formatDateTime(d: Date): string {
  return d.toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
}
