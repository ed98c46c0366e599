import { z } from 'zod';
import type { AuditTrail } from '../audit';
import { renderCard } from '../cards/render';
import type { ChatTurn, Notifier } from '../chat/types';
import type { Logger } from '../logging/logger';
import type { PeopleDirectory } from '../people/directory';
import { can } from '../people/roles';
import { formatDate } from '../referral/cards';
import { CONTACT_REVIEW_MONTHS, dueForReview, monthsAfter, type ReviewItem } from '../referral/content';
import { firstWorkingDay, ukDateAndHour } from './calendar';
import { REFERRAL_SET, type LiveReferralContent } from './live';
import type { ContentStoreApi } from './store';

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
  directory: PeopleDirectory;
  notifier: Notifier;
  audit: AuditTrail;
  log: Logger;
  now: () => Date;
}

/** How far ahead the card looks. */
export const REVIEW_WINDOW_DAYS = 30;
/** Cards go out from this UK hour on the first working day. */
const SEND_FROM_HOUR = 8;
/** One card stays well inside Teams' size limit; the rest are in `content review`. */
const MAX_ITEMS = 40;

const confirmSchema = z.object({ verb: z.literal('content.review.confirm'), kind: z.enum(['route', 'contact']), id: z.string().min(1).max(80) });

export interface ReviewRun {
  /** `YYYY-MM` in UK time. */
  month: string;
  sent: number;
  skipped: 'not today' | 'done' | undefined;
}

interface Listed {
  item: ReviewItem;
  /** The person is the item's owner (otherwise every lead is sent it). */
  mine: boolean;
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
    const perPerson = new Map<string, Listed[]>();
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
        const result = await this.deps.notifier.sendToPerson(person, { card: this.card(list, today), fallbackText: `Referral content to review: ${list.length}` });
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

  card(items: Listed[], today: string): Record<string, unknown> {
    const shown = items.slice(0, MAX_ITEMS);
    const owned = items.filter((i) => i.mine).length;
    return renderCard('content/review', {
      heading: 'Referral content to review this month',
      intro:
        `${items.length === 1 ? 'This is' : `These ${items.length} are`} past or within ${REVIEW_WINDOW_DAYS} days of the review date. Check each against its source. ` +
        '**Still correct** records that you checked it today and moves its review date on. **Change it** opens the change form: another safeguarding lead approves the change.' +
        (owned > 0 ? ` You are the owner of ${owned === 1 ? 'one of them' : `${owned} of them`}; the rest have no owner, so every safeguarding lead is sent them.` : ' None of them has an owner, so every safeguarding lead is sent them.'),
      more: items.length > MAX_ITEMS ? `And ${items.length - MAX_ITEMS} more: type content review to see every item.` : '',
      items: shown.map(({ item: i, mine }) => ({
        kind: i.kind,
        id: i.id,
        title: `${i.kind === 'route' ? 'Route' : 'Contact'}: ${i.title}`,
        when: i.missing ? 'Not yet filled in: add its details' : i.due < today ? `Review overdue since ${formatDate(i.due)}` : i.due === today ? 'Review due today' : `Review due ${formatDate(i.due)}`,
        overdue: i.missing || i.due <= today,
        canConfirm: !i.missing,
        isRoute: i.kind === 'route',
        owner: mine ? 'You are its owner' : '',
      })),
    });
  }

  /** **Still correct**: the item was checked; its review date moves on. No second lead: nothing in the content changed, but who checked it is recorded. */
  async confirm(turn: ChatTurn): Promise<void> {
    if (!can(turn.principal, 'content.edit')) {
      turn.log.info({ permission: 'content.edit' }, 'refused');
      await this.deps.audit.note(turn.user, 'content.refused', { permission: 'content.edit' }, turn.log);
      return turn.send({ text: 'Only safeguarding leads can change the referral content.' });
    }
    if (turn.conversation.kind !== 'personal' || !turn.user.aadObjectId) return turn.send({ text: 'Please review content in our 1:1 chat.' });
    const parsed = confirmSchema.safeParse(turn.value);
    if (!parsed.success) return turn.send({ text: 'That button is out of date. Type content review to see what needs checking.' });
    const { kind, id } = parsed.data;
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
}
