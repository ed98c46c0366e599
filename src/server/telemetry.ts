import type { IncomingMessage } from 'node:http';
import { format } from 'node:util';
import { writeJsonLine } from '../logging/jsonLine';

/**
 * Application Insights through OpenTelemetry, started before anything else loads (so that http,
 * the Azure SDK (Cosmos), the connector calls and pino are instrumented), and only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. What goes: requests (method, route, status,
 * duration), dependencies (Cosmos and Bot Framework connector calls: host, status, duration),
 * exceptions, standard metrics, and every pino log line as a trace (its message and fields, the
 * same JSON that goes to stdout, so the same redaction; the app logs no message text or names).
 * HTTP bodies are not recorded by the http instrumentation, and live metrics are off, so nothing
 * else is streamed.
 */
export type TelemetryState = 'off' | 'on';

let started = false;

export function startTelemetry(env: NodeJS.ProcessEnv = process.env): TelemetryState {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return 'off';
  // Loaded only when wanted: without a connection string nothing of the SDK is loaded at all.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { PinoInstrumentation } =
    require('@opentelemetry/instrumentation-pino') as typeof import('@opentelemetry/instrumentation-pino');
  const { diag, DiagLogLevel } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const azureLogger = require('@azure/logger') as typeof import('@azure/logger');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // Application Insights shows this as the cloud role (the application map, "role" filters).
  env.OTEL_SERVICE_NAME ||= 'safeguarding-bot';
  // The http instrumentation's own options (its config type is not re-exported by the distro).
  // The embedded store (local use) is an HTTP server in this process: its side of each Cosmos call
  // (every one carries x-ms-version) is not a request to the bot, and is already recorded as the
  // dependency it answers. The SDK's own probe of the Azure instance metadata address is not the
  // app's dependency either (off an Azure VM it fails at every start and would read as an exception).
  const httpOptions = {
    enabled: true,
    ignoreIncomingRequestHook: (req: IncomingMessage) => req.headers['x-ms-version'] !== undefined,
    ignoreOutgoingRequestHook: (req: { hostname?: string | null; host?: string | null }) =>
      (req.hostname ?? req.host ?? '').startsWith('169.254.169.254'),
  };
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    // Every request with its dependencies and exceptions, not the distro's default of 5 traces a
    // second: a turn is one request, so the volume is small, and the request behind an apology's
    // reference code must be there to find (the background polls of the store would otherwise use up
    // most of those 5). OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG override this (for example
    // microsoft.rate_limited with 5), as the distro documents.
    samplingRatio: 1,
    tracesPerSecond: 0,
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (span) => scrubSpan(span.attributes as Record<string, unknown>),
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      },
    ],
    instrumentationOptions: {
      http: httpOptions,
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
    },
  });
  // pino is not one of the distro's own log instrumentations (bunyan and winston are): it is added
  // the way the distro documents for community instrumentations, after useAzureMonitor and before
  // pino is loaded. Each log line then goes to stdout as before and to the distro's log exporter.
  registerInstrumentations({ instrumentations: [new PinoInstrumentation()] });

  // The distro prints the Azure SDK's own diagnostics at "warning" as plain text on the console,
  // which breaks the JSON log stream, and Cosmos DB warns of every 404, 409 and 412: answers this
  // app expects (a missing document, a lost etag race), whose URLs carry document ids such as Entra
  // object ids, which the logs must not hold. So the SDK logs errors only (AZURE_LOG_LEVEL can say
  // otherwise), and the SDK's and OpenTelemetry's diagnostics are written as JSON lines like pino's.
  // Neither goes to Application Insights (an exporter complaining about its own export must not loop).
  const levels = ['verbose', 'info', 'warning', 'error'] as const;
  const wanted = levels.find((l) => l === env.AZURE_LOG_LEVEL?.trim().toLowerCase());
  azureLogger.setLogLevel(wanted ?? 'error');
  azureLogger.AzureLogger.log = (...args: unknown[]) => {
    const text = format(...args);
    const level = /^azure:[\w:-]*?:(error|warning|info|verbose)\b/.exec(text)?.[1];
    diagnostic(level === 'error' ? 50 : level === 'warning' ? 40 : 30, 'azure-sdk', text);
  };
  // As the distro's own console logger does, leave out the resource detectors' "accessing resource
  // attributes before async attributes settled": the Azure VM detector is still asking (or failing
  // to reach) the instance metadata address, which is harmless and says nothing an operator can act on.
  const to =
    (level: 10 | 20 | 30 | 40 | 50) =>
    (message: string, ...args: unknown[]) => {
      const text = format(message, ...args);
      if (!/resource attributes.*async|async attributes/i.test(text)) diagnostic(level, 'opentelemetry', text);
    };
  diag.setLogger(
    { error: to(50), warn: to(40), info: to(30), debug: to(20), verbose: to(10) },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  started = true;
  return 'on';
}

/** The span attributes that Application Insights makes a request's or dependency's name, URL and target from. */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target', 'url.path'];

/**
 * Document and chat ids out of the URLs that are sent: a Cosmos DB document's id is an Entra object
 * id or an employee id for the people, conversations and training containers, and a connector URL
 * names the chat, so a dependency would tie the pseudonymous `user` of its turn's log line back to
 * the person. Query strings go too (a CSV download link's token is a credential for 15 minutes).
 * What is left still says what was called: `GET /dbs/safeguarding/colls/entraIds/docs/:id`.
 */
export function scrubUrl(url: string): string {
  const cut = url.search(/[?#]/);
  const path = cut >= 0 ? url.slice(0, cut) : url;
  const segments = path.split('/');
  // A segment after one of these words is an id, unless the word is itself a container's name (after `colls`).
  return segments
    .map((segment, i) =>
      i >= 1 && ID_BEFORE.has(segments[i - 1]!.toLowerCase()) && segments[i - 2]?.toLowerCase() !== 'colls'
        ? ':id'
        : segment,
    )
    .join('/');
}
const ID_BEFORE = new Set(['docs', 'conversations', 'activities', 'members', 'teams', 'users', 'attachments']);

/** Applied to every span as it ends, before it is batched for export (the distro's documented place to change a span). */
function scrubSpan(attributes: Record<string, unknown>): void {
  for (const key of URL_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value === 'string') attributes[key] = scrubUrl(value);
  }
  delete attributes['url.query'];
}

function diagnostic(level: 10 | 20 | 30 | 40 | 50, component: string, msg: string): void {
  writeJsonLine(level, { component }, msg.trim());
}

/**
 * Sends what is still batched (the last seconds of requests and log lines) and stops the SDK, at
 * most `ms` long. Called when the bot stops (SIGTERM on a deploy or scale-in).
 */
export async function flushTelemetry(ms = 5000): Promise<void> {
  if (!started) return;
  started = false;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { shutdownAzureMonitor } =
    require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  let timer: NodeJS.Timeout | undefined;
  /* eslint-enable @typescript-eslint/no-require-imports */
  await Promise.race([
    shutdownAzureMonitor().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

export const telemetry: TelemetryState = startTelemetry();
