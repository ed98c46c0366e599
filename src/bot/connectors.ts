/**
 * One connector client and one user-token client per app id and service URL, reused across turns
 * for ten minutes. CloudAdapter builds both anew for every turn: each is an HTTP pipeline of a
 * dozen policies, a serializer and credentials, and building them was 5% of a turn's CPU at
 * 50,000 staff (a CPU profile under `npm run bench:turns`), with the garbage they leave. The
 * clients hold nothing of a turn (botbuilder's older BotFrameworkAdapter kept them the same way),
 * their credentials and token cache are the SDK's own, and their retry policy is kept (unlike the
 * broadcast's clients in notifier.ts, whose caller paces and retries).
 */

interface ClaimsLike {
  getClaimValue(type: string): string | null | undefined;
}
interface FactoryLike {
  create(serviceUrl: string, audience?: string): Promise<unknown>;
}
interface AuthenticationLike {
  authenticateRequest(
    activity: unknown,
    authHeader: string,
  ): Promise<{ connectorFactory?: FactoryLike; claimsIdentity?: ClaimsLike }>;
  createConnectorFactory(claims: ClaimsLike): FactoryLike;
  createUserTokenClient(claims: ClaimsLike): Promise<unknown>;
}

const REUSE_MS = 10 * 60_000;
const MAX_CLIENTS = 200;

/**
 * Clients kept by key for ten minutes (the turns' clients here, the broadcast's in notifier.ts).
 * One that could not be made (credentials unavailable) is forgotten, so it is made again next time.
 */
export class ReusedClients<T> {
  private readonly held = new Map<string, { client: Promise<T>; until: number }>();

  get(key: string, make: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const held = this.held.get(key);
    if (held && held.until > now) return held.client;
    if (this.held.size >= MAX_CLIENTS) this.held.clear();
    const client = make();
    this.held.set(key, { client, until: now + REUSE_MS });
    client.catch(() => {
      if (this.held.get(key)?.client === client) this.held.delete(key);
    });
    return client;
  }
}

// The bot's app id, as the SDK reads it from a turn's claims: the token's audience, or the
// emulator's appid claim (AuthenticationConstants.AudienceClaim and AppIdClaim).
const appIdOf = (claims: ClaimsLike | undefined): string =>
  claims?.getClaimValue('aud') ?? claims?.getClaimValue('appid') ?? '';

/** Wraps the adapter's authentication so that turns reuse their clients. False if it is not shaped as expected. */
export function reuseTurnClients(adapter: unknown): boolean {
  const holder = adapter as { botFrameworkAuthentication?: AuthenticationLike };
  const inner = holder.botFrameworkAuthentication;
  if (
    !inner ||
    typeof inner.authenticateRequest !== 'function' ||
    typeof inner.createConnectorFactory !== 'function' ||
    typeof inner.createUserTokenClient !== 'function'
  )
    return false;
  const clients = new ReusedClients<unknown>();
  const reusing = (factory: FactoryLike, appId: string): FactoryLike => ({
    create: (serviceUrl, audience) =>
      clients.get(`connector\u0000${appId}\u0000${serviceUrl}\u0000${audience ?? ''}`, () =>
        factory.create(serviceUrl, audience),
      ),
  });
  const wrapped = Object.create(inner) as AuthenticationLike;
  wrapped.authenticateRequest = async (activity, authHeader) => {
    const result = await inner.authenticateRequest(activity, authHeader);
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: reusing(result.connectorFactory, appIdOf(result.claimsIdentity)) };
  };
  wrapped.createUserTokenClient = (claims) =>
    clients.get(`token\u0000${appIdOf(claims)}`, () => inner.createUserTokenClient(claims));
  holder.botFrameworkAuthentication = wrapped;
  return true;
}
