import type { Logger } from '../logging/logger';
import { registerServiceContacts } from '../privacy/patientData';
import { parseReferralContent, type ReferralContent } from '../referral/content';
import type { ContentStoreApi, ItemReviews, ReviewRecord } from './store';

export const REFERRAL_SET = 'referral';

/** The shipped Rotherham example says so in its pathway: `(example content)`. */
export function isExampleContent(content: ReferralContent): boolean {
  return /\(example content\)/i.test(content.pathway.organisation);
}

export class ExampleContentError extends Error {
  constructor(organisation: string) {
    super(
      `The live referral content is still the shipped example (${organisation}): replace content/referral/ with your organisation's routes and contacts, or set ALLOW_EXAMPLE_CONTENT=true for a demo.`,
    );
    this.name = 'ExampleContentError';
  }
}

/**
 * The referral content staff see: the approved version in Cosmos. At first start the files under
 * content/referral/ become version 1. Every instance checks the live version's number every few
 * seconds (one point read) and loads a newly approved version without a restart; the instance
 * that approved it loads it at once. The out-of-area links stay in areas.json (national data,
 * the same for every organisation).
 */
export class LiveReferralContent {
  private content: ReferralContent;
  private version = 0;
  private body?: Record<string, unknown>;
  private reviewsTag?: string;
  private reviewed?: ItemReviews;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: ContentStoreApi,
    private readonly files: ReferralContent,
    private readonly log: Logger,
  ) {
    this.content = files;
  }

  get(): ReferralContent {
    return this.content;
  }

  get currentVersion(): number {
    return this.version;
  }

  /** The body a version stores: every content file but the national out-of-area links. */
  static bodyOf(content: ReferralContent): Record<string, unknown> {
    const { areas: _areas, ...rest } = content.files;
    return { ...rest };
  }

  /** Parses a stored body with this deployment's out-of-area links; throws ContentError with every problem. */
  parse(body: Record<string, unknown>): ReferralContent {
    return parseReferralContent({ contacts: body.contacts, routes: body.routes, pathway: body.pathway, phrasing: body.phrasing, areas: this.files.files.areas }, (f) => `content/referral/${f}`);
  }

  async start(now: Date, intervalMs = 5000): Promise<void> {
    const seeded = await this.store.seed(REFERRAL_SET, LiveReferralContent.bodyOf(this.files), now);
    if (seeded === 'seeded') this.log.info({ set: REFERRAL_SET, version: 1 }, 'content: the files are the first version');
    await this.refresh();
    if (intervalMs > 0) {
      this.timer = setInterval(() => {
        this.refresh().catch((err: unknown) => this.log.warn({ err: { message: (err as Error).message } }, 'content: could not check for a new version'));
      }, intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Who last confirmed an item as still correct (`route:<id>` or `contact:<id>`), if anyone has since the files. */
  reviewOf(key: string): ReviewRecord | undefined {
    return this.reviewed?.byItem[key];
  }

  /**
   * Loads the live version, and the latest "still correct" reviews, if either changed: two point
   * reads. A review moves an item's `lastReviewed` on without a new version (nothing else changed,
   * so no second lead is needed, and open proposals stay based on the live version). A version
   * that fails validation (it never should: proposals are validated) is logged and not used.
   */
  async refresh(): Promise<number> {
    const [live, reviews] = await Promise.all([this.store.currentVersion(REFERRAL_SET), this.store.reviews(REFERRAL_SET)]);
    if (live === undefined) return this.version;
    if (live === this.version && reviews?.tag === this.reviewsTag) return this.version;
    const body = live === this.version && this.body ? this.body : (await this.store.version(REFERRAL_SET, live))?.body;
    if (!body) return this.version;
    try {
      this.content = this.parse(withReviews(body, reviews));
      if (this.version === 0 && JSON.stringify(body) !== JSON.stringify(LiveReferralContent.bodyOf(this.files))) {
        this.log.warn({ set: REFERRAL_SET, version: live }, 'content: the files in content/referral differ from the live version, which is what staff see; changes go live only when proposed and approved in Teams');
      }
      if (live !== this.version) this.log.info({ set: REFERRAL_SET, version: live }, 'content: now using version');
      this.version = live;
      this.body = body;
      this.reviewsTag = reviews?.tag;
      this.reviewed = reviews;
      registerServiceContacts(this.content.contacts.values());
    } catch (err) {
      this.log.error({ set: REFERRAL_SET, version: live, err: { message: (err as Error).message } }, 'content: stored version is not valid; still using the previous one');
    }
    return this.version;
  }
}

/** A version's body with each reviewed item's `lastReviewed` moved on to its latest review (never back). */
function withReviews(body: Record<string, unknown>, reviews: ItemReviews | undefined): Record<string, unknown> {
  if (!reviews || Object.keys(reviews.byItem).length === 0) return body;
  const apply = (list: unknown, kind: string) =>
    Array.isArray(list)
      ? list.map((item: unknown) => {
          if (!item || typeof item !== 'object') return item;
          const o = item as { id?: unknown; lastReviewed?: unknown };
          const r = reviews.byItem[`${kind}:${String(o.id)}`];
          return r && typeof o.lastReviewed === 'string' && r.on > o.lastReviewed ? { ...o, lastReviewed: r.on } : item;
        })
      : list;
  const routes = body.routes as { routes?: unknown } | undefined;
  const contacts = body.contacts as { contacts?: unknown } | undefined;
  return {
    ...body,
    ...(routes && typeof routes === 'object' ? { routes: { ...routes, routes: apply(routes.routes, 'route') } } : {}),
    ...(contacts && typeof contacts === 'object' ? { contacts: { ...contacts, contacts: apply(contacts.contacts, 'contact') } } : {}),
  };
}
