import { z } from 'zod';
import type { ReferralContent } from '../referral/content';
import type { ContentChange } from './store';
import { CONTENT_VERBS } from './verbs';

/**
 * Editing a route's steps, contacts and follow-up in a card: the form's values, the raw route they
 * make (validated with the whole content, exactly as at start-up, by the caller) and the
 * difference in words for the approver ("Step 2: ... → ...").
 */
export const MAX_STEPS = 30;
export const MAX_CONTACTS = 12;
/** Empty boxes offered after the route's own steps and contacts (and more with "More boxes"). */
export const SPARE_STEPS = 2;
export const SPARE_CONTACTS = 1;
/** The "(none)" choice (a choice's value cannot be empty, and no contact id is a dash). */
export const NO_CONTACT = '-';
const contactChoice = (s: string) => (s === NO_CONTACT ? '' : s);

const box = z.string().max(500).optional().transform((s) => (s ?? '').trim());
const formFields = z
  .object({
    verb: z.literal(CONTENT_VERBS.routePropose),
    route: z.string().max(80),
    basedOn: z.coerce.number().int().min(1),
    more: z.enum(['true', 'false']).optional(),
    followContact: z.string().max(80).optional(),
    followHours: z.string().max(10).optional(),
    followMessage: z.string().max(500).optional(),
  })
  .passthrough();

export interface RouteForm {
  route: string;
  basedOn: number;
  more: boolean;
  /** Every step box, in order, empty ones included (the card is shown again with them). */
  steps: string[];
  contacts: { contact: string; why: string }[];
  followContact: string;
  followHours: string;
  followMessage: string;
}

/** The submitted form, read into a RouteForm; it does not parse when it is not one (an old or forged button). */
export const routeFormSchema = formFields.transform((d, ctx): RouteForm => {
  const boxes = d as Record<string, unknown>;
  const numbered = (prefix: string, max: number): string[] | undefined => {
    const out: string[] = [];
    for (let i = 0; i < max; i++) {
      const r = box.safeParse(boxes[`${prefix}${i}`]);
      if (!r.success) return undefined;
      out.push(r.data);
    }
    let end = out.length;
    while (end > 0 && out[end - 1] === '' && boxes[`${prefix}${end - 1}`] === undefined) end--;
    return out.slice(0, end);
  };
  const steps = numbered('step', MAX_STEPS);
  const ids = numbered('contact', MAX_CONTACTS);
  const whys = numbered('why', MAX_CONTACTS);
  if (!steps || !ids || !whys) {
    ctx.addIssue({ code: 'custom', message: 'a step, contact or why box is not text of at most 500 characters' });
    return z.NEVER;
  }
  const contacts = Array.from({ length: Math.max(ids.length, whys.length) }, (_, i) => ({ contact: contactChoice(ids[i] ?? ''), why: whys[i] ?? '' }));
  return {
    route: d.route,
    basedOn: d.basedOn,
    more: d.more === 'true',
    steps,
    contacts,
    followContact: contactChoice((d.followContact ?? '').trim()),
    followHours: (d.followHours ?? '').trim(),
    followMessage: (d.followMessage ?? '').trim(),
  };
});

/** A route as stored (the JSON of routes.json), with the parts the card edits. */
export interface RawRoute {
  id: string;
  title: string;
  stepsNow: string[];
  contacts: { contact: string; why: string }[];
  followUp?: { afterHours: number; contact: string; message: string; audiences?: string[] };
  lastReviewed: string;
  [key: string]: unknown;
}

/** The route the form makes from the stored one; problems a person can fix before validation (a number that is not a number). */
export function applyRouteForm(raw: RawRoute, form: RouteForm, today: string): { route: RawRoute } | { problem: string } {
  const steps = form.steps.filter((s) => s !== '');
  const contacts = form.contacts.filter((c) => c.contact !== '').map((c) => ({ contact: c.contact, why: c.why }));
  const blankWhy = form.contacts.findIndex((c) => c.contact !== '' && c.why === '');
  if (blankWhy >= 0) return { problem: `The "Why" box of contact ${blankWhy + 1} is empty: say why staff should contact them.` };
  const twice = contacts.find((c, k) => contacts.findIndex((o) => o.contact === c.contact) !== k);
  if (twice) return { problem: 'The same contact is chosen twice: keep it once, with both reasons in its "Why" box.' };
  const { followUp: _old, ...rest } = raw;
  let followUp: RawRoute['followUp'];
  if (form.followContact !== '') {
    const hours = Number(form.followHours);
    if (!/^\d+$/.test(form.followHours) || hours < 1 || hours > 720) return { problem: 'The follow-up needs a whole number of hours from 1 to 720 (72 is three days).' };
    if (form.followMessage === '') return { problem: 'The follow-up needs a reminder message: what the member of staff should check.' };
    followUp = { afterHours: hours, contact: form.followContact, message: form.followMessage, ...(raw.followUp?.audiences ? { audiences: raw.followUp.audiences } : {}) };
  }
  return { route: { ...rest, stepsNow: steps, contacts, ...(followUp ? { followUp } : {}), lastReviewed: today } };
}

