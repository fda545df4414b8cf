import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import { serviceStatus } from '../../reads/status.ts';
import { type Boss, QUEUES } from '../../sync/jobs.ts';

/**
 * GET /v1/status: the operator's view as JSON, the same as `npm run cli -- status --json`. Behind
 * the bearer token like every /v1 route (api.ts); counts and ids only, no personal data.
 */
export function statusRoutes(deps: { pool: pg.Pool; boss: Boss }): FastifyPluginAsync {
  return async (app) => {
    app.get('/v1/status', { schema: { hide: true } }, async () =>
      serviceStatus(deps.pool, deps.boss, Object.values(QUEUES)),
    );
  };
}
