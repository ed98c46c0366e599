import { z } from 'zod';

/**
 * Every setting the app reads from the environment, validated once at start.
 * Names follow the Bot Framework conventions so Azure app settings map across unchanged.
 */

/** An empty variable counts as unset, so `FOO=` in a .env file falls back to the default. */
const optionalString = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
  z.string().trim().optional(),
);

const schema = z.object({
  NODE_ENV: optionalString,
  PORT: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be 0-65535')
      .max(65535, 'must be 0-65535')
      .default(3978),
  ),
  MicrosoftAppId: optionalString,
  MicrosoftAppPassword: optionalString,
  MicrosoftAppType: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  ),
  MicrosoftAppTenantId: optionalString,
  COSMOS_ENDPOINT: optionalString.pipe(
    z.string().url('must be a URL such as https://myaccount.documents.azure.com:443/').optional(),
  ),
  COSMOS_KEY: optionalString,
  COSMOS_DATABASE: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,255}$/, 'may only contain letters, digits, _ and -')
      .optional(),
  ),
  DATA_DIR: optionalString,
  SAFEGUARDING_LEAD_IDS: optionalString,
  AUDIT_RETENTION_YEARS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a number of years' })
      .int('must be a whole number of years')
      .min(1, 'must be at least 1')
      .max(50, 'must be at most 50')
      .default(6),
  ),
  ALLOW_EXAMPLE_CONTENT: optionalString.pipe(
    z.enum(['true', 'false'], { errorMap: () => ({ message: 'must be true or false' }) }).optional(),
  ),
  EXPORT_SIGNING_KEY: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters (for example: openssl rand -base64 48)').optional(),
  ),
  EXPORT_SIGNING_KEY_PREVIOUS: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  LOG_PSEUDONYM_KEY: optionalString.pipe(
    z.string().min(32, 'must be at least 32 characters (for example: openssl rand -base64 48)').optional(),
  ),
  PUBLIC_BASE_URL: optionalString.pipe(
    z
      .string()
      .url('must be the address people reach the bot at, such as https://safeguarding-bot.azurewebsites.net')
      .optional(),
  ),
  BROADCAST_MESSAGES_PER_SECOND: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a number' })
      .positive('must be more than 0')
      .max(1000, 'must be at most 1000')
      .default(50),
  ),
  BROADCAST_RETRY_BASE_MS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(60_000, 'must be at most 60000')
      .default(1000),
  ),
  BROADCAST_LEASE_MS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a whole number' })
      .int('must be a whole number')
      .min(1000, 'must be at least 1000')
      .max(600_000, 'must be at most 600000')
      .default(60_000),
  ),
  REFERRAL_RETENTION_DAYS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ invalid_type_error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1')
      .max(3650, 'must be at most 3650')
      .default(90),
  ),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.toLowerCase() : v),
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
});

/**
 * Checks between variables. They run on the raw values even when a single variable is bad, so
 * one message can name every problem at once.
 */
