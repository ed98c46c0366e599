import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  areasSchema,
  ContentError,
  contactSchema,
  pathwaySchema,
  phrasingSchema,
  routeSchema,
  type Area,
  type Audience,
  type Contact,
  type ReferralContent,
  type ReferralContentFiles,
  type Route,
} from './contentSchema';

/**
 * Reading content/referral/ and cross-checking it: every contact a route, the pathway or a home
 * area names exists, every audience is reachable. A mistake stops start-up with the file, the path
 * inside it and what is wrong.
 */
function issuePath(file: string, issue: z.ZodIssue): string {
  const where = issue.path.reduce<string>(
    (acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : String(part)),
    '',
  );
  return `${file}: ${where || '(top level)'}: ${issue.message}`;
}

function readJson(dir: string, name: string, problems: string[], optional = false): unknown {
  const file = path.join(dir, name);
  if (optional && !fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file is missing' : `not valid JSON (${(err as Error).message})`}`,
    );
    return undefined;
  }
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
export function parseReferralContent(
  raw: ReferralContentFiles,
  where: (file: string) => string = (f) => f,
): ReferralContent {
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
  const contacts = parse(
    files.contacts,
    z.object({ contacts: z.array(contactSchema).min(1) }).strict(),
    raw.contacts,
  )?.contacts;
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
      if (!contactIds.has(c.contact))
        problems.push(`${files.routes}: routes[${i}].contacts[${j}].contact: unknown contact "${c.contact}"`);
    });
    if (r.followUp && !contactIds.has(r.followUp.contact))
      problems.push(`${files.routes}: routes[${i}].followUp.contact: unknown contact "${r.followUp.contact}"`);
    const notServed = (list: string[] | undefined) => (list ?? []).filter((a) => !r.audiences.includes(a as Audience));
    notServed(r.followUp?.audiences).forEach((a) =>
      problems.push(`${files.routes}: routes[${i}].followUp.audiences: "${a}" is not one of the route's audiences`),
    );
    r.forms.forEach((f, j) =>
      notServed(f.audiences).forEach((a) =>
        problems.push(
          `${files.routes}: routes[${i}].forms[${j}].audiences: "${a}" is not one of the route's audiences`,
        ),
      ),
    );
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
      if (!areaNames.has(n.toLowerCase()))
        problems.push(`${files.pathway}: homeAreas[${i}].councilAreas[${j}]: "${n}" is not an area in areas.json`);
    });
    for (const [from, to] of Object.entries(h.contacts)) {
      if (!contactIds.has(from))
        problems.push(`${files.pathway}: homeAreas[${i}].contacts.${from}: unknown contact "${from}"`);
      if (!contactIds.has(to))
        problems.push(`${files.pathway}: homeAreas[${i}].contacts.${from}: unknown contact "${to}"`);
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
    else if (!r.audiences.includes(a.id))
      problems.push(`${files.pathway}: audiences[${i}].defaultRoute: route "${a.defaultRoute}" is not for ${a.id}`);
  });
  if (pathway.beforeYouCall?.contact) checkContact('beforeYouCall.contact', pathway.beforeYouCall.contact);
  if (!routeIds.has(pathway.notSureRoute))
    problems.push(`${files.pathway}: notSureRoute: unknown route "${pathway.notSureRoute}"`);
  for (const r of routes) {
    if (!r.audiences.some((a) => pathway.audiences.some((p) => p.id === a)))
      problems.push(
        `${files.routes}: route "${r.id}" cannot be reached: none of its audiences is offered in pathway.json`,
      );
  }
  if (problems.length > 0) throw new ContentError(problems);

  return { pathway, routes, contacts: contactIds, phrasing, areas, files: raw, route: (rid) => routeIds.get(rid) };
}
