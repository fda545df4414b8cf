import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type pg from 'pg';
import type { HttpLimits } from '../config.ts';
import type { Logger } from '../log.ts';
import { frameworkErrorHandler, installErrorHandling, maskRequestPath } from './errors.ts';
import { healthRoutes } from './routes/health.ts';

export type ServerDeps = {
  logger: Logger;
  pool: pg.Pool;
  /** Capability plugins (webhooks, API routes, the Connect page) registered after the basics. */
  plugins?: FastifyPluginAsync[];
  bodyLimit?: number;
  /** Timeouts and the connection cap (config.http); DEFAULT_LIMITS when omitted. */
  limits?: HttpLimits;
  /** Paths whose next segment is a secret (the webhook receiver's), blanked wherever a URL is echoed. */
  secretPathPrefixes?: string[];
  /** The process's role (`start --role`), named by /health. */
  role?: string;
};

/** The defaults of src/config.ts, for servers built without a config (tests, benchmarks). */
export const DEFAULT_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  connectionTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1000,
};

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const secretPrefixes = deps.secretPathPrefixes ?? [];
  const app = Fastify({
    // A slow or stalled client must not hold a connection (and a file descriptor) for ever:
    // Node enforces requestTimeout and headersTimeout when it sweeps its connections, every
    // connectionsCheckingInterval (30 s by default, too coarse for a 10 s limit); connectionTimeout
    // is the socket's inactivity timer.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    // Cast: pino's Logger and Fastify's base logger type differ only in generics.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    // Per-request lines at debug: at info a webhook burst would be mostly log I/O.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    // Any `req` a request's logger writes (Fastify's own request lines if ever enabled, a handler's
    // `req.log.info({ req })`) is reduced to method and masked path: no headers, no query string,
    // no webhook secret.
    childLoggerFactory: (logger, bindings, opts) =>
      logger.child(bindings, {
        ...opts,
        serializers: {
          ...opts.serializers,
          req: (req: { method?: string; url?: string }) => ({
            method: req.method,
            url: maskRequestPath(req.url ?? '', secretPrefixes),
          }),
        },
      }),
    trustProxy: true,
    frameworkErrors: frameworkErrorHandler(secretPrefixes),
  });
  // Beyond this Node closes new connections as they arrive, before any request is read.
  app.server.maxConnections = limits.maxConnections;
  installErrorHandling(app, secretPrefixes);
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug(
      {
        method: req.method,
        url: maskRequestPath(req.url, secretPrefixes),
        status: reply.statusCode,
        ms: reply.elapsedTime,
      },
      'request',
    );
  });
  await app.register(healthRoutes, { pool: deps.pool, ...(deps.role ? { role: deps.role } : {}) });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
