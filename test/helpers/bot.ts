import nock from 'nock';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging/logger';
import { startApp, type RunningApp, type StartOptions } from '../../src/app';
import { loadDemo } from '../../src/demo';
import { LoopbackConnector } from './connector';
import { removeDir, tempDir } from './tmp';

export const USER_OID = 'aaaaaaaa-0000-4000-8000-000000000001';
export const LEAD_OID = 'bbbbbbbb-0000-4000-8000-000000000002';

/** A running bot on an empty embedded store, a loopback connector, and the log lines it wrote. */
export interface TestBot {
  app: RunningApp;
  connector: LoopbackConnector;
  logs: Record<string, unknown>[];
  dataDir: string;
  /** The bot's clock: tests move it on to make reminders due. */
  clock: { now: Date; advanceHours(h: number): void };
  post(activity: Record<string, unknown>, headers?: Record<string, string>): Promise<Response>;
  /** A Teams-shaped message from a user in their 1:1 chat. */
  say(text: string, opts?: { oid?: string; value?: unknown }): Promise<Response>;
  activity(fields: Record<string, unknown>, oid?: string): Record<string, unknown>;
  stop(opts?: { keepData?: boolean; keepConnector?: boolean }): Promise<void>;
}

export async function startTestBot(
  env: Record<string, string> = {},
  dataDir = tempDir(),
  existingConnector?: LoopbackConnector,
  options: StartOptions = {},
): Promise<TestBot> {
  const connector = existingConnector ?? new LoopbackConnector();
  if (!existingConnector) await connector.start();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    SAFEGUARDING_LEAD_IDS: LEAD_OID,
    LOG_LEVEL: 'info',
    ...env,
  });
  const clock = {
    now: new Date(),
    advanceHours(h: number) {
      clock.now = new Date(clock.now.getTime() + h * 3600_000);
    },
  };
  const app = await startApp(config, createLogger('info', sink), {
    host: '127.0.0.1',
    now: () => clock.now,
    reminderIntervalMs: 0,
    briefingIntervalMs: 0,
    ...options,
  });
  let seq = 0;

  const activity = (fields: Record<string, unknown>, oid = USER_OID): Record<string, unknown> => ({
    id: `act-${++seq}-${randomUUID().slice(0, 8)}`,
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: `29:${oid}`, aadObjectId: oid, name: 'Sam Taylor' },
    recipient: { id: '28:safeguarding-bot', name: 'Safeguarding support' },
    conversation: { id: `a:personal-${oid}`, conversationType: 'personal', tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' } },
    locale: 'en-GB',
    ...fields,
  });

  const post = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  return {
    app,
    connector,
    logs,
    dataDir,
    clock,
    post,
    activity,
    say: (text, opts = {}) =>
      post(
        activity({ type: 'message', text, ...(opts.value ? { value: opts.value, text: undefined } : {}) }, opts.oid),
      ),
    async stop(opts: { keepData?: boolean; keepConnector?: boolean } = {}) {
      await app.close();
      if (!opts.keepConnector) await connector.stop();
      if (!opts.keepData) removeDir(dataDir);
    },
  };
}

/**
 * For a describe block: nothing may leave the machine while it runs. Any outbound call other than
 * to loopback fails the test instead of reaching the network.
 */
export function onlyLoopback(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });
}

/** A test bot holding the demo organisation (`content/demo/`): every role, training in every state, a sent briefing. */
export async function startDemoBot(): Promise<TestBot> {
  const bot = await startTestBot();
  await loadDemo(bot.app, bot.clock.now);
  return bot;
}
