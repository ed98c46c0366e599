import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Referral content: the organisation's routes, contacts and pathway, edited as JSON under
 * content/referral/ and validated here at start. A mistake stops start-up with the file, the
 * path inside it and what is wrong: a wrong phone number must never reach a worried member of staff.
 */
const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lower-case id such as child-abuse-neglect');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real date');
/** UK numbers: 999, 101, 111, or 10-11 digit numbers starting 0 (spaces allowed). */
const phone = z
  .string()
  .trim()
  .refine((s) => /^(999|101|111|116 ?\d{3})$/.test(s) || /^0\d{9,10}$/.test(s.replace(/ /g, '')), 'is not a UK phone number (for example 01709 336080, 101 or 999)');
const httpsUrl = z.string().url('must be a full web address').refine((u) => u.startsWith('https://'), 'must start with https://');
const text = z.string().trim().min(1, 'must not be empty');
/**
 * Who keeps a contact or route up to date: a safeguarding lead's Entra object id or e-mail address
 * from the staff list. Optional; without one, the monthly review card goes to every lead.
 */
const owner = z
  .string()
  .trim()
  .refine((s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) || z.string().email().safeParse(s).success, "must be a safeguarding lead's Entra object id or e-mail address");

export const AUDIENCES = ['child', 'unborn', 'adult'] as const;
export type Audience = (typeof AUDIENCES)[number];

const contactSchema = z
  .object({
    id,
    name: text,
    phone: phone.optional(),
    hours: text.optional(),
    email: z.string().email('is not an e-mail address').optional(),
    url: httpsUrl.optional(),
    use: text,
    /** false for a local contact the organisation has still to fill in: shown as "ask your safeguarding lead", never invented. */
    confirmed: z.boolean().default(true),
    source: text,
    lastReviewed: isoDate,
    /** How often the contact is checked (months); 12 when not given. */
    reviewEveryMonths: z.number().int().min(1).max(36).optional(),
    owner: owner.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.confirmed && !c.phone && !c.email && !c.url) ctx.addIssue({ code: 'custom', message: 'a confirmed contact needs a phone, email or url' });
  });

const routeSchema = z
  .object({
    id,
    title: text,
    audiences: z.array(z.enum(AUDIENCES)).min(1, 'must name at least one audience'),
    summary: text,
    /** Words and phrases staff use for this topic (synonyms, abbreviations); matched as well as the title. */
    keywords: z.array(text).default([]),
    /** Questions as staff really type them; the free-text matcher learns the route from these. */
    examples: z.array(text).default([]),
    whyItMatters: text,
    stepsNow: z.array(text).min(1, 'needs at least one step'),
    contacts: z.array(z.object({ contact: id, why: text }).strict()).min(1, 'needs at least one contact'),
    whatHappensNext: z.array(z.object({ when: text, what: text }).strict()).default([]),
    forms: z
      .array(z.object({ title: text, url: httpsUrl.optional(), note: text.optional(), audiences: z.array(z.enum(AUDIENCES)).min(1).optional() }).strict())
      .default([]),
    followUp: z
      .object({
        afterHours: z.number().int().min(1).max(24 * 30),
        contact: id,
        message: text,
        /** Only for these audiences (for example the MASH chase on a route that also serves adults). */
        audiences: z.array(z.enum(AUDIENCES)).min(1).optional(),
      })
      .strict()
      .optional(),
    sources: z.array(text).min(1, 'needs at least one source'),
    lastReviewed: isoDate,
    reviewEveryMonths: z.number().int().min(1).max(36).default(12),
    owner: owner.optional(),
  })
  .strict();

const pathwaySchema = z
  .object({
    organisation: text,
    emergencyContacts: z.array(id).min(1),
    immediateDanger: text,
    beforeYouAct: z.array(text).min(1),
    whenResolved: text,
    belowThreshold: text,
    safeguardingTeamContact: id,
    keyContacts: z.array(id).default([]),
    audiences: z.array(z.object({ id: z.enum(AUDIENCES), label: text, defaultRoute: id }).strict()).min(1),
    notSureRoute: id,
    /** Shown behind show/hide on routes for these audiences, e.g. "Before you call the MASH". */
    beforeYouCall: z
      .object({ title: text, audiences: z.array(z.enum(AUDIENCES)).min(1), items: z.array(text).min(1), source: text, contact: id.optional() })
      .strict()
      .optional(),
    /**
     * The council areas this organisation serves. With more than one, the who step asks where the
     * person lives and each route uses that area's contacts (`contacts` maps a contact id used in
     * routes.json to the area's own contact id).
     */
    homeAreas: z
      .array(z.object({ id, name: text, councilAreas: z.array(text).min(1), contacts: z.record(id, id).default({}) }).strict())
      .default([]),
  })
  .strict();

