import { z } from 'zod';
import type { AuditTrail } from '../audit';
import type { ChatTurn, Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { PeopleDirectory } from '../people/directory';
import { formatDate } from '../referral/cards';
import { CONTACT_REVIEW_MONTHS, dueForReview, monthsAfter } from '../referral/content';
import { firstWorkingDay, ukDateAndHour } from './calendar';
import { reviewCard, type ReviewListing } from './cards';
import { refuseChange } from './context';
import { REFERRAL_SET, type LiveReferralContent } from './live';
import type { ContentStoreApi } from './store';
import { CONTENT_VERBS } from './verbs';

/**
 * The monthly content review. On the first working day of each month (England and Wales, from
 * 08:00 UK time; see ./calendar.ts for the bank holidays it knows) every owner of a route or
 * contact, and every safeguarding lead for what has no owner, gets one card in their 1:1 chat
 * listing what is past or within 30 days of its review date. "Still correct" records the review
 * (who, when) and moves the review date on by the item's interval; "Change it" opens the change
 * form, whose proposal another lead approves. Each person's card is claimed per month under an
 * etag, so two instances or a restart never send it twice. If no instance runs at all on that day
 * the month's cards are not sent (leads still have `content review`, and start-up logs what is due).
 */
export interface ReviewDeps {
  store: ContentStoreApi;
  live: LiveReferralContent;
  directory: Pick<PeopleDirectory, 'leadObjectIds' | 'currentObjectIdByEmail'>;
  notifier: Notifier;
  audit: AuditTrail;
  log: Logger;
  now: () => Date;
}

/** How far ahead the card looks. */
export const REVIEW_WINDOW_DAYS = 30;
/** Cards go out from this UK hour on the first working day. */
const SEND_FROM_HOUR = 8;

export const confirmSchema = z.object({ verb: z.literal(CONTENT_VERBS.reviewConfirm), kind: z.enum(['route', 'contact']), id: z.string().min(1).max(80) });

export interface ReviewRun {
  /** `YYYY-MM` in UK time. */
  month: string;
  sent: number;
  skipped: 'not today' | 'done' | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class ContentReviews {
  constructor(private readonly deps: ReviewDeps) {}

  /** Where the timer that runs the review reports a failure. */
  get log(): Logger {
    return this.deps.log;
  }

  /** Sends this month's cards if today is the month's first working day (from 08:00) and they have not gone yet. Safe to call on every instance, as often as wanted. */
  async run(): Promise<ReviewRun> {
    const now = this.deps.now();
    const { date: today, hour } = ukDateAndHour(now);
    const month = today.slice(0, 7);
    const first = firstWorkingDay(Number(today.slice(0, 4)), Number(today.slice(5, 7)));
    if (today !== first || hour < SEND_FROM_HOUR) return { month, sent: 0, skipped: 'not today' };
    if (await this.deps.store.reviewRunDone(month)) return { month, sent: 0, skipped: 'done' };
    await this.deps.live.refresh();
    const items = dueForReview(this.deps.live.get(), today, REVIEW_WINDOW_DAYS);
    const leads = await this.deps.directory.leadObjectIds();
    const perPerson = new Map<string, ReviewListing[]>();
    const owners = new Map<string, string | undefined>();
    for (const item of items) {
      if (item.owner && !owners.has(item.owner)) owners.set(item.owner, await this.ownerId(item.owner, leads));
      const owner = item.owner ? owners.get(item.owner) : undefined;
      if (item.owner && !owner) this.deps.log.warn({ kind: item.kind, id: item.id }, 'content review: the owner is not a safeguarding lead in the staff list; every lead is sent it');
      for (const person of owner ? [owner] : leads) perPerson.set(person, [...(perPerson.get(person) ?? []), { item, mine: owner !== undefined }]);
    }
    let sent = 0;
    let failed = 0;
    for (const [person, list] of perPerson) {
      if (!(await this.deps.notifier.hasChat(person))) {
        this.deps.log.info({ month }, 'content review: a lead has no 1:1 chat with the bot yet; not sent');
        continue;
      }
      if (!(await this.deps.store.claimReviewCard(month, person, now))) continue;
      try {
        const result = await this.deps.notifier.sendToPerson(person, { card: reviewCard(list, today, REVIEW_WINDOW_DAYS), fallbackText: `Referral content to review: ${list.length}` });
        if (result !== 'sent') {
          await this.deps.store.releaseReviewCard(month, person);
          continue;
        }
        await this.deps.store.markReviewCardSent(month, person, list.length, now);
        sent++;
      } catch (err) {
        failed++;
        await this.deps.store.releaseReviewCard(month, person);
        this.deps.log.warn({ month, err: { message: (err as Error).message } }, 'content review: the card could not be sent; it will be tried again');
      }
    }
    if (failed === 0) await this.deps.store.markReviewRunDone(month, sent, now);
    if (sent > 0) this.deps.log.info({ month, cards: sent, items: items.length }, 'content review: monthly cards sent');
    return { month, sent, skipped: undefined };
  }

  /** A lead's Entra id, from an owner given as an id or an e-mail address in the staff list; undefined if they are not a current lead. */
  private async ownerId(owner: string, leads: string[]): Promise<string | undefined> {
    const oid = GUID.test(owner) ? owner.toLowerCase() : await this.deps.directory.currentObjectIdByEmail(owner);
    return oid && leads.includes(oid) ? oid : undefined;
  }

  /** **Still correct**: the item was checked; its review date moves on. No second lead: nothing in the content changed, but who checked it is recorded. */
  async confirm(turn: ChatTurn, data: z.output<typeof confirmSchema>): Promise<void> {
    if (turn.conversation.kind !== 'personal' || !turn.user.aadObjectId) return this.confirmInvalid(turn);
    const { kind, id } = data;
    const content = this.deps.live.get();
    const route = kind === 'route' ? content.route(id) : undefined;
    const contact = kind === 'contact' ? content.contacts.get(id) : undefined;
    if (!route && !contact) return turn.send({ text: `That ${kind} is no longer in the referral content. Type content review to see what needs checking.` });
    if (contact && !contact.confirmed) return turn.send({ text: `${contact.name} has not been filled in yet, so it cannot be confirmed as correct. Use Change it (or type edit contact) to add its details.` });
    const title = route ? route.title : contact!.name;
    const today = ukDateAndHour(this.deps.now()).date;
    const key = `${kind}:${id}`;
    const previous = this.deps.live.reviewOf(key);
    if (previous?.on === today) return turn.send({ text: `${title} was already recorded today as checked and still correct${previous.byName ? `, by ${previous.byName}` : ''}.` });
    const by = turn.principal.name ?? turn.user.name;
    await this.deps.store.recordReview(REFERRAL_SET, key, { on: today, at: this.deps.now().toISOString(), by: turn.user.aadObjectId, ...(by ? { byName: by } : {}) });
    await this.deps.live.refresh();
    await this.deps.audit.note(turn.user, 'content.reviewed', { [kind]: id, version: this.deps.live.currentVersion }, turn.log);
    const next = monthsAfter(today, route ? route.reviewEveryMonths : (contact!.reviewEveryMonths ?? CONTACT_REVIEW_MONTHS));
    await turn.send({ text: `Thank you. ${title} is recorded as checked and still correct by you today (${formatDate(today)}). Its next review is due ${formatDate(next)}.` });
  }

  /** An old or tampered button, or one pressed outside the 1:1 chat. */
  async confirmInvalid(turn: ChatTurn): Promise<void> {
    if (turn.conversation.kind !== 'personal' || !turn.user.aadObjectId) return turn.send({ text: 'Please review content in our 1:1 chat.' });
    await turn.send({ text: 'That button is out of date. Type content review to see what needs checking.' });
  }

  /** Anyone but a safeguarding lead: "Only safeguarding leads can change the referral content.", recorded as content.refused. */
  refuse(turn: ChatTurn): Promise<void> {
    return refuseChange(this.deps.audit, turn);
  }
}
