/**
 * Every card verb the content capability answers, declared once. The templates under
 * cards/content/ spell the same strings.
 */
export const CONTENT_VERBS = {
  /** Edit on the contact list, or "Change it" on the review card: the contact's change form. */
  contactEdit: 'content.contact.edit',
  contactPropose: 'content.contact.propose',
  /** The route picker, or "Change it" on the review card: the route's change form. */
  routeEdit: 'content.route.edit',
  /** "Propose this change" and "More boxes" on the route form. */
  routePropose: 'content.route.propose',
  approve: 'content.approve',
  decline: 'content.decline',
  /** "Propose this version again" in the history. */
  rollback: 'content.rollback',
  /** "Still correct" on the monthly review card. */
  reviewConfirm: 'content.review.confirm',
} as const;