function crossChecks(raw: NodeJS.ProcessEnv): string[] {
  const v = (name: string): string | undefined => {
    const value = raw[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const problems: string[] = [];
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  for (const id of splitList(v('SAFEGUARDING_LEAD_IDS'))) {
    if (!guid.test(id)) problems.push(`SAFEGUARDING_LEAD_IDS "${id}" is not an Entra object id (a GUID)`);
  }
  if (v('COSMOS_ENDPOINT') && !v('COSMOS_KEY')) problems.push('COSMOS_KEY is required when COSMOS_ENDPOINT is set');
  const appId = v('MicrosoftAppId');
  const type = v('MicrosoftAppType') ?? 'MultiTenant';
  if (appId && type !== 'UserAssignedMSI' && !v('MicrosoftAppPassword')) {
    problems.push(
      'MicrosoftAppPassword is required when MicrosoftAppId is set (unless MicrosoftAppType is UserAssignedMSI)',
    );
  }
  if (appId && (type === 'SingleTenant' || type === 'UserAssignedMSI') && !v('MicrosoftAppTenantId')) {
    problems.push(`MicrosoftAppTenantId is required when MicrosoftAppType is ${type}`);
  }
  if (v('NODE_ENV') === 'production' && !v('EXPORT_SIGNING_KEY')) {
    problems.push(
      'EXPORT_SIGNING_KEY is required when NODE_ENV=production: download links must work on every instance and after a restart (a random key per process is for local use only)',
    );
  }
  if (v('EXPORT_SIGNING_KEY_PREVIOUS') && !v('EXPORT_SIGNING_KEY'))
    problems.push('EXPORT_SIGNING_KEY_PREVIOUS is only used with EXPORT_SIGNING_KEY (the key that replaced it)');
  if (v('NODE_ENV') === 'production' && !appId) {
    problems.push(
      'MicrosoftAppId is required when NODE_ENV=production: without app credentials anyone could post to /api/messages (that is for local development only)',
    );
  }
  return problems;
}

export interface Config {
  production: boolean;
  port: number;
  bot: {
    appId?: string;
    appPassword?: string;
    appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
    tenantId?: string;
  };
  cosmos: { endpoint?: string; key?: string; database: string };
  dataDir: string;
  safeguardingLeadIds: string[];
  /** Years the audit trail is kept. */
  auditRetentionYears: number;
  /** Run in production on the shipped example content (for a demo only). */
  allowExampleContent: boolean;
  /**
   * Keys that sign the 15-minute download links: the current one signs, the previous one (during a
   * rotation) is still accepted. Unset: a random key per process (local use only).
   */
  exportSigningKeys?: { current: string; previous?: string };
  /**
   * The key for the pseudonymous user id in the logs (an HMAC of the Entra object id, never the
   * name). Unset: a random key per process, so the same person cannot be followed across restarts.
   */
  logPseudonymKey?: string;
  /** Where people's browsers reach this server (for download links). Default http://localhost:PORT. */
  publicBaseUrl?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Days a closed referral follow-up is kept before it is deleted. */
  referralRetentionDays: number;
  broadcast: {
    /** Teams' limit for the whole app in a tenant; shared between the running instances. */
    messagesPerSecond: number;
    /** First retry delay for a failed send; doubles each attempt (with jitter). */
    retryBaseMs: number;
    /** How long a worker's claim on a send lasts before another worker may take it over. */
    leaseMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `The configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every setting.`,
    );
    this.name = 'ConfigError';
  }
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Validates the environment; throws ConfigError naming every bad variable at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`)),
    ...crossChecks(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    bot: {
      appId: e.MicrosoftAppId,
      appPassword: e.MicrosoftAppPassword,
      appType: e.MicrosoftAppType ?? 'MultiTenant',
      tenantId: e.MicrosoftAppTenantId,
    },
    cosmos: { endpoint: e.COSMOS_ENDPOINT, key: e.COSMOS_KEY, database: e.COSMOS_DATABASE ?? 'safeguarding' },
    dataDir: e.DATA_DIR ?? './.data',
    safeguardingLeadIds: splitList(e.SAFEGUARDING_LEAD_IDS).map((s) => s.toLowerCase()),
    allowExampleContent: e.ALLOW_EXAMPLE_CONTENT === 'true',
    auditRetentionYears: e.AUDIT_RETENTION_YEARS,
    publicBaseUrl: e.PUBLIC_BASE_URL,
    exportSigningKeys: e.EXPORT_SIGNING_KEY
      ? { current: e.EXPORT_SIGNING_KEY, previous: e.EXPORT_SIGNING_KEY_PREVIOUS }
      : undefined,
    logLevel: e.LOG_LEVEL,
    logPseudonymKey: e.LOG_PSEUDONYM_KEY,
    referralRetentionDays: e.REFERRAL_RETENTION_DAYS,
    broadcast: {
      messagesPerSecond: e.BROADCAST_MESSAGES_PER_SECOND,
      retryBaseMs: e.BROADCAST_RETRY_BASE_MS,
      leaseMs: e.BROADCAST_LEASE_MS,
    },
  };
}
