import http from 'node:http';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { processFixture, startBotProcess } from './helpers/process';

/**
 * Application Insights: with APPLICATIONINSIGHTS_CONNECTION_STRING pointing at a loopback
 * ingestion endpoint the bot starts and exports its requests there (never message text); without
 * it the SDK is not started.
 */
describe('telemetry', () => {
  const fx = processFixture();

  it('is off without a connection string', async () => {
    const bot = startBotProcess(fx.dir);
    await bot.ready;
    await bot.kill('SIGTERM');
    expect(bot.output()).toMatch(/"telemetry":"off"/);
  });

  it('starts with a connection string to a loopback ingestion endpoint, and sends it no message text', async () => {
    const received: string[] = [];
    const ingestion = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push(`${req.method} ${req.url} ${(req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body).toString('utf8')}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((r) => ingestion.listen(0, '127.0.0.1', () => r()));
    const endpoint = `http://127.0.0.1:${(ingestion.address() as { port: number }).port}/`;
    const bot = startBotProcess(fx.dir, 0, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${endpoint}`,
      // The SDK's own usage statistics go to a Microsoft endpoint: not from a test.
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    });
    try {
      await bot.ready;
      expect(bot.output()).toMatch(/"telemetry":"on"/);
      const secret = 'Jane Smith 943 476 5919';
      await fetch(`http://127.0.0.1:${bot.port()}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: secret, id: randomUUID(), channelId: 'msteams', serviceUrl: fx.connector.url, from: { id: '29:u', aadObjectId: 'eeeeeeee-0000-4000-8000-000000000001' }, recipient: { id: '28:bot' }, conversation: { id: 'a:personal-x', conversationType: 'personal' } }),
      });
      for (let i = 0; i < 10; i++) expect((await fetch(`http://127.0.0.1:${bot.port()}/healthz`)).status).toBe(200);
      // Export is batched (seconds to a minute): whatever has arrived by now must hold no text.
      await new Promise((r) => setTimeout(r, 3000));
      const all = received.join('\n');
      expect(all).not.toContain(secret);
      expect(all).not.toContain('943 476 5919');
    } finally {
      await bot.kill('SIGTERM');
      await new Promise((r) => ingestion.close(r));
    }
  }, 60_000);
});
