import { z } from 'zod';

/**
 * What a POST to /api/messages must look like before the Bot Framework SDK sees it. The SDK
 * answers anything else with 500, its internal error text and a stack trace on stderr; we answer
 * 400 or 401 with a short body instead, and the caller logs one line.
 */
const text = (max: number) => z.string().max(max).nullish();
const account = z.object({ id: z.string().max(1000), aadObjectId: text(100), name: text(1000) }).passthrough();

const activitySchema = z
  .object({
    type: z.string().min(1).max(100),
    id: text(1000),
    channelId: z.string().min(1).max(100),
    serviceUrl: z.string().max(2000).url(),
    from: account,
    recipient: account,
    conversation: z
      .object({
        id: z.string().min(1).max(1000),
        conversationType: text(100),
        tenantId: text(100),
        isGroup: z.boolean().nullish(),
      })
      .passthrough(),
    text: text(100_000),
    timestamp: text(100),
    localTimestamp: text(100),
    name: text(200),
    action: text(200),
    attachments: z
      .array(z.object({ contentType: z.string().max(300) }).passthrough())
      .max(50)
      .nullish(),
    entities: z
      .array(z.object({ type: z.string().max(100) }).passthrough())
      .max(100)
      .nullish(),
    membersAdded: z.array(account).max(1000).nullish(),
    membersRemoved: z.array(account).max(1000).nullish(),
    channelData: z.record(z.unknown()).nullish(),
  })
  .passthrough();

export type RequestCheck =
  { ok: true; activity: Record<string, unknown> } | { ok: false; status: 400 | 401; problem: string };

/**
 * Checks the body (parsed JSON) of a request. Validation only: the body itself is what goes on
 * (zod's copy would let a `__proto__` key set the copy's prototype), with two repairs the SDK
 * needs: timestamps as dates, and an empty text where a mention has none to be removed from.
 */
export function checkActivity(body: unknown): RequestCheck {
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, status: 400, problem: 'the body is not a JSON object' };
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, status: 400, problem: `${issue.path.join('.') || 'body'}: ${issue.message}` };
  }
  const activity = body as Record<string, unknown>;
  // The SDK reads `value.verb` and `entities.length` without a null check: null is as if absent.
  for (const field of ['value', 'entities', 'attachments', 'membersAdded', 'membersRemoved', 'channelData'] as const)
    if (activity[field] === null) delete activity[field];
  if (
    typeof activity.text !== 'string' &&
    Array.isArray(activity.entities) &&
    activity.entities.some((e) => (e as { type?: unknown }).type === 'mention')
  )
    activity.text = '';
  for (const field of ['timestamp', 'localTimestamp'] as const) {
    const value = activity[field];
    if (typeof value !== 'string') continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return { ok: false, status: 400, problem: `${field}: not a date` };
    activity[`raw${field[0]!.toUpperCase()}${field.slice(1)}`] = value;
    activity[field] = at;
  }
  return { ok: true, activity };
}

/**
 * With app credentials set, only a signed JWT can be a Bot Framework token, and the Bot Framework
 * and Entra ID sign theirs with RS256. A missing header, `alg: none`, HS256 (a key guessed or
 * taken from the app password) or anything else is refused here, before any key look-up.
 */
export function tokenProblem(authorization: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!m) return authorization ? 'the Authorization header is not a signed bearer token' : 'no Authorization header';
  let header: { alg?: unknown };
  try {
    header = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as { alg?: unknown };
  } catch {
    return 'the token header is not JSON';
  }
  if (header?.alg !== 'RS256')
    return `the token is signed with ${typeof header?.alg === 'string' ? header.alg.slice(0, 20) : 'no algorithm'}, not RS256`;
  return undefined;
}
