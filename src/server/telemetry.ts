/**
 * Application Insights through OpenTelemetry, started before anything else loads (so that http,
 * the Azure SDK (Cosmos) and the connector calls are instrumented), and only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set. What goes: requests (method, route, status,
 * duration), dependencies (Cosmos and Bot Framework connector calls: host, status, duration),
 * exceptions and standard metrics. Never message text: HTTP bodies are not recorded by the http
 * instrumentation, and the app's pino log records carry no text (live metrics are off, so nothing
 * else is streamed).
 */
export type TelemetryState = 'off' | 'on';

export function startTelemetry(env: NodeJS.ProcessEnv = process.env): TelemetryState {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (!connectionString) return 'off';
  // Loaded only when wanted: without a connection string nothing of the SDK is loaded at all.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof import('@azure/monitor-opentelemetry');
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    enableLiveMetrics: false,
    instrumentationOptions: { http: { enabled: true }, azureSdk: { enabled: true }, mongoDb: { enabled: false }, mySql: { enabled: false }, postgreSql: { enabled: false }, redis: { enabled: false }, redis4: { enabled: false } },
  });
  return 'on';
}

export const telemetry: TelemetryState = startTelemetry();
