/**
 * The referral capability's face: what src/app.ts and the tests import. The use cases are
 * ./journey.ts (step by step), ./freeText.ts, ./followUpReminders.ts and ./contentReview.ts.
 */
export { ReferralService, type ReferralDeps } from './service';
export { createReferralCapability, type ReferralTimers } from './capability';
export { REFERRAL_VERBS } from './verbs';
