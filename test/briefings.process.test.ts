import { seedBroadcast } from '../bench/broadcastFixture';
import type { DeliveryDoc } from '../src/briefings/store';
import { MANY, openStore } from '../src/storage/store';
import { cardOf, cardText } from './helpers/connector';
import { processFixture, startBotProcess } from './helpers/process';

/**
 * A broadcast interrupted by stopping the real bot process, then finished by a new process on the
 * same data: every recipient gets the briefing, and nobody gets it twice.
 */
const RECIPIENTS = 300;
const ENV = { BROADCAST_MESSAGES_PER_SECOND: '100', BROADCAST_LEASE_MS: '2000', BROADCAST_RETRY_BASE_MS: '50' };

const storeConfig = (dataDir: string) => ({ cosmos: { database: 'safeguarding' }, dataDir });

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('a broadcast across a restart', () => {
  const fixture = processFixture();

  const briefingsSent = () => fixture.connector.sent.filter((s) => cardText(cardOf(s)).includes('7-minute briefing'));
  const perConversation = () => {
    const counts = new Map<string, number>();
    for (const s of briefingsSent()) counts.set(s.conversationId, (counts.get(s.conversationId) ?? 0) + 1);
    return counts;
  };

  async function interruptAndFinish(signal: NodeJS.Signals): Promise<DeliveryDoc[]> {
    const store = await openStore(storeConfig(fixture.dir));
    const briefingId = await seedBroadcast(store, { count: RECIPIENTS, serviceUrl: fixture.connector.url });
    await store.close();

    const first = startBotProcess(fixture.dir, 0, ENV);
    await first.ready;
    await until(() => briefingsSent().length >= 100, 20_000, '100 briefings to go out');
    await first.kill(signal);
    const beforeRestart = briefingsSent().length;
    expect(beforeRestart).toBeLessThan(RECIPIENTS); // really interrupted mid-broadcast

    const second = startBotProcess(fixture.dir, 0, ENV);
    await second.ready;
    try {
      await until(
        () => fixture.connector.updated.some((u) => cardText(cardOf(u)).includes('Finished')),
        30_000,
        'the final summary',
      );
    } finally {
      await second.kill('SIGTERM');
    }
    const reopened = await openStore(storeConfig(fixture.dir));
    try {
      const { resources } = await reopened
        .container('deliveries')
        .items.query<DeliveryDoc>(
          { query: 'SELECT * FROM c WHERE c.briefingId = @b', parameters: [{ name: '@b', value: briefingId }] },
          MANY,
        )
        .fetchAll();
      return resources;
    } finally {
      await reopened.close();
    }
  }

  it('stopped (SIGTERM) mid-broadcast: the next process sends the rest, with no gap and no duplicate', async () => {
    const deliveries = await interruptAndFinish('SIGTERM');
    expect(deliveries).toHaveLength(RECIPIENTS);
    expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    const counts = perConversation();
    expect(counts.size).toBe(RECIPIENTS);
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    expect(deliveries.filter((d) => d.interrupted)).toEqual([]);
  });

  it('killed (SIGKILL) mid-broadcast: nobody is skipped, and only a send cut off on the wire can repeat', async () => {
    const deliveries = await interruptAndFinish('SIGKILL');
    expect(deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    const counts = perConversation();
    expect(counts.size).toBe(RECIPIENTS);
    // A process killed between claiming a record and writing its outcome cannot know whether Teams
    // got the message; such records are marked "interrupted" (at most the claims in flight, 50 at
    // this rate). Nothing else may arrive twice.
    const interrupted = new Set(deliveries.filter((d) => d.interrupted).map((d) => `a:personal-${d.id}`));
    const twice = [...counts.entries()].filter(([, n]) => n > 1).map(([c]) => c);
    for (const c of twice) expect(interrupted.has(c)).toBe(true);
    expect(interrupted.size).toBeLessThanOrEqual(50);
  });
});
