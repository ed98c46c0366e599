import { card } from '../cards/render';
import type { StepData } from './cardData';
import type { Area, Audience, ReferralContent, Route } from './content';
import { REFERRAL_VERBS } from './verbs';
import { contactDetail, emergencyActions, formatDate } from './wording';

import { routeStep } from './cards';

type Card = Record<string, unknown>;

/** The referral cards about where the person lives: their home area, the council picker and the out-of-area route. */
/** With more than one home area: where does the person live? Then the next step with that area's contacts. */
export function homeAreaCard(
  content: ReferralContent,
  next: { step: 'kind'; audience: Audience } | { step: 'route'; route: Route; audience?: Audience },
): Card {
  return card('referral/homeArea', {
    immediateDanger: content.pathway.immediateDanger,
    audience: next.audience ?? '',
    areas: content.pathway.homeAreas.map((h) => ({
      name: h.name,
      data:
        next.step === 'kind'
          ? ({ verb: REFERRAL_VERBS.step, step: 'kind', audience: next.audience, area: h.id } satisfies StepData)
          : routeStep(next.route, next.audience, h),
    })),
  });
}

/** Type or pick a council area anywhere in England. */
export function areaPickerCard(content: ReferralContent, audience?: Audience): Card {
  return card('referral/areaPicker', {
    immediateDanger: content.pathway.immediateDanger,
    audience: audience === 'adult' ? 'adult' : audience ? 'child' : '',
    areas: content.areas.areas.map((a) => ({ name: a.name })),
  });
}

/** Someone who lives in another council area: that council's page, 999/101 first, and never our local numbers as if they applied. */
export function outOfAreaCard(content: ReferralContent, area: Area, audience?: 'child' | 'adult', topic?: Route): Card {
  const links = [
    ...(audience !== 'adult'
      ? [
          {
            label: `A child or young person who lives in ${area.name}`,
            button: `${area.name}: worried about a child`,
            url: area.childrenUrl,
          },
        ]
      : []),
    ...(audience !== 'child'
      ? [
          {
            label: `An adult who lives in ${area.name}`,
            button: `${area.name}: worried about an adult`,
            url: area.adultsUrl,
          },
        ]
      : []),
  ];
  const home = content.pathway.homeAreas.map((h) => h.name).join(' and ');
  const team = content.contacts.get(content.pathway.safeguardingTeamContact)!;
  return card('referral/outOfArea', {
    immediateDanger: content.pathway.immediateDanger,
    emergency: emergencyActions(content),
    heading: `Someone who lives in ${area.name}`,
    intro: `Safeguarding referrals go to the council where the person lives. ${area.name} council's safeguarding page tells you how to refer and gives their numbers, including out of hours.`,
    links,
    notOurs: home
      ? `The MASH and adult social care numbers in this bot are for people who live in ${home}. Do not use them for someone who lives in ${area.name}.`
      : '',
    topicLine: topic
      ? `You asked about: ${topic.title}. What to look for and record still applies; make the referral to ${area.name}.`
      : '',
    adviceLine: team.confirmed
      ? `For advice, contact ${team.name}: ${contactDetail(team)}`
      : `For advice, talk to your own safeguarding team or manager.`,
    footer: `Source: ${content.areas.source}, as at ${formatDate(content.areas.asAt)}. These links have not been checked since: if a page has moved, search the council's website for "report a safeguarding concern".`,
    audience: audience ?? '',
  });
}
