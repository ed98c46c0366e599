import type { Audience, Pathway } from './content';
import type { REFERRAL_VERBS } from './verbs';
import type { LinkAction } from './wording';

/**
 * What each template under cards/referral/ reads (declared to the card renderer in ./cards.ts),
 * and what the journey's buttons carry back. A journey button (`referral.step`) carries the step
 * it leads to and what is known so far.
 */
export interface StepData {
  verb: typeof REFERRAL_VERBS.step;
  step: 'danger' | 'who' | 'kind' | 'route' | 'elsewhere';
  route?: string;
  audience?: Audience;
  /** The home area chosen, when the organisation has more than one. */
  area?: string;
}

/** What "I've made a referral" carries (`referral.made`). */
export interface MadeData {
  verb: typeof REFERRAL_VERBS.made;
  route: string;
  audience?: Audience;
  area?: string;
}

export type DangerCardData = { immediateDanger: string; emergency: LinkAction[] };

export interface WhoCardData {
  /** One button each (`id`, `label`). */
  audiences: Pick<Pathway['audiences'][number], 'id' | 'label'>[];
  elsewhere: boolean;
  notSureRoute: string;
  emergencyLine: string;
}

export interface KindsCardData {
  heading: string;
  groups: {
    /** `detail` is the route's full title when the button's had to be shortened. The template does not put `area` on the button. */
    choices: { title: string; detail: string; route: string; audience: Audience; area: string }[];
  }[];
  notSureLine: string;
  emergencyLine: string;
}

export interface RouteCardData {
  id: string;
  title: string;
  summary: string;
  immediateDanger: string;
  steps: string;
  contacts: { name: string; detail: string; why: string; actions: LinkAction[] }[];
  unfinishedNote: string;
  next: { when: string; what: string }[];
  forms: { text: string; url: string }[];
  whyItMatters: string;
  beforeYouAct: string;
  beforeYouCall: { title: string; items: string; source: string };
  showBeforeYouCall: boolean;
  areaLine: string;
  footer: string;
  hasFollowUp: boolean;
  followUpData: MadeData;
  back: StepData;
}

export interface ChoicesCardData {
  immediateDanger: string;
  intro: string;
  choices: { title: string; summary: string; data: StepData }[];
}

export interface AudienceCardData {
  immediateDanger: string;
  options: { title: string; data: StepData }[];
  notSureRoute: string;
}

export interface HomeAreaCardData {
  immediateDanger: string;
  audience: Audience | '';
  areas: { name: string; data: StepData }[];
}

export type AreaPickerCardData = {
  immediateDanger: string;
  audience: 'child' | 'adult' | '';
  areas: { name: string }[];
};

export interface OutOfAreaCardData {
  immediateDanger: string;
  emergency: LinkAction[];
  heading: string;
  intro: string;
  links: { label: string; button: string; url: string }[];
  notOurs: string;
  topicLine: string;
  adviceLine: string;
  footer: string;
  audience: 'child' | 'adult' | '';
}

export type MadeCardData = { id: string; title: string; hours: number };

export interface FollowUpCardData {
  heading: string;
  message: string;
  referralId: string;
  facts: { title: string; value: string }[];
  actions: LinkAction[];
}
