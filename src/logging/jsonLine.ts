/**
 * One JSON line on stdout in the shape of the app's pino lines (level, time, service, msg), for
 * what is written before the pino logger exists or apart from it: Node's process warnings and the
 * telemetry SDK's own diagnostics. The log stream stays JSON lines only.
 */
export function writeJsonLine(level: 10 | 20 | 30 | 40 | 50, fields: Record<string, unknown>, msg: string): void {
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), service: 'safeguarding-bot', ...fields, msg })}\n`,
  );
}
