/**
 * The API key from POST /auth: cached, refreshed ahead of its expiry, fetched by one caller at a
 * time. Pluggy rate-limits /auth per IP (docs/pluggy.md#rate-limits), so a burst of calls that find the
 * key stale must share one /auth, not make one each.
 */

/**
 * Pluggy's documented lifetime (docs/pluggy.md#auth-and-api-keys), used when a key carries no readable `exp`.
 */
const DEFAULT_LIFETIME_MS = 2 * 60 * 60 * 1000;

type JwtClaims = { exp?: number; iat?: number };

/**
 * Reads a JWT payload without checking the signature, as Pluggy's own SDKs do
 * (docs/pluggy.md#auth-and-api-keys).
 */
export function readJwtClaims(token: string): JwtClaims {
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!claims || typeof claims !== 'object') return {};
    const { exp, iat } = claims as Record<string, unknown>;
    return {
      ...(typeof exp === 'number' && Number.isFinite(exp) ? { exp } : {}),
      ...(typeof iat === 'number' && Number.isFinite(iat) ? { iat } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * When a key received at `receivedAtMs` should be replaced: `marginMs` before `exp`, but never
 * earlier than half-way through its life, so a short-lived key (a sandbox TTL of seconds) is still
 * reused instead of costing one /auth per call.
 */
export function keyRefreshAt(apiKey: string, receivedAtMs: number, marginMs: number): number {
  const { exp, iat } = readJwtClaims(apiKey);
  if (exp === undefined) return receivedAtMs + DEFAULT_LIFETIME_MS - marginMs;
  const expMs = exp * 1000;
  const lifetimeMs = expMs - (iat !== undefined ? iat * 1000 : receivedAtMs);
  return expMs - Math.min(marginMs, Math.max(0, lifetimeMs / 2));
}

export type ApiKeyCache = {
  /** A usable key: the cached one, or a fresh one shared with every concurrent caller. */
  get(): Promise<string>;
  /** Drop `key` after Pluggy refused it, unless it was already replaced by a newer one. */
  invalidate(key: string): void;
};

export function createApiKeyCache(opts: {
  fetchKey: () => Promise<string>;
  refreshMarginMs: number;
  now?: () => number;
}): ApiKeyCache {
  const now = opts.now ?? Date.now;
  let cached: { key: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const refresh = (): Promise<string> => {
    inFlight ??= opts
      .fetchKey()
      .then((key) => {
        cached = { key, refreshAt: keyRefreshAt(key, now(), opts.refreshMarginMs) };
        return key;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  return {
    get() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.key);
      return refresh();
    },
    invalidate(key) {
      if (cached?.key === key) cached = undefined;
    },
  };
}
