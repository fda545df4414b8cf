/**
 * The service, wired: database → (local sandbox) → Pluggy client → job queue and workers → HTTP.
 * The only module that knows every capability; each capability knows only its own dependencies.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/open.ts';
import { buildServer } from './http/server.ts';
import type { Logger } from './log.ts';
import { pluggyClientFromConfig } from './pluggy/fromConfig.ts';
import type { PluggyClient } from './pluggy/index.ts';
import { startSandbox, type Sandbox } from './sandbox/index.ts';
import { type Boss, startBoss } from './sync/jobs.ts';
import { startSyncWorkers } from './sync/workers.ts';
import { registerWebhook } from './webhooks/register.ts';
import { webhookRoutes } from './webhooks/route.ts';
import { startWebhookWorker } from './webhooks/process.ts';

export type App = {
  config: Config;
  db: OpenDatabase;
  pluggy: PluggyClient;
  boss: Boss;
  http: FastifyInstance;
  sandbox?: Sandbox;
  /** Base URL the service listens on. */
  url: string;
  stop(): Promise<void>;
};

export async function startApp(config: Config, logger: Logger): Promise<App> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => logger.warn({ err }, 'shutdown step failed'));
  };
  try {
    const db = await openDatabase(config, logger);
    stops.push(() => db.close());

    let sandbox: Sandbox | undefined;
    let baseUrl = config.pluggy.baseUrl;
    if (!baseUrl) {
      sandbox = await startSandbox({
        port: config.sandboxPort,
        logger: logger.child({ component: 'sandbox' }),
      });
      stops.push(() => sandbox!.close());
      baseUrl = sandbox.url;
    }
    const pluggy = pluggyClientFromConfig(config, baseUrl, logger);

    const boss = await startBoss(db.url, logger);
    stops.push(() => boss.stop({ graceful: true, wait: true, timeout: 10_000 }));
    const deps = { pool: db.pool, pluggy, boss, logger, config };
    const stopSync = await startSyncWorkers(deps);
    stops.push(stopSync);
    const stopWebhooks = await startWebhookWorker(deps);
    stops.push(stopWebhooks);

    const http = await buildServer({
      logger,
      pool: db.pool,
      plugins: [webhookRoutes({ pool: db.pool, boss, secret: config.webhookSecret, logger })],
    });
    await http.listen({ port: config.port, host: '0.0.0.0' });
    stops.push(() => http.close());
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://localhost:${port}`;

    if (sandbox) {
      // Local mode: point the sandbox's deliveries at us, as `webhooks register` does against Pluggy.
      const publicBase = config.publicBaseUrl.startsWith(`http://localhost:${config.port}`)
        ? url
        : config.publicBaseUrl;
      await registerWebhook(pluggy, { url: `${publicBase}/webhooks/pluggy`, secret: config.webhookSecret });
    }
    return { config, db, pluggy, boss, http, sandbox, url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
