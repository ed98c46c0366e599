import { z } from 'zod';

/**
 * The shape of the referral content (content/referral/*.json) as zod schemas, and the types the
 * rest of the bot reads. Checked at start by ./contentLoader.ts: a wrong phone number must never
 * reach a worried member of staff.
 */
const id = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a lower-case id such as child-abuse-neglect');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    'is not a real date',
  );
/** UK numbers: 999, 101, 111, or 10-11 digit numbers starting 0 (spaces allowed). */
const phone = z
  .string()
  .trim()
  .refine(
    (s) => /^(999|101|111|116 ?\d{3})$/.test(s) || /^0\d{9,10}$/.test(s.replace(/ /g, '')),
    'is not a UK phone number (for example 01709 336080, 101 or 999)',
  );
const httpsUrl = z
  .string()
  .url('must be a full web address')
  .refine((u) => u.startsWith('https://'), 'must start with https://');
const text = z.string().trim().min(1, 'must not be empty');
/**
 * Who keeps a contact or route up to date: a safeguarding lead's Entra object id or e-mail address
 * from the staff list. Optional; without one, the monthly review card goes to every lead.
 */
const owner = z
  .string()
  .trim()
  .refine(
    (s) =>
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) ||
      z.string().email().safeParse(s).success,
    "must be a safeguarding lead's Entra object id or e-mail address",
  );

export const AUDIENCES = ['child', 'unborn', 'adult'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const contactSchema = z
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
    if (c.confirmed && !c.phone && !c.email && !c.url)
      ctx.addIssue({ code: 'custom', message: 'a confirmed contact needs a phone, email or url' });
  });

export const routeSchema = z
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
      .array(
        z
          .object({
            title: text,
            url: httpsUrl.optional(),
            note: text.optional(),
            audiences: z.array(z.enum(AUDIENCES)).min(1).optional(),
          })
          .strict(),
      )
      .default([]),
    followUp: z
      .object({
        afterHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30),
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

export const pathwaySchema = z
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
      .object({
        title: text,
        audiences: z.array(z.enum(AUDIENCES)).min(1),
        items: z.array(text).min(1),
        source: text,
        contact: id.optional(),
      })
      .strict()
      .optional(),
    /**
     * The council areas this organisation serves. With more than one, the who step asks where the
     * person lives and each route uses that area's contacts (`contacts` maps a contact id used in
     * routes.json to the area's own contact id).
     */
    homeAreas: z
      .array(
        z
          .object({ id, name: text, councilAreas: z.array(text).min(1), contacts: z.record(id, id).default({}) })
          .strict(),
      )
      .default([]),
  })
  .strict();

/** Organisation-wide phrasing: words staff use that mean something in our content, and text that is not a safeguarding question. */
export const phrasingSchema = z
  .object({
    synonyms: z.array(z.object({ means: text, terms: z.array(text).min(1) }).strict()).default([]),
    offTopic: z.array(text).default([]),
  })
  .strict();

/** Out-of-area pages: every English council's page for a concern about a child and about an adult, with where the facts came from. */
const webUrl = z
  .string()
  .url('must be a full web address')
  .refine((u) => /^https?:\/\//.test(u), 'must start with https:// or http://');
export const areasSchema = z
  .object({
    about: text,
    source: text,
    asAt: isoDate,
    areas: z
      .array(
        z
          .object({
            name: text,
            region: text,
            childrenUrl: webUrl,
            adultsUrl: webUrl,
            aliases: z.array(text).default([]),
          })
          .strict(),
      )
      .min(1),
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

/** The referral content as JSON values, one per file of content/referral/ (also how a version is stored in Cosmos). */
export interface ReferralContentFiles {
  contacts: unknown;
  routes: unknown;
  pathway: unknown;
  phrasing?: unknown;
  areas: unknown;
}
