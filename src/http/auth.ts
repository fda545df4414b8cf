import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';

/**
 * Bearer tokens from API_TOKENS. Each presented token is hashed and compared with every
 * configured token's hash in constant time: equal-length digests, no early exit on the first
 * match, so neither the token's length nor which entry matched shows in the timing.
 */
export function bearerTokenChecker(tokens: readonly string[]): (header: string | undefined) => boolean {
  const digests = tokens.filter(Boolean).map(sha256);
  return (header) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    if (!m?.[1]) return false;
    const given = sha256(m[1]);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(given, d) || ok;
    return ok;
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Routes anyone may call: health, the API docs, Pluggy's webhook deliveries (they prove
 * themselves with the webhook secret), the Connect page and its calls (they carry a signed link) and
 * the old page's /widget redirect.
 * Matched on the route's pattern, not the raw URL, so `/health/../v1/users` cannot slip through.
 */
export function isPublicRoute(method: string, pattern: string | undefined): boolean {
  if (method === 'OPTIONS') return true; // CORS preflight: browsers send no credentials with it.
  if (!pattern) return false; // unknown route: authenticate first, then 404
  return (
    pattern === '/health' ||
    pattern.startsWith('/health/') ||
    pattern === '/openapi.json' ||
    // /mcp takes person-scoped assistant tokens only (src/mcp/http.ts), never the API's bearer token.
    pattern === '/mcp' ||
    pattern === '/docs' ||
    pattern.startsWith('/docs/') ||
    pattern.startsWith('/webhooks/') ||
    pattern === '/api/pluggy-v2/webhook' ||
    pattern.startsWith('/api/pluggy-v2/webhook/') ||
    pattern.startsWith('/v1/connect/') ||
    pattern === '/connect' ||
    pattern.startsWith('/connect/') ||
    pattern === '/widget' ||
    pattern.startsWith('/widget/')
  );
}

export function requireBearer(
  tokens: readonly string[],
  opts: { extraTokens?: Record<string, readonly string[]> } = {},
) {
  const check = bearerTokenChecker(tokens);
  const extra = Object.entries(opts.extraTokens ?? {}).map(
    ([prefix, list]) => [prefix, bearerTokenChecker(list)] as const,
  );
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const pattern = req.routeOptions.url;
    if (isPublicRoute(req.method, pattern)) return;
    const header = req.headers.authorization;
    if (check(header)) return;
    // e.g. METRICS_TOKEN: valid for its own path only.
    if (extra.some(([prefix, ok]) => pattern?.startsWith(prefix) && ok(header))) return;
    reply.header('www-authenticate', 'Bearer');
    throw new AppError(
      'unauthorized',
      header ? 'invalid-token' : 'missing-token',
      header ? 'The bearer token is not valid.' : 'Send Authorization: Bearer <token>.',
    );
  };
}
