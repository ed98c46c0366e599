/**
 * Referral content: the organisation's routes, contacts and pathway, edited as JSON under
 * content/referral/ and validated at start. A mistake stops start-up with the file, the path
 * inside it and what is wrong: a wrong phone number must never reach a worried member of staff.
 *
 * The schema is in ./contentSchema.ts, reading and cross-checking in ./contentLoader.ts and the
 * review dates in ./reviewDates.ts; this file is what the rest of the bot imports.
 */
export { AUDIENCES, ContentError } from './contentSchema';
export type {
  Area,
  AreaLinks,
  Audience,
  Contact,
  HomeArea,
  Pathway,
  Phrasing,
  ReferralContent,
  ReferralContentFiles,
  Route,
} from './contentSchema';
export { loadReferralContent, parseReferralContent } from './contentLoader';
export { CONTACT_REVIEW_MONTHS, dueForReview, monthsAfter, overdueForReview, type ReviewItem } from './reviewDates';