/** Organisation-wide phrasing: words staff use that mean something in our content, and text that is not a safeguarding question. */
const phrasingSchema = z
  .object({
    synonyms: z.array(z.object({ means: text, terms: z.array(text).min(1) }).strict()).default([]),
    offTopic: z.array(text).default([]),
  })
  .strict();

/** Out-of-area pages: every English council's page for a concern about a child and about an adult, with where the facts came from. */
const webUrl = z.string().url('must be a full web address').refine((u) => /^https?:\/\//.test(u), 'must start with https:// or http://');
const areasSchema = z
  .object({
    about: text,
    source: text,
    asAt: isoDate,
    areas: z.array(z.object({ name: text, region: text, childrenUrl: webUrl, adultsUrl: webUrl, aliases: z.array(text).default([]) }).strict()).min(1),
  })
  .strict();

export type Contact = z.infer<typeof contactSchema>;
export type Route = z.infer<typeof routeSchema>;
export type Pathway = z.infer<typeof pathwaySchema>;
export type Phrasing = z.infer<typeof phrasingSchema>;
export type AreaLinks = z.infer<typeof areasSchema>;
export type Area = AreaLinks['areas'][number];
export type HomeArea = Pathway['homeAreas'][number];

export interface ReferralContent {
  pathway: Pathway;
  routes: Route[];
  contacts: Map<string, Contact>;
  phrasing: Phrasing;
  areas: AreaLinks;
  /** The JSON it was read from, as given: what a new version is made from. */
  files: ReferralContentFiles;
  route(id: string): Route | undefined;
}

export class ContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`The referral content is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ContentError';
  }
}

function issuePath(file: string, issue: z.ZodIssue): string {
  const where = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : String(part)), '');
  return `${file}: ${where || '(top level)'}: ${issue.message}`;
}

function readJson(dir: string, name: string, problems: string[], optional = false): unknown {
  const file = path.join(dir, name);
  if (optional && !fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON (${(err as Error).message})`}`);
    return undefined;
  }
}

/** The referral content as JSON values, one per file of content/referral/ (also how a version is stored in Cosmos). */
export interface ReferralContentFiles {
  contacts: unknown;
  routes: unknown;
  pathway: unknown;
  phrasing?: unknown;
  areas: unknown;
}

/** Loads and cross-checks content/referral; throws ContentError listing every problem. */
export function loadReferralContent(dir: string): ReferralContent {
  const problems: string[] = [];
  const raw = {
    contacts: readJson(dir, 'contacts.json', problems),
    routes: readJson(dir, 'routes.json', problems),
    pathway: readJson(dir, 'pathway.json', problems),
    phrasing: readJson(dir, 'phrasing.json', problems, true),
    areas: readJson(dir, 'areas.json', problems),
  };
  if (problems.length > 0) throw new ContentError(problems);
  return parseReferralContent(raw, (name) => path.join(dir, name));
}

/** Validates and cross-checks the content from its JSON values; `where` names each file in the problems (a path, or a file name for an upload). */
export function parseReferralContent(raw: ReferralContentFiles, where: (file: string) => string = (f) => f): ReferralContent {
  const problems: string[] = [];
  const files = {
    contacts: where('contacts.json'),
    routes: where('routes.json'),
    pathway: where('pathway.json'),
    phrasing: where('phrasing.json'),
    areas: where('areas.json'),
  };
  const parse = <T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T | undefined => {
    if (value === undefined) {
      problems.push(`${file}: file is missing`);
      return undefined;
    }
    const result = schema.safeParse(value);
    if (!result.success) result.error.issues.forEach((i) => problems.push(issuePath(file, i)));
    return result.success ? result.data : undefined;
  };
  const contacts = parse(files.contacts, z.object({ contacts: z.array(contactSchema).min(1) }).strict(), raw.contacts)?.contacts;
  const routes = parse(files.routes, z.object({ routes: z.array(routeSchema).min(1) }).strict(), raw.routes)?.routes;
  const pathway = parse(files.pathway, pathwaySchema, raw.pathway);
  const phrasing = parse(files.phrasing, phrasingSchema, raw.phrasing ?? {});
  const areas = parse(files.areas, areasSchema, raw.areas);
  if (!contacts || !routes || !pathway || !phrasing || !areas) throw new ContentError(problems);

  const contactIds = new Map<string, Contact>();
  contacts.forEach((c, i) => {
    if (contactIds.has(c.id)) problems.push(`${files.contacts}: contacts[${i}].id: "${c.id}" is used twice`);
    contactIds.set(c.id, c);
  });
  const routeIds = new Map<string, Route>();
  routes.forEach((r, i) => {
    if (routeIds.has(r.id)) problems.push(`${files.routes}: routes[${i}].id: "${r.id}" is used twice`);
    routeIds.set(r.id, r);
    r.contacts.forEach((c, j) => {
      if (!contactIds.has(c.contact)) problems.push(`${files.routes}: routes[${i}].contacts[${j}].contact: unknown contact "${c.contact}"`);
    });
    if (r.followUp && !contactIds.has(r.followUp.contact)) problems.push(`${files.routes}: routes[${i}].followUp.contact: unknown contact "${r.followUp.contact}"`);
    const notServed = (list: string[] | undefined) => (list ?? []).filter((a) => !r.audiences.includes(a as Audience));
    notServed(r.followUp?.audiences).forEach((a) => problems.push(`${files.routes}: routes[${i}].followUp.audiences: "${a}" is not one of the route's audiences`));
    r.forms.forEach((f, j) => notServed(f.audiences).forEach((a) => problems.push(`${files.routes}: routes[${i}].forms[${j}].audiences: "${a}" is not one of the route's audiences`)));
  });
  const areaNames = new Map<string, Area>();
  areas.areas.forEach((a, i) => {
    for (const n of [a.name, ...a.aliases]) {
      const key = n.toLowerCase();
      if (areaNames.has(key)) problems.push(`${files.areas}: areas[${i}]: the name "${n}" is used twice`);
      areaNames.set(key, a);
    }
  });
  const homeIds = new Set<string>();
  pathway.homeAreas.forEach((h, i) => {
    if (homeIds.has(h.id)) problems.push(`${files.pathway}: homeAreas[${i}].id: "${h.id}" is used twice`);
    homeIds.add(h.id);
    h.councilAreas.forEach((n, j) => {
      if (!areaNames.has(n.toLowerCase())) problems.push(`${files.pathway}: homeAreas[${i}].councilAreas[${j}]: "${n}" is not an area in areas.json`);
    });
    for (const [from, to] of Object.entries(h.contacts)) {
      if (!contactIds.has(from)) problems.push(`${files.pathway}: homeAreas[${i}].contacts.${from}: unknown contact "${from}"`);
      if (!contactIds.has(to)) problems.push(`${files.pathway}: homeAreas[${i}].contacts.${from}: unknown contact "${to}"`);
    }
  });
  const checkContact = (where: string, cid: string) => {
    if (!contactIds.has(cid)) problems.push(`${files.pathway}: ${where}: unknown contact "${cid}"`);
  };
  pathway.emergencyContacts.forEach((c, i) => checkContact(`emergencyContacts[${i}]`, c));
  pathway.keyContacts.forEach((c, i) => checkContact(`keyContacts[${i}]`, c));
  checkContact('safeguardingTeamContact', pathway.safeguardingTeamContact);
  pathway.audiences.forEach((a, i) => {
    const r = routeIds.get(a.defaultRoute);
    if (!r) problems.push(`${files.pathway}: audiences[${i}].defaultRoute: unknown route "${a.defaultRoute}"`);
    else if (!r.audiences.includes(a.id)) problems.push(`${files.pathway}: audiences[${i}].defaultRoute: route "${a.defaultRoute}" is not for ${a.id}`);
  });
  if (pathway.beforeYouCall?.contact) checkContact('beforeYouCall.contact', pathway.beforeYouCall.contact);
  if (!routeIds.has(pathway.notSureRoute)) problems.push(`${files.pathway}: notSureRoute: unknown route "${pathway.notSureRoute}"`);
  for (const r of routes) {
    if (!r.audiences.some((a) => pathway.audiences.some((p) => p.id === a))) problems.push(`${files.routes}: route "${r.id}" cannot be reached: none of its audiences is offered in pathway.json`);
  }
  if (problems.length > 0) throw new ContentError(problems);

  return { pathway, routes, contacts: contactIds, phrasing, areas, files: raw, route: (rid) => routeIds.get(rid) };
}

