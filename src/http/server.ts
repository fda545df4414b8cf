import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
} from 'fastify';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { installErrorHandling, maskRequestPath } from './errors.ts';
import { healthRoutes } from './routes/health.ts';

export type ServerDeps = {
  logger: Logger;
  pool: pg.Pool;
  /** Capability plugins (webhooks, API routes, the Connect page) registered after the basics. */
  plugins?: FastifyPluginAsync[];
  bodyLimit?: number;
  /** Paths whose next segment is a secret (the webhook receiver's), blanked wherever a URL is echoed. */
  secretPathPrefixes?: string[];
};

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Cast: pino's Logger and Fastify's base logger type differ only in generics.
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    // Per-request lines at debug: at info a webhook burst would be mostly log I/O.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
    trustProxy: true,
  });
  const secretPrefixes = deps.secretPathPrefixes ?? [];
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
  await app.register(healthRoutes, { pool: deps.pool });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
