import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { processFixture, startBotProcess } from './helpers/process';

/**
 * Application Insights, end to end: the real bot process with APPLICATIONINSIGHTS_CONNECTION_STRING
 * pointing at a loopback collector that answers as the ingestion endpoint does (`POST /v2.1/track`,
 * over HTTPS: the exporter always uses HTTPS, and an `http://` endpoint is upgraded). The collector's
 * certificate is made for the test and given to the bot with NODE_EXTRA_CA_CERTS. The bot process
 * has every connection that would leave loopback refused (test/helpers/loopbackOnly.js).
 */

const GUARD = path.join(__dirname, 'helpers', 'loopbackOnly.js');

interface Envelope {
  name: string;
  iKey?: string;
  tags?: Record<string, string>;
  data?: { baseType?: string; baseData?: Record<string, unknown> & { properties?: Record<string, unknown> } };
}

interface Collector {
  url: string;
  envelopes: Envelope[];
  /** Every request body as received (decompressed), to search for what must never be there. */
  raw: string[];
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made by openssl (Debian's, on every machine CI uses). */
function certificate(dir: string): { key: string; cert: string; certPath: string } {
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(keyPath, 'utf8'), cert: fs.readFileSync(certPath, 'utf8'), certPath };
}

async function startCollector(tls: { key: string; cert: string }): Promise<Collector> {
  const envelopes: Envelope[] = [];
  const raw: string[] = [];
  const server = https.createServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).toString('utf8');
      raw.push(`${req.method} ${req.url} ${text}`);
      let items: Envelope[] = [];
      try {
        const parsed = JSON.parse(text) as Envelope | Envelope[];
        items = Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        items = text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Envelope);
      }
      if (req.url?.startsWith('/v2.1/track') || req.url?.startsWith('/v2/track')) envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}/`,
    envelopes,
    raw,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const kind = (e: Envelope) => e.data?.baseType;
const props = (e: Envelope) => e.data?.baseData?.properties ?? {};

describe('telemetry', () => {
  const fx = processFixture();

  it('is off without a connection string', async () => {
    const bot = startBotProcess(fx.dir);
    await bot.ready;
    await bot.kill('SIGTERM');
    expect(bot.output()).toMatch(/"telemetry":"off"/);
  });

  it('sends requests and the per-turn log lines to Application Insights, never message text, names or patient details', async () => {
    const tls = certificate(fx.dir);
    const collector = await startCollector(tls);
    const aadObjectId = 'eeeeeeee-0000-4000-8000-000000000001';
    const name = 'Jane Smith';
    const typed = [
      'help',
      'I am worried about Oliver Brown aged 6 who lives at 12 Acacia Avenue',
      'his NHS number is 943 476 5919',
      'a teenager involved in county lines near the bus station',
    ];
    const bot = startBotProcess(path.join(fx.dir, 'data'), 0, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${collector.url}`,
      NODE_EXTRA_CA_CERTS: tls.certPath,
      NODE_OPTIONS: `--require ${GUARD}`,
      // The SDK's own usage statistics go to a Microsoft endpoint: not from a test.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    });
    const say = (text: string) =>
      fetch(`http://127.0.0.1:${bot.port()}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          text,
          id: randomUUID(),
          channelId: 'msteams',
          serviceUrl: fx.connector.url,
          from: { id: '29:u', aadObjectId, name },
          recipient: { id: '28:bot' },
          conversation: { id: 'a:personal-x', conversationType: 'personal' },
        }),
      }).then((r) => r.status);
    try {
      await bot.ready;
      expect(bot.output()).toMatch(/"telemetry":"on"/);
      for (const text of typed) expect(await say(text)).toBe(200);
      // A download link's token is a credential: the request is recorded, its query string is not.
      expect(
        (await fetch(`http://127.0.0.1:${bot.port()}/exports?token=not-a-real-token-3f9c`)).status,
      ).toBeGreaterThanOrEqual(400);

      // (a) and (b) arrive while the bot runs (spans are sent every 5 s, log lines every second).
      const requests = () =>
        collector.envelopes.filter(
          (e) =>
            kind(e) === 'RequestData' &&
            /\/api\/messages/.test(String(e.data?.baseData?.url ?? e.data?.baseData?.name ?? '')),
        );
      const turns = () =>
        collector.envelopes.filter((e) => kind(e) === 'MessageData' && e.data?.baseData?.message === 'turn');
      await until(
        'request telemetry and per-turn traces',
        () => requests().length >= typed.length && turns().length >= typed.length,
        20_000,
      );
      expect(requests().every((e) => String(e.data?.baseData?.responseCode) === '200')).toBe(true);
      expect(turns().map((e) => props(e).handler)).toEqual(
        expect.arrayContaining(['command:help', 'screened', 'free-text']),
      );
      const helpTurn = turns().find((e) => props(e).handler === 'command:help')!;
      expect(props(helpTurn).user).toMatch(/^[0-9a-f]{16}$/);
      expect(Number(props(helpTurn).ms)).toBeGreaterThanOrEqual(0);
      // A trace is tied to its request (the same operation id), so an operator can go from one to the other.
      expect(requests().map((e) => e.tags?.['ai.operation.id'])).toContain(helpTurn.tags?.['ai.operation.id']);
      // Under the bot's own name in the application map.
      expect(helpTurn.tags?.['ai.cloud.role']).toBe('safeguarding-bot');
      // The start-up line is there too.
      expect(
        collector.envelopes.some((e) => kind(e) === 'MessageData' && e.data?.baseData?.message === 'started'),
      ).toBe(true);

      // What is still batched when the bot is stopped (a deploy, a scale-in) is sent before it exits.
      const before = turns().length;
      expect(await say('help')).toBe(200);
      await bot.kill('SIGTERM');
      expect(turns().length).toBe(before + 1);

      // (c) None of what was typed, no display name, no patient details, no Entra object id.
      // (Each check names what leaked and where, rather than printing the whole payload.)
      const all = collector.raw.join('\n');
      const leaks = [
        ...typed.slice(1),
        name,
        'Oliver',
        'Acacia',
        '943 476 5919',
        '9434765919',
        'county lines',
        aadObjectId,
        'a:personal-x',
        'not-a-real-token-3f9c',
      ]
        .filter((secret) => all.includes(secret))
        .map(
          (secret) =>
            `${secret}: …${all.slice(Math.max(0, all.indexOf(secret) - 120), all.indexOf(secret) + secret.length)}`,
        );
      expect(leaks).toEqual([]);
      // What was called is still there, with the ids taken out.
      expect(all).toContain('/dbs/safeguarding/colls/entraIds/docs/:id');
      expect(all).toContain('/v3/conversations/:id/activities/:id');

      // Nothing tried to leave loopback but the distro's Azure VM metadata probe, which was refused.
      const lines = bot
        .output()
        .split('\n')
        .filter((l) => l.trim());
      const refused = lines
        .filter((l) => l.includes('test-loopback-guard'))
        .map((l) => (JSON.parse(l) as { refused: string }).refused);
      expect([...new Set(refused)]).toEqual(refused.length ? ['169.254.169.254:80'] : []);
      // And the log stream stays JSON lines, with the SDK's own diagnostics among them.
      expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    } finally {
      await bot.kill('SIGTERM');
      await collector.close();
    }
  }, 60_000);
});
