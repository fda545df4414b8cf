import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { pingDatabase } from '../../db/pool.ts';
import { problem, sendProblem } from '../errors.ts';

/**
 * Liveness and readiness: readiness fails (503) when the database does not answer. Both name the
 * process's role (`start --role`), so a load balancer's or operator's probe shows which process answered.
 */
export const healthRoutes: FastifyPluginAsync<{ pool: pg.Pool; role?: string }> = async (
  app,
  { pool, role },
) => {
  const named = role ? { role } : {};
  app.get('/health/live', async () => ({ status: 'ok', ...named }));
  const ready = async (req: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    try {
      await pingDatabase(pool);
      return {
        status: 'ok',
        ...named,
        database: { status: 'ok', latencyMs: Math.round(performance.now() - started) },
      };
    } catch (err) {
      req.log.warn({ err: { message: (err as Error).message } }, 'readiness: database does not answer');
      return sendProblem(reply, problem(503, 'database-unavailable', 'The database does not answer.'), 5);
    }
  };
  app.get('/health', ready);
  app.get('/health/ready', ready);
};