/** A contact without its own `reviewEveryMonths` is checked once a year. */
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
    if (!c.confirmed) out.push({ kind: 'contact', id: c.id, title: c.name, due: due < today ? due : today, owner: c.owner, missing: true });
    else if (due <= horizon) out.push({ kind: 'contact', id: c.id, title: c.name, due, owner: c.owner });
  }
  return out.sort((a, b) => a.due.localeCompare(b.due) || a.title.localeCompare(b.title));
}

/** Routes and contacts whose review date has passed, for safeguarding leads. */
export function overdueForReview(content: ReferralContent, now: Date): { kind: 'route' | 'contact'; id: string; title: string; due: string; missing?: boolean }[] {
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
  if (areasDue <= now) out.push({ kind: 'contact', id: 'areas', title: `Out-of-area council links (${content.areas.areas.length} areas, as at ${new Date(`${content.areas.asAt}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })})`, due: areasDue.toISOString().slice(0, 10) });
  for (const c of content.contacts.values()) {
    const due = addMonths(c.lastReviewed, c.reviewEveryMonths ?? CONTACT_REVIEW_MONTHS);
    if (due <= now) out.push({ kind: 'contact', id: c.id, title: c.name, due: due.toISOString().slice(0, 10) });
    else if (!c.confirmed) out.push({ kind: 'contact', id: c.id, title: `${c.name} (details not yet filled in)`, due: c.lastReviewed, missing: true });
  }
  return out;
}
