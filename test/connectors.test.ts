import { reuseTurnClients } from '../src/bot/connectors';

/** An adapter's authentication as CloudAdapter uses it, counting the clients it builds. */
function fakeAdapter(opts: { failFirst?: boolean } = {}) {
  const made = { connectors: [] as string[], tokenClients: 0 };
  let failures = opts.failFirst ? 1 : 0;
  const claims = (aud: string) => ({ getClaimValue: (t: string) => (t === 'aud' ? aud : null) });
  const authentication = {
    secret: 'inherited',
    async authenticateRequest(_activity: unknown, header: string) {
      const identity = claims(header);
      return {
        claimsIdentity: identity,
        audience: 'https://api.botframework.com',
        connectorFactory: {
          create: async (serviceUrl: string, audience?: string) => {
            if (failures-- > 0) throw new Error('credentials unavailable');
            made.connectors.push(`${header} ${serviceUrl} ${audience}`);
            return { serviceUrl, n: made.connectors.length };
          },
        },
      };
    },
    createConnectorFactory() {
      return { create: async () => ({}) };
    },
    async createUserTokenClient() {
      made.tokenClients++;
      return { n: made.tokenClients };
    },
  };
  return { adapter: { botFrameworkAuthentication: authentication }, made, claims };
}

async function turn(adapter: { botFrameworkAuthentication: unknown }, appId: string, serviceUrl: string) {
  const auth = adapter.botFrameworkAuthentication as {
    authenticateRequest(
      a: unknown,
      h: string,
    ): Promise<{ connectorFactory: { create(u: string, a?: string): Promise<unknown> }; audience: string }>;
    createUserTokenClient(c: unknown): Promise<unknown>;
  };
  const result = await auth.authenticateRequest({}, appId);
  const connector = await result.connectorFactory.create(serviceUrl, result.audience);
  const tokens = await auth.createUserTokenClient({ getClaimValue: (t: string) => (t === 'aud' ? appId : null) });
  return { connector, tokens };
}

describe('turns reuse their connector and token clients', () => {
  it('builds one client per app id and service URL, not one per turn', async () => {
    const { adapter, made } = fakeAdapter();
    expect(reuseTurnClients(adapter)).toBe(true);
    const first = await turn(adapter, 'bot-app', 'https://smba.trafficmanager.net/uk/');
    const second = await turn(adapter, 'bot-app', 'https://smba.trafficmanager.net/uk/');
    expect(second.connector).toBe(first.connector);
    expect(second.tokens).toBe(first.tokens);
    expect(made).toEqual({
      connectors: ['bot-app https://smba.trafficmanager.net/uk/ https://api.botframework.com'],
      tokenClients: 1,
    });

    // Another region's service URL, or another app id, gets a client of its own.
    const other = await turn(adapter, 'bot-app', 'https://smba.trafficmanager.net/emea/');
    const otherApp = await turn(adapter, 'other-app', 'https://smba.trafficmanager.net/uk/');
    expect(other.connector).not.toBe(first.connector);
    expect(otherApp.connector).not.toBe(first.connector);
    expect(made.connectors).toHaveLength(3);
    expect(made.tokenClients).toBe(2);
    // Everything else of the authentication is still there.
    expect((adapter.botFrameworkAuthentication as unknown as { secret: string }).secret).toBe('inherited');
  });

  it('makes a client again after one could not be made', async () => {
    const { adapter, made } = fakeAdapter({ failFirst: true });
    reuseTurnClients(adapter);
    await expect(turn(adapter, 'bot-app', 'https://smba.trafficmanager.net/uk/')).rejects.toThrow(
      'credentials unavailable',
    );
    const next = await turn(adapter, 'bot-app', 'https://smba.trafficmanager.net/uk/');
    expect(next.connector).toMatchObject({ n: 1 });
    expect(made.connectors).toHaveLength(1);
  });

  it('leaves an adapter it does not recognise as it is', () => {
    const adapter = { botFrameworkAuthentication: { authenticateRequest: 'not a function' } };
    expect(reuseTurnClients(adapter)).toBe(false);
    expect(adapter.botFrameworkAuthentication.authenticateRequest).toBe('not a function');
  });
});
