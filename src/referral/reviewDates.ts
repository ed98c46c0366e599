import type { ReferralContent } from './contentSchema';

/**
 * Review dates of routes and contacts: what the monthly review card and `content review` list.
 * A contact without its own `reviewEveryMonths` is checked once a year.
 */
export const CONTACT_REVIEW_MONTHS = 12;

/** A date `months` after a `YYYY-MM-DD` date, as `YYYY-MM-DD`. */
export function monthsAfter(isoDay: string, months: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

export interface ReviewItem {
  kind: 'route' | 'contact';
  id: string;
  title: string;
  /** The review date, `YYYY-MM-DD`. */
  due: string;
  owner?: string;
  /** A local contact still to be filled in: it needs changing, not confirming. */
  missing?: boolean;
}

/**
 * Routes and contacts past their review date or due within `withinDays` of `today` (`YYYY-MM-DD`),
 * and local contacts not yet filled in: what the monthly review card lists. Soonest first.
 */
export function dueForReview(content: ReferralContent, today: string, withinDays = 30): ReviewItem[] {
  const horizon = new Date(Date.parse(`${today}T00:00:00Z`) + withinDays * 86_400_000).toISOString().slice(0, 10);
  const out: ReviewItem[] = [];
  for (const r of content.routes) {
    const due = monthsAfter(r.lastReviewed, r.reviewEveryMonths);
    if (due <= horizon) out.push({ kind: 'route', id: r.id, title: r.title, due, owner: r.owner });
  }
  for (const c of content.contacts.values()) {
    const due = monthsAfter(c.lastReviewed, c.reviewEveryMonths ?? CONTACT_REVIEW_MONTHS);
    if (!c.confirmed)
      out.push({
        kind: 'contact',
        id: c.id,
        title: c.name,
        due: due < today ? due : today,
        owner: c.owner,
        missing: true,
      });
    else if (due <= horizon) out.push({ kind: 'contact', id: c.id, title: c.name, due, owner: c.owner });
  }
  return out.sort((a, b) => a.due.localeCompare(b.due) || a.title.localeCompare(b.title));
}

/** Routes and contacts whose review date has passed, for safeguarding leads. */
export function overdueForReview(
  content: ReferralContent,
  now: Date,
): { kind: 'route' | 'contact'; id: string; title: string; due: string; missing?: boolean }[] {
  const out: { kind: 'route' | 'contact'; id: string; title: string; due: string; missing?: boolean }[] = [];
  const addMonths = (iso: string, months: number) => {
    const d = new Date(`${iso}T00:00:00Z`);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d;
  };
  for (const r of content.routes) {
    const due = addMonths(r.lastReviewed, r.reviewEveryMonths);
    if (due <= now) out.push({ kind: 'route', id: r.id, title: r.title, due: due.toISOString().slice(0, 10) });
  }
  // The out-of-area council links are a snapshot: once a year old they need checking like any contact.
  const areasDue = addMonths(content.areas.asAt, 12);
  if (areasDue <= now)
    out.push({
      kind: 'contact',
      id: 'areas',
      title: `Out-of-area council links (${content.areas.areas.length} areas, as at ${new Date(`${content.areas.asAt}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })})`,
      due: areasDue.toISOString().slice(0, 10),
    });
  for (const c of content.contacts.values()) {
    const due = addMonths(c.lastReviewed, c.reviewEveryMonths ?? CONTACT_REVIEW_MONTHS);
    if (due <= now) out.push({ kind: 'contact', id: c.id, title: c.name, due: due.toISOString().slice(0, 10) });
    else if (!c.confirmed)
      out.push({
        kind: 'contact',
        id: c.id,
        title: `${c.name} (details not yet filled in)`,
        due: c.lastReviewed,
        missing: true,
      });
  }
  return out;
}