/** Plain words for a validation problem on a route: "Step 3: must not be empty". */
export function routeProblem(problem: string): string {
  const where = problem.replace(/^.*?routes\.json: routes\[\d+\]\.?/, '');
  return where
    .replace(/^stepsNow\[(\d+)\]/, (_m, n: string) => `Step ${Number(n) + 1}`)
    .replace(/^stepsNow/, 'Steps')
    .replace(/^contacts\[(\d+)\]\.why/, (_m, n: string) => `Contact ${Number(n) + 1}, why`)
    .replace(/^contacts\[(\d+)\]\.contact/, (_m, n: string) => `Contact ${Number(n) + 1}`)
    .replace(/^contacts/, 'Contacts')
    .replace(/^followUp\.afterHours/, 'Follow-up hours')
    .replace(/^followUp\.message/, 'Follow-up message')
    .replace(/^followUp\.contact/, 'Follow-up contact');
}

/** Which steps were removed, added or changed, by the longest run of steps the two lists share. */
export function stepChanges(before: string[], after: string[]): ContentChange[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = before[i] === after[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: ContentChange[] = [];
  let i = 0;
  let j = 0;
  const removed: number[] = [];
  const added: number[] = [];
  const flush = () => {
    // A step removed and one added at the same place read as that step changed.
    while (removed.length && added.length) {
      const r = removed.shift()!;
      const a = added.shift()!;
      out.push({ text: `Step ${a + 1}: ${before[r]} → ${after[a]}` });
    }
    for (const r of removed.splice(0)) out.push({ text: `Step ${r + 1} removed: ${before[r]}` });
    for (const a of added.splice(0)) out.push({ text: `Step ${a + 1} added: ${after[a]}` });
  };
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      flush();
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) removed.push(i++);
    else added.push(j++);
  }
  flush();
  return out;
}

/** Everything the card changed on a route, in words; the route's title is named first by the caller. */
export function routeChanges(before: RawRoute, after: RawRoute, content: ReferralContent): ContentChange[] {
  const name = (id: string) => content.contacts.get(id)?.name ?? id;
  const out = stepChanges(before.stepsNow, after.stepsNow);
  const was = new Map(before.contacts.map((c) => [c.contact, c.why]));
  const now = new Map(after.contacts.map((c) => [c.contact, c.why]));
  for (const c of after.contacts) {
    const old = was.get(c.contact);
    if (old === undefined) out.push({ text: `Contact added: ${name(c.contact)} (${c.why})` });
    else if (old !== c.why) out.push({ text: `Why contact ${name(c.contact)}: ${old} → ${c.why}` });
  }
  for (const c of before.contacts) if (!now.has(c.contact)) out.push({ text: `Contact removed: ${name(c.contact)}` });
  const sameSet = before.contacts.length === after.contacts.length && before.contacts.every((c) => now.has(c.contact));
  if (sameSet && before.contacts.some((c, k) => after.contacts[k]!.contact !== c.contact)) out.push({ text: `Contacts in a new order: ${after.contacts.map((c) => name(c.contact)).join(', ')}` });
  const f0 = before.followUp;
  const f1 = after.followUp;
  const words = (f: NonNullable<RawRoute['followUp']>) => `after ${f.afterHours} hours, ${name(f.contact)}: ${f.message}`;
  if (f0 && !f1) out.push({ text: `Follow-up removed (was ${words(f0)})` });
  else if (!f0 && f1) out.push({ text: `Follow-up added: ${words(f1)}` });
  else if (f0 && f1) {
    if (f0.afterHours !== f1.afterHours) out.push({ text: `Follow-up after: ${f0.afterHours} hours → ${f1.afterHours} hours` });
    if (f0.contact !== f1.contact) out.push({ text: `Follow-up contact: ${name(f0.contact)} → ${name(f1.contact)}` });
    if (f0.message !== f1.message) out.push({ text: `Follow-up message: ${f0.message} → ${f1.message}` });
  }
  return out;
}
