import type { FastifyPluginAsync } from 'fastify';
import type pg from 'pg';

/** Liveness and readiness: readiness fails (503) when the database does not answer. */
export const healthRoutes: FastifyPluginAsync<{ pool: pg.Pool }> = async (app, { pool }) => {
  app.get('/health/live', async () => ({ status: 'ok' }));
  const ready = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    const started = performance.now();
    try {
      await pool.query('select 1');
      return { status: 'ok', database: { status: 'ok', latencyMs: Math.round(performance.now() - started) } };
    } catch {
      return reply.code(503).type('application/problem+json').send({
        type: 'https://pluggy-bridge.dev/problems/database-unavailable',
        title: 'Service Unavailable',
        status: 503,
        code: 'database-unavailable',
        detail: 'The database does not answer.',
      });
    }
  };
  app.get('/health', ready);
  app.get('/health/ready', ready);
};
