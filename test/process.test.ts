import { cardOf, cardText } from './helpers/connector';
import { processFixture, startBotProcess } from './helpers/process';
import { tempDir } from './helpers/tmp';

const OID = 'dddddddd-0000-4000-8000-000000000004';
const startBot = startBotProcess;

describe('the bot process', () => {
  const fixture = processFixture();

  it('keeps what it acknowledged across kill -9, and refuses a second process on the same data', async () => {
    const first = startBot(fixture.dir);
    await first.ready;
    const activity = (fields: Record<string, unknown>) => ({
      channelId: 'msteams',
      serviceUrl: fixture.connector.url,
      from: { id: `29:${OID}`, aadObjectId: OID, name: 'Kim' },
      recipient: { id: '28:bot' },
      conversation: { id: `a:${OID}`, conversationType: 'personal', tenantId: 't' },
      ...fields,
    });
    const post = (port: number, body: unknown) =>
      fetch(`http://127.0.0.1:${port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    await post(first.port(), activity({ type: 'installationUpdate', action: 'add', id: '1' }));
    await fixture.connector.waitFor((a) => cardText(cardOf(a)).includes('Welcome'));

    // A second bot on the same DATA_DIR must not open it.
    const second = startBot(fixture.dir);
    await expect(second.ready).rejects.toThrow(/already open in another process/);
    expect(second.child.exitCode).toBe(1);

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const restarted = startBot(fixture.dir);
    await restarted.ready;
    try {
      // The welcome was recorded before it was sent: after the crash it is not sent again...
      fixture.connector.clear();
      await post(restarted.port(), activity({ type: 'conversationUpdate', membersAdded: [{ id: '28:bot' }], id: '2' }));
      await post(restarted.port(), activity({ type: 'message', text: 'help', id: '3' }));
      await fixture.connector.waitFor((a) => cardText(cardOf(a)).includes('How I can help'));
      expect(fixture.connector.sent.filter((a) => cardText(cardOf(a)).includes('Welcome'))).toHaveLength(0);
    } finally {
      restarted.child.kill('SIGTERM');
      await new Promise((r) => restarted.child.once('exit', r));
    }
  });

  it('refuses to run in production on the shipped example content, with one line saying why, unless told it is a demo', async () => {
    const prod = {
      NODE_ENV: 'production',
      MicrosoftAppId: '00000000-0000-4000-8000-00000000000a',
      MicrosoftAppPassword: 'x',
      MicrosoftAppType: 'SingleTenant',
      MicrosoftAppTenantId: 'tenant-1',
      EXPORT_SIGNING_KEY: 'k'.repeat(48),
    };
    const refused = startBot(tempDir(), 0, prod);
    await expect(refused.ready).rejects.toThrow(
      /still the shipped example \(NHS Rotherham \(example content\)\).*ALLOW_EXAMPLE_CONTENT=true/,
    );
    await new Promise((r) => (refused.child.exitCode !== null ? r(undefined) : refused.child.once('exit', r)));
    expect(refused.child.exitCode).toBe(1);
    const demo = startBot(tempDir(), 0, { ...prod, ALLOW_EXAMPLE_CONTENT: 'true' });
    await demo.ready;
    demo.child.kill('SIGTERM');
    await new Promise((r) => demo.child.once('exit', r));
  });
});
