import { card } from '../cards/render';
import type {
  AreaPickerCardData,
  AudienceCardData,
  ChoicesCardData,
  DangerCardData,
  FollowUpCardData,
  HomeAreaCardData,
  KindsCardData,
  MadeCardData,
  OutOfAreaCardData,
  RouteCardData,
  StepData,
  WhoCardData,
} from './cardData';
import type { Audience, Contact, HomeArea, ReferralContent, Route } from './content';
import { REFERRAL_VERBS } from './verbs';
import {
  applies,
  buttonTitle,
  contactActions,
  contactDetail,
  contactFor,
  emergencyActions,
  emergencyLine,
  exampleNotice,
  formatDate,
  formatDateTime,
  routesFor,
  unfinishedContactsNote,
} from './wording';
export { areaPickerCard, homeAreaCard, outOfAreaCard } from './areaCards';

/**
 * The referral journey as cards: immediate danger first, then who, then the kind of concern,
 * then the route. Each button carries the step it leads to, so the journey keeps no server state
 * and Back and Start again work from any card, even days later. Every template under
 * cards/referral/ is declared here with the data it reads, and built here alone.
 */
type Card = Record<string, unknown>;

export { contactDetail, formatDate, formatDateTime } from './wording';
export type * from './cardData';

declare module '../cards/render' {
  interface CardTemplates {
    'referral/danger': DangerCardData;
    'referral/who': WhoCardData;
    'referral/kinds': KindsCardData;
    'referral/route': RouteCardData;
    'referral/choices': ChoicesCardData;
    'referral/audience': AudienceCardData;
    'referral/homeArea': HomeAreaCardData;
    'referral/areaPicker': AreaPickerCardData;
    'referral/outOfArea': OutOfAreaCardData;
    'referral/made': MadeCardData;
    'referral/followup': FollowUpCardData;
  }
}

/** The data a button carries to open a route. */
export function routeStep(route: Route, audience?: Audience, home?: HomeArea): StepData {
  return {
    verb: REFERRAL_VERBS.step,
    step: 'route',
    route: route.id,
    ...(audience ? { audience } : {}),
    ...(home ? { area: home.id } : {}),
  };
}

export function dangerCard(content: ReferralContent): Card {
  return card('referral/danger', {
    immediateDanger: content.pathway.immediateDanger,
    emergency: emergencyActions(content),
  });
}

export function whoCard(content: ReferralContent): Card {
  return card('referral/who', {
    audiences: content.pathway.audiences,
    elsewhere: content.areas.areas.length > 0,
    notSureRoute: content.pathway.notSureRoute,
    emergencyLine: `Immediate danger: ${emergencyLine(content)}`,
  });
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
    {
      title: 'Not sure',
      detail: '',
      route: content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!.id,
      audience,
      area,
    },
  ];
  const groups = [{ choices }];
  const general = content.route(content.pathway.audiences.find((a) => a.id === audience)!.defaultRoute)!;
  const first = contactFor(content, general.contacts[0]!.contact, home);
  return card('referral/kinds', {
    heading: `Worried about: ${label.toLowerCase()}${home && content.pathway.homeAreas.length > 1 ? ` in ${home.name}` : ''}`,
    groups,
    notSureLine: first.confirmed
      ? `Not sure which? ${first.name}: ${contactDetail(first)}`
      : 'Not sure which? Choose Not sure below.',
    emergencyLine: `Immediate danger: ${emergencyLine(content)}`,
  });
}

