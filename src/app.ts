/**
 * The service, wired: database → (local sandbox) → Pluggy client → job queue and workers → HTTP.
 * The only module that knows every capability; each capability knows only its own dependencies.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/open.ts';
import { apiRoutes } from './http/routes/api.ts';
import { postgresRateGate } from './db/queries/rateBudget.ts';
import { buildServer } from './http/server.ts';
import { refreshItem } from './http/routes/itemActions.ts';
import { mcpRoutes } from './mcp/http.ts';
import type { Logger } from './log.ts';
import { pluggyClientFromConfig } from './pluggy/fromConfig.ts';
import { type PluggyClient, PluggyError } from './pluggy/index.ts';
import { startSandbox, type Sandbox } from './sandbox/index.ts';
import { type Boss, startBoss } from './sync/jobs.ts';
import { startSyncWorkers } from './sync/workers.ts';
import { WEBHOOK_PATH } from './webhooks/endpoint.ts';
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
  let stopping: Promise<void> | undefined;
  // Last started, first stopped (HTTP before workers before the queue before the database);
  // a second call (signal during shutdown, a test's afterAll) waits for the first.
  const stop = () => {
    stopping ??= (async () => {
      for (const s of [...stops].reverse()) {
        await s().catch((err) => logger.warn({ err }, 'shutdown step failed'));
      }
    })();
    return stopping;
  };
  try {
    const db = await openDatabase(config, logger);
    stops.push(() => db.close());

    let sandbox: Sandbox | undefined;
    let baseUrl = config.pluggy.baseUrl;
    if (!baseUrl) {
      sandbox = await startSandbox({
        port: config.sandboxPort,
        clientId: config.pluggy.clientId,
        clientSecret: config.pluggy.clientSecret,
        // Beside the embedded database, the sandbox's items and scenario changes survive a restart as
        // they would at Pluggy (that database keeps them too). With DATABASE_URL (tests, a shared
        // server) the sandbox starts fresh: a file under a shared data dir would mix runs.
        ...(config.databaseUrl ? {} : { stateFile: join(config.dataDir, 'sandbox-state.json') }),
        logger: logger.child({ component: 'sandbox' }),
      });
      stops.push(() => sandbox!.close());
      baseUrl = sandbox.url;
    }
    // Pluggy's rate limits hold per source IP: every process sharing this database shares one budget.
    const pluggy = pluggyClientFromConfig(config, baseUrl, logger, postgresRateGate(db.pool));
    if (!sandbox) await checkPluggyCredentials(pluggy, logger);

    const boss = await startBoss(db.url, logger);
    // The workers below already waited SHUTDOWN_TIMEOUT_SECONDS; pg-boss then hands back at once
    // what still runs (its minimum wait, 1 s), so stopping stays inside a platform's grace period.
    stops.push(() => boss.stop({ graceful: true, wait: true, timeout: 1_000 }));
    const deps = { pool: db.pool, pluggy, boss, logger, config };
    const stopSync = await startSyncWorkers(deps);
    let stopWebhooks: (() => Promise<void>) | undefined;
    // Both wait out the same grace period side by side, not one after the other.
    stops.push(() => Promise.all([stopSync(), stopWebhooks?.()]));
    const webhookWorker = await startWebhookWorker(deps, {
      // Events are a few small writes each (some need one Pluggy call), so their rate is bound by
      // round trips, not CPU: 16 in flight at the default sync concurrency (bench/processing.ts).
      concurrency: 8 * config.sync.concurrency,
      shutdownTimeoutMs: config.shutdownTimeoutSeconds * 1000,
    });
    stopWebhooks = webhookWorker;

    const http = await buildServer({
      logger,
      pool: db.pool,
      limits: config.http,
      secretPathPrefixes: [WEBHOOK_PATH],
      plugins: [
        async (app) => {
          // A stored delivery wakes the webhook worker now instead of at its next poll.
          app.addHook('onResponse', async (_req, reply) => {
            if (reply.statusCode === 200) webhookWorker.wake();
          });
          await app.register(
            webhookRoutes({
              pool: db.pool,
              boss,
              secret: config.webhookSecret,
              ...(config.previousWebhookSecret ? { previousSecret: config.previousWebhookSecret } : {}),
              logger,
            }),
          );
        },
        apiRoutes({ pool: db.pool, pluggy, boss, logger, config }),
      ],
    });
    // After the API: its helmet and its bearer check (which lets /mcp through to its own) cover it.
    await http.register(
      mcpRoutes({
        pool: db.pool,
        logger,
        secret: config.linkSigningSecret,
        connect: { pool: db.pool, linkSecret: config.linkSigningSecret, publicBaseUrl: config.publicBaseUrl },
        pluggy,
        refreshItem: (item) => refreshItem({ pool: db.pool, pluggy, logger }, item),
      }),
    );
    await http.listen({ port: config.port, host: config.host });
    stops.push(() => http.close());
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${reachableHost(config.host)}:${port}`;

    if (sandbox) {
      // Local mode: point the in-process sandbox's deliveries at us, as `webhooks register` does
      // against Pluggy. It runs on this machine, so loopback is the right address whatever
      // PUBLIC_BASE_URL says.
      await registerWebhook(pluggy, {
        url: `http://127.0.0.1:${port}${WEBHOOK_PATH}`,
        secret: config.webhookSecret,
      });
    }
    return { config, db, pluggy, boss, http, sandbox, url, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Live mode: wrong client credentials stop start-up with Pluggy's answer, rather than surface
 * later in a job's log. Pluggy merely unreachable does not: webhooks are still received and
 * stored, and the jobs retry.
 */
async function checkPluggyCredentials(pluggy: PluggyClient, logger: Logger): Promise<void> {
  try {
    await pluggy.listWebhooks();
  } catch (err) {
    if (err instanceof PluggyError && err.code === 'auth') throw err;
    logger.warn(
      { err: { message: (err as Error).message } },
      'Pluggy is not reachable at start; jobs will retry',
    );
  }
}

/** How this machine reaches a server bound to `host`: a wildcard means any local address. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
