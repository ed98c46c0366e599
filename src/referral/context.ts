import type { Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { ReferralContent } from './content';
import type { FollowUpStoreApi } from './followUps';
import type { Understander } from './understand';

/**
 * What every referral use case reads: the live content (asked for afresh each time, so a newly
 * approved version is used at once), its free-text matcher, the follow-ups and the clock.
 */
export interface ReferralContext {
  content(): ReferralContent;
  /** The matcher for the live content, rebuilt once when a new version is approved. */
  understander(): Understander;
  followUps: FollowUpStoreApi;
  notifier: Notifier;
  log: Logger;
  now: () => Date;
}