export function routeCard(content: ReferralContent, route: Route, audience?: Audience, home?: HomeArea): Card {
  // What can be done now first (contacts with a number), in the content's order; then those not yet filled in.
  const all = route.contacts.map(({ contact, why }) => ({ c: contactFor(content, contact, home), why }));
  const usable = all.filter((x) => x.c.confirmed);
  const missing = all.filter((x) => !x.c.confirmed);
  const contacts = [...usable, ...missing].map(({ c, why }) => ({
    name: c.name,
    detail: c.confirmed ? contactDetail(c) : '',
    why,
    actions: contactActions(c),
  }));
  const before = content.pathway.beforeYouCall;
  const showBefore =
    before !== undefined &&
    (audience ? before.audiences.includes(audience) : route.audiences.some((a) => before.audiences.includes(a))) &&
    (!before.contact || route.contacts.some((c) => c.contact === before.contact));
  const numbered = (items: string[]) => items.map((s, i) => `${i + 1}. ${s}`).join('\n\n');
  return card('referral/route', {
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
    forms: route.forms
      .filter((f) => applies(f.audiences, audience))
      .map((f) => ({
        text: `${f.title}${f.note ? `. ${f.note}` : ''}${f.url ? '' : ' Ask your safeguarding team for the current link.'}`,
        url: f.url ?? '',
      })),
    whyItMatters: route.whyItMatters,
    beforeYouAct: [
      ...content.pathway.beforeYouAct.map((s) => `- ${s}`),
      `- ${content.pathway.whenResolved}`,
      `- ${content.pathway.belowThreshold}`,
    ].join('\n'),
    beforeYouCall: showBefore
      ? {
          title: before.title,
          items: before.items.map((s) => `- ${s}`).join('\n'),
          source: `Source: ${before.source}.`,
        }
      : { title: '', items: '', source: '' },
    showBeforeYouCall: showBefore,
    areaLine: home && content.pathway.homeAreas.length > 1 ? `Contacts for someone who lives in ${home.name}.` : '',
    footer: `${exampleNotice(content)}Source: ${route.sources.join('; ')}. Last reviewed ${formatDate(route.lastReviewed)}.`,
    hasFollowUp: route.followUp !== undefined && applies(route.followUp.audiences, audience),
    followUpData: {
      verb: REFERRAL_VERBS.made,
      route: route.id,
      ...(audience ? { audience } : {}),
      ...(home ? { area: home.id } : {}),
    },
    back: audience
      ? { verb: REFERRAL_VERBS.step, step: 'kind', audience, ...(home ? { area: home.id } : {}) }
      : { verb: REFERRAL_VERBS.step, step: 'who' },
  });
}

/** "Which of these fits best?": two or three likely routes, each with its summary, and "None of these". */
export function choicesCard(content: ReferralContent, routes: Route[], audience?: Audience, home?: HomeArea): Card {
  return card('referral/choices', {
    immediateDanger: content.pathway.immediateDanger,
    intro:
      'I am not sure which guidance you need. Choose the one closest to your concern, or None of these to answer a few questions instead.',
    choices: routes.map((r) => ({ title: r.title, summary: r.summary, data: routeStep(r, audience, home) })),
  });
}

/** "Is this about a child or an adult?": one tap to the route for each. */
export function audienceCard(
  content: ReferralContent,
  options: { audience: Audience; route: Route }[],
  home?: HomeArea,
): Card {
  const label = (a: Audience) => content.pathway.audiences.find((p) => p.id === a)?.label ?? a;
  return card('referral/audience', {
    immediateDanger: content.pathway.immediateDanger,
    options: options.map((o) => ({ title: label(o.audience), data: routeStep(o.route, o.audience, home) })),
    notSureRoute: content.pathway.notSureRoute,
  });
}

export function madeCard(route: Route): Card {
  return card('referral/made', { id: route.id, title: route.title, hours: route.followUp?.afterHours ?? 72 });
}

export function followUpCard(opts: {
  heading: string;
  message: string;
  referralId: string;
  route: Route;
  madeAt: Date;
  reference?: string;
  contact?: Contact;
}): Card {
  const facts = [
    { title: 'Route', value: opts.route.title },
    { title: 'Referral made', value: formatDateTime(opts.madeAt) },
    ...(opts.reference ? [{ title: 'Your reference', value: opts.reference }] : []),
  ];
  return card('referral/followup', {
    heading: opts.heading,
    message: opts.message,
    referralId: opts.referralId,
    facts,
    actions: opts.contact ? contactActions(opts.contact) : [],
  });
}
