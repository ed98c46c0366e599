/**
 * Every card verb the referral capability answers, declared once. The templates under
 * cards/referral/ spell the same strings.
 */
export const REFERRAL_VERBS = {
  /** A step of the journey: danger, who, kind, route or elsewhere. */
  step: 'referral.step',
  /** "I've made a referral": the follow-up reminder form. */
  made: 'referral.made',
  /** "Set the reminder". */
  record: 'referral.record',
  /** "Feedback received" on a reminder. */
  feedback: 'referral.feedback',
  /** The "somewhere else in England" picker. */
  area: 'referral.area',
} as const;
