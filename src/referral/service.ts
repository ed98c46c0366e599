import type { Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { Store } from '../storage/store';
import type { ReferralContent } from './content';
import type { ReferralContext } from './context';
import { FreeText } from './freeText';
import { FollowUpReminders } from './followUpReminders';
import { FollowUpStore, type FollowUpStoreApi } from './followUps';
import { Journey } from './journey';
import { ReviewList } from './contentReview';
import { Understander } from './understand';

/**
 * "What to do if you're worried": the guided journey to a referral route (./journey.ts), free-text
 * search over the routes (./freeText.ts), the follow-up reminder after a referral
 * (./followUpReminders.ts) and the leads' review list (./contentReview.ts), over one live content.
 */
export interface ReferralDeps {
  /** The content, or where to get the live version each turn (src/content/live.ts). */
  content: ReferralContent | (() => ReferralContent);
  /** Where follow-ups are kept (container `referrals`), unless `followUps` is given. */
  store?: Store;
  /** The follow-ups themselves (an in-memory fake in handler tests). */
  followUps?: FollowUpStoreApi;
  notifier: Notifier;
  log: Logger;
  now?: () => Date;
  /** How many days closed follow-ups are kept (REFERRAL_RETENTION_DAYS); the follow-up store's setting when not given. */
  retentionDays?: number;
}

export class ReferralService {
  readonly followUps: FollowUpStoreApi;
  readonly journey: Journey;
  readonly freeText: FreeText;
  readonly followUp: FollowUpReminders;
  readonly reviewList: ReviewList;
  readonly log: Logger;
  private understood?: { content: ReferralContent; understander: Understander };
  private readonly now: () => Date;

  constructor(private readonly deps: ReferralDeps) {
    if (!deps.followUps && !deps.store) throw new Error('The referral capability needs a store for its follow-ups');
    this.followUps = deps.followUps ?? new FollowUpStore(deps.store!);
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log;
    const ctx: ReferralContext = {
      content: () => this.content,
      understander: () => this.understander,
      followUps: this.followUps,
      notifier: deps.notifier,
      log: deps.log,
      now: this.now,
    };
    this.journey = new Journey(ctx);
    this.freeText = new FreeText(ctx, this.journey);
    this.followUp = new FollowUpReminders(ctx, this.journey);
    this.reviewList = new ReviewList(ctx);
  }

  private get content(): ReferralContent {
    return typeof this.deps.content === 'function' ? this.deps.content() : this.deps.content;
  }

  /** The matcher for the live content, rebuilt once when a new version is approved. */
  private get understander(): Understander {
    const content = this.content;
    if (this.understood?.content !== content) this.understood = { content, understander: new Understander(content) };
    return this.understood.understander;
  }

  /** Sends every reminder that is due; each is claimed by etag so it goes out once. */
  sendDueReminders(): Promise<{ sent: number; skipped: number }> {
    return this.followUp.sendDue();
  }

  /** Deletes closed follow-ups past their retention period (Cosmos DB does it by time to live; the embedded store needs this). */
  async sweepRetention(): Promise<number> {
    const removed = await this.followUps.removeClosed(this.now(), this.deps.retentionDays);
    if (removed)
      this.log.info(
        { removed, days: this.deps.retentionDays },
        'closed referral follow-ups past their retention deleted',
      );
    return removed;
  }
}
