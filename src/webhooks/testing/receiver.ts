import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildServer } from '../../http/server.ts';
import type { Logger } from '../../log.ts';
import type { Boss } from '../../sync/jobs.ts';
import { webhookRoutes } from '../route.ts';

/** The webhook receiver as production builds it, listening on a free loopback port (tests). */
export async function startReceiver(deps: {
  pool: pg.Pool;
  boss: Boss;
  secret: string;
  logger: Logger;
}): Promise<{ app: FastifyInstance; base: string; post(body: string): Promise<Response> }> {
  const app = await buildServer({ logger: deps.logger, pool: deps.pool, plugins: [webhookRoutes(deps)] });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const post = (body: string) =>
    fetch(`${base}/webhooks/pluggy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': deps.secret },
      body,
    });
  return { app, base, post };
}
