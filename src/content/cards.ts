import { card, type Fact, type Choice } from '../cards/render';
import { contactDetail, formatDate } from '../referral/cards';
import type { Contact, ReferralContent, ReviewItem } from '../referral/content';
import { MAX_CONTACTS, MAX_STEPS, NO_CONTACT, SPARE_CONTACTS, SPARE_STEPS, type RawRoute, type RouteForm } from './routeEdit';
import type { ContentProposal, ContentVersion } from './store';

/**
 * The content cards, each declared with the data its template under cards/content/ reads, and
 * built here alone.
 */
type Card = Record<string, unknown>;

export interface ContactsCardData {
  intro: string;
  /** One Edit button each (`content.contact.edit`). */
  contacts: { id: string; name: string; detail: string }[];
}

/** The contact's fields as the form shows them (`basedOn` is the live version it was opened on). */
export interface EditContactCardData {
  heading: string;
  problem: string;
  id: string;
  basedOn: string;
  name: string;
  phone: string;
  hours: string;
  use: string;
  email: string;
  url: string;
}

export interface RoutesCardData {
  intro: string;
  /** The route chosen when the picker opens. */
  first: string;
  routes: { id: string; title: string }[];
}

export interface EditRouteCardData {
  heading: string;
  problem: string;
  id: string;
  basedOn: string;
  /** One box a step: `key` is the input's id (`step0`…). */
  steps: { key: string; label: string; text: string }[];
  /** One contact choice and "Why" box each: `contactKey`/`whyKey` are the inputs' ids (`contact0`, `why0`…). */
  contacts: { contactKey: string; whyKey: string; label: string; contact: string; why: string }[];
  contactChoices: Choice[];
  followChoices: Choice[];
  followNote: string;
  followContact: string;
  followHours: string;
  followMessage: string;
}

export interface ProposalCardData {
  heading: string;
  intro: string;
  changes: string;
  facts: Fact[];
  id: string;
  /** Approve, Decline and the reason box are shown. */
  canDecide: boolean;
}

export interface HistoryCardData {
  heading: string;
  /** The set every "Propose this version again" button names. */
  set: string;
  versions: { version: string; live: boolean; heading: string; who: string; changes: string }[];
}

export interface ReviewCardData {
  heading: string;
  intro: string;
  more: string;
  items: { kind: 'route' | 'contact'; id: string; title: string; when: string; overdue: boolean; canConfirm: boolean; isRoute: boolean; owner: string }[];
}

declare module '../cards/render' {
  interface CardTemplates {
    'content/contacts': ContactsCardData;
    'content/editContact': EditContactCardData;
    'content/routes': RoutesCardData;
    'content/editRoute': EditRouteCardData;
    'content/proposal': ProposalCardData;
    'content/history': HistoryCardData;
    'content/review': ReviewCardData;
  }
}

/** `edit contact`: every contact with an Edit button. */
export function contactsCard(content: ReferralContent, liveVersion: number): Card {
  return card('content/contacts', {
    intro: `Live version ${liveVersion}. Choose a contact to change. Another safeguarding lead approves every change before staff see it.`,
    contacts: [...content.contacts.values()].map((c) => ({ id: c.id, name: c.name, detail: contactDetail(c) })),
  });
}

export type ContactValues = Partial<Record<'name' | 'phone' | 'hours' | 'use' | 'email' | 'url', string>>;

/** The change form for one contact: the values typed so far, or the live ones. */
export function editContactCard(contact: Contact, liveVersion: number, values: ContactValues, problem = ''): Card {
  return card('content/editContact', {
    heading: `Change: ${contact.name}`,
    problem,
    id: contact.id,
    basedOn: String(liveVersion),
    name: values.name ?? contact.name,
    phone: values.phone ?? contact.phone ?? '',
    hours: values.hours ?? contact.hours ?? '',
    use: values.use ?? contact.use,
    email: values.email ?? contact.email ?? '',
    url: values.url ?? contact.url ?? '',
  });
}

/** `edit route`: a picker of every route. */
export function routesCard(content: ReferralContent, liveVersion: number): Card {
  const routes = content.routes;
  return card('content/routes', {
    intro: `Live version ${liveVersion}. Choose a route to change its steps, contacts or follow-up reminder. Another safeguarding lead approves every change before staff see it.`,
    first: routes[0]?.id ?? '',
    routes: routes.map((r) => ({ id: r.id, title: r.title })),
  });
}

/** The boxes the route form shows: what was typed (`form`), or the stored route. */
export type RouteFormValues = Pick<RouteForm, 'steps' | 'contacts' | 'followContact' | 'followHours' | 'followMessage'>;

