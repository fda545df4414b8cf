/**
 * The service's API routes (bearer token, rate limits, serialisation) on a port of their own, as one
 * api process serves them, for the benchmarks that measure what a client of the API sees. Returns
 * its base URL and a close that also ends its pool.
 */
import type { Logger } from '../src/log.ts';
import { createPool } from '../src/db/pool.ts';
import { apiRoutes } from '../src/http/routes/api.ts';
import { buildServer } from '../src/http/server.ts';
import type { PluggyClient } from '../src/pluggy/index.ts';
import type { Boss } from '../src/sync/jobs.ts';

export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

export async function startApiServer(deps: {
  databaseUrl: string;
  pluggy: PluggyClient;
  boss: Boss;
  logger: Logger;
  /** Connections of its own pool (the service's default, 8 × SYNC_CONCURRENCY + 14, is 30). */
  poolSize: number;
}): Promise<{ base: string; close(): Promise<void> }> {
  const pool = createPool(deps.databaseUrl, { max: deps.poolSize });
  const http = await buildServer({
    logger: deps.logger,
    pool,
    plugins: [
      apiRoutes({
        pool,
        pluggy: deps.pluggy,
        boss: deps.boss,
        logger: deps.logger,
        config: {
          apiTokens: [BENCH_API_TOKEN],
          linkSigningSecret: 'bench-link-secret-xxxxxxxx',
          publicBaseUrl: 'http://localhost',
          mode: 'local',
        },
      }),
    ],
  });
  await http.listen({ port: 0, host: '127.0.0.1' });
  return {
    base: `http://127.0.0.1:${(http.server.address() as { port: number }).port}`,
    async close() {
      await http.close();
      await pool.end();
    },
  };
}