/** A route's change form, with `extra` more step boxes (and one more contact) after "More boxes". */
export function editRouteCard(content: ReferralContent, liveVersion: number, raw: RawRoute, form: RouteFormValues | undefined, problem = '', extra = 0): Card {
  const steps = form?.steps ?? raw.stepsNow;
  const contacts = form?.contacts ?? raw.contacts;
  // As many boxes as were shown (or the route's own, plus spare ones), and more when asked for.
  const filled = (list: unknown[], empty: (x: never) => boolean) => list.length - [...list].reverse().findIndex((x) => !empty(x as never));
  const steps0 = steps.some((x) => x !== '') ? filled(steps, (x: string) => x === '') : 0;
  const contacts0 = contacts.some((c) => c.contact !== '') ? filled(contacts, (c: { contact: string }) => c.contact === '') : 0;
  const stepBoxes = Math.min(MAX_STEPS, Math.max(steps.length, steps0 + SPARE_STEPS) + extra);
  const contactBoxes = Math.min(MAX_CONTACTS, Math.max(contacts.length, contacts0 + SPARE_CONTACTS) + (extra ? 1 : 0));
  const choices = [{ title: '(none)', value: NO_CONTACT }, ...[...content.contacts.values()].map((c) => ({ title: c.name, value: c.id }))];
  return card('content/editRoute', {
    heading: `Change: ${raw.title}`,
    problem,
    id: raw.id,
    basedOn: String(liveVersion),
    steps: Array.from({ length: stepBoxes }, (_, i) => ({ key: `step${i}`, label: `Step ${i + 1}`, text: steps[i] ?? '' })),
    contacts: Array.from({ length: contactBoxes }, (_, i) => ({ contactKey: `contact${i}`, whyKey: `why${i}`, label: `Contact ${i + 1}`, contact: contacts[i]?.contact || NO_CONTACT, why: contacts[i]?.why ?? '' })),
    contactChoices: choices,
    followChoices: [{ title: '(no reminder)', value: NO_CONTACT }, ...choices.slice(1)],
    followNote: raw.followUp?.audiences
      ? `A reminder to chase the referral if nothing is heard back, for ${raw.followUp.audiences.join(' and ')} only. Choose (no reminder) to remove it.`
      : 'A reminder to chase the referral if nothing is heard back. Choose (no reminder) for none.',
    followContact: (form ? form.followContact : raw.followUp?.contact) || NO_CONTACT,
    followHours: form ? form.followHours : raw.followUp ? String(raw.followUp.afterHours) : '',
    followMessage: form ? form.followMessage : (raw.followUp?.message ?? ''),
  });
}

/** A proposal: for another lead to decide (`canDecide`), or as the proposer sees it. `label` names its content set. */
export function proposalCard(p: ContentProposal, canDecide: boolean, label: string): Card {
  return card('content/proposal', {
    heading: canDecide ? `A change to ${label} needs your approval` : 'Change proposed',
    intro: canDecide ? 'Check the change. You cannot approve a change you proposed yourself.' : 'Another safeguarding lead must approve this before staff see it.',
    changes: p.changes.map((c) => `- ${c.text}`).join('\n'),
    facts: [
      { title: 'Proposed by', value: p.proposedByName ?? 'a safeguarding lead' },
      { title: 'Proposed', value: new Date(p.proposedAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' }) },
      { title: 'Based on version', value: String(p.basedOn) },
      ...(p.phoneConfirmed ? [{ title: 'New number', value: 'called by the proposer and confirmed as the right service' }] : []),
    ],
    id: p.id,
    canDecide,
  });
}

/** `content history`: the latest 20 versions of a set, newest first, each but the live one with "Propose this version again". */
export function historyCard(heading: string, set: string, versions: ContentVersion[], live: number): Card {
  return card('content/history', {
    heading,
    set,
    versions: versions.slice(0, 20).map((v) => ({
      version: String(v.version),
      live: v.version === live,
      heading: `Version ${v.version}${v.version === live ? ' (live)' : ''}, ${formatDate(v.approvedAt.slice(0, 10))}`,
      who: v.proposedBy === 'content files' ? 'From the content files' : `Proposed by ${v.proposedByName ?? 'a lead'}, approved by ${v.approvedByName ?? 'a lead'}${v.phoneConfirmed ? '; new number called and confirmed' : ''}`,
      changes: v.changes.map((c) => `- ${c.text}`).join('\n'),
    })),
  });
}

/** One item on a person's monthly review card; `mine` when they are its owner (otherwise every lead is sent it). */
export interface ReviewListing {
  item: ReviewItem;
  mine: boolean;
}

/** One card stays well inside Teams' size limit; the rest are in `content review`. */
const MAX_REVIEW_ITEMS = 40;

/** The monthly review card: what is past or within `windowDays` of its review date on `today` (`YYYY-MM-DD`). */
export function reviewCard(items: ReviewListing[], today: string, windowDays: number): Card {
  const shown = items.slice(0, MAX_REVIEW_ITEMS);
  const owned = items.filter((i) => i.mine).length;
  return card('content/review', {
    heading: 'Referral content to review this month',
    intro:
      `${items.length === 1 ? 'This is' : `These ${items.length} are`} past or within ${windowDays} days of the review date. Check each against its source. ` +
      '**Still correct** records that you checked it today and moves its review date on. **Change it** opens the change form: another safeguarding lead approves the change.' +
      (owned > 0 ? ` You are the owner of ${owned === 1 ? 'one of them' : `${owned} of them`}; the rest have no owner, so every safeguarding lead is sent them.` : ' None of them has an owner, so every safeguarding lead is sent them.'),
    more: items.length > MAX_REVIEW_ITEMS ? `And ${items.length - MAX_REVIEW_ITEMS} more: type content review to see every item.` : '',
    items: shown.map(({ item: i, mine }) => ({
      kind: i.kind,
      id: i.id,
      title: `${i.kind === 'route' ? 'Route' : 'Contact'}: ${i.title}`,
      when: i.missing ? 'Not yet filled in: add its details' : i.due < today ? `Review overdue since ${formatDate(i.due)}` : i.due === today ? 'Review due today' : `Review due ${formatDate(i.due)}`,
      overdue: i.missing || i.due <= today,
      canConfirm: !i.missing,
      isRoute: i.kind === 'route',
      owner: mine ? 'You are its owner' : '',
    })),
  });
}
