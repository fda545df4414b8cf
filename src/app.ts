/**
 * The service, wired: database → (local sandbox) → Pluggy client → job queue and workers → HTTP.
 * The only module that knows every capability; each capability knows only its own dependencies.
 *
 * Roles (config.role, `start --role`): `api` serves HTTP and the webhook receiver and runs no job;
 * `worker` runs the jobs and serves only health and metrics on WORKER_PORT; `all` does both. Any
 * number of each share one PostgreSQL: pg-boss hands each job to one worker, the per-item advisory
 * lock and the job leases keep one sync per item, the rate budget is one set of rows, and stored
 * deliveries wake the workers by NOTIFY.
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { type Config, ConfigError } from './config.ts';
import { openDatabase, type OpenDatabase } from './db/open.ts';
import { apiRoutes } from './http/routes/api.ts';
import { postgresRateGate, pruneCallCounts } from './db/queries/rateBudget.ts';
import { listenForStoredEvents, notifyEventsStored } from './db/queries/webhookEvents.ts';
import { requireBearer } from './http/auth.ts';
import { installMetrics } from './http/routes/metrics.ts';
import { buildServer } from './http/server.ts';
import { refreshItem } from './http/routes/itemActions.ts';
import { mcpRoutes } from './mcp/http.ts';
import type { Logger } from './log.ts';
import { pluggyClientFromConfig } from './pluggy/fromConfig.ts';
import { type PluggyClient, PluggyError } from './pluggy/index.ts';
import { startSandbox, type Sandbox } from './sandbox/index.ts';
import { type Boss, startBoss } from './sync/jobs.ts';
import { startLeaseKeeper } from './sync/leases.ts';
import { startSyncWorkers } from './sync/workers.ts';
import { WEBHOOK_PATH } from './webhooks/endpoint.ts';
import { registerWebhook } from './webhooks/register.ts';
import { webhookRoutes } from './webhooks/route.ts';
import { startWebhookWorker, type WebhookWorker } from './webhooks/process.ts';

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
  const role = config.role;
  const runsJobs = role !== 'api';
  const servesApi = role !== 'worker';
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
    if (role !== 'all' && (!config.databaseUrl || !config.pluggy.baseUrl)) {
      // Processes of several roles share one database and one Pluggy; an embedded database or an
      // in-process sandbox would give each process its own.
      throw new ConfigError(
        `Invalid configuration:\n  --role ${role}: needs DATABASE_URL and a Pluggy (PLUGGY_BASE_URL, or live credentials); ` +
          'locally, run one sandbox (`npm run cli -- sandbox`) and point every process at it',
      );
    }
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
    // The API key, by contrast, stays per process (src/pluggy/apiKey.ts): each process spends one
    // POST /auth per key lifetime (hours), and sharing the key would put a live credential in a
    // table that backups, replicas and every database user can read.
    const pluggy = pluggyClientFromConfig(config, baseUrl, logger, postgresRateGate(db.pool));
    if (!sandbox) await checkPluggyCredentials(pluggy, logger);

    // Cron schedules (safety net, redrive) are kept by the processes that run jobs.
    const boss = await startBoss(db.url, logger, { schedule: runsJobs });
    // The workers below already waited SHUTDOWN_TIMEOUT_SECONDS; pg-boss then hands back at once
    // what still runs (its minimum wait, 1 s), so stopping stays inside a platform's grace period.
    stops.push(() => boss.stop({ graceful: true, wait: true, timeout: 1_000 }));
    const deps = { pool: db.pool, pluggy, boss, logger, config };

    let webhookWorker: WebhookWorker | undefined;
    if (runsJobs) {
      // One heartbeat and one reclaimer for every job this process holds, syncs and events alike.
      const leaseKeeper = startLeaseKeeper(deps);
      stops.push(() => leaseKeeper.stop());
      const stopSync = await startSyncWorkers(deps, { leaseKeeper });
      let stopWebhooks: (() => Promise<void>) | undefined;
      // Both wait out the same grace period side by side, not one after the other.
      stops.push(() => Promise.all([stopSync(), stopWebhooks?.()]));
      webhookWorker = await startWebhookWorker(deps, {
        // Events are a few small writes each (some need one Pluggy call), so their rate is bound by
        // round trips, not CPU: 16 in flight at the default sync concurrency (bench/processing.ts).
        concurrency: 8 * config.sync.concurrency,
        leaseKeeper,
        shutdownTimeoutMs: config.shutdownTimeoutSeconds * 1000,
      });
      stopWebhooks = webhookWorker;
      // Deliveries stored by other processes (`--role api`) wake this one through PostgreSQL.
      const worker = webhookWorker;
      const stopListening = await listenForStoredEvents(
        db.pool,
        () => worker.wake(),
        (err) =>
          logger.warn({ err: { message: err.message } }, 'webhook wake-up channel lost; polling meanwhile'),
      );
      stops.push(stopListening);
      const prune = setInterval(
        () =>
          void pruneCallCounts(db.pool, 7).catch((err: Error) =>
            logger.warn({ err: { message: err.message } }, 'pruning Pluggy call counts failed'),
          ),
        3_600_000,
      );
      prune.unref();
      stops.push(async () => clearInterval(prune));
    }

    const http = servesApi
      ? await apiServer(config, logger, {
          db,
          pluggy,
          boss,
          ...(webhookWorker ? { webhookWorker } : {}),
          connectWidgetUrl: sandbox && `${sandbox.url}/connect`,
        })
      : await buildServer({
          logger,
          pool: db.pool,
          limits: config.http,
          role,
          plugins: [workerRoutes(config, db, boss)],
        });
    const listenPort = servesApi ? config.port : config.workerPort;
    await http.listen({ port: listenPort, host: config.host });
    stops.push(() => http.close());
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : listenPort;
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

/** HTTP of the `api` and `all` roles: the webhook receiver, the assistant's API, health, metrics. */
async function apiServer(
  config: Config,
  logger: Logger,
  parts: {
    db: OpenDatabase;
    pluggy: PluggyClient;
    boss: Boss;
    webhookWorker?: WebhookWorker;
    /** Local mode: the Connect page opens the sandbox's widget stand-in instead of Pluggy's. */
    connectWidgetUrl?: string | undefined;
  },
): Promise<FastifyInstance> {
  const { db, pluggy, boss, webhookWorker, connectWidgetUrl } = parts;
  // Stored deliveries are announced to the worker processes; a burst shares one notification.
  let announcing = false;
  const announce = () => {
    if (announcing) return;
    announcing = true;
    setTimeout(() => {
      announcing = false;
      notifyEventsStored(db.pool).catch((err: Error) =>
        logger.warn({ err: { message: err.message } }, 'could not announce stored webhook events'),
      );
    }, WAKE_COALESCE_MS);
  };
  const http = await buildServer({
    logger,
    pool: db.pool,
    limits: config.http,
    role: config.role,
    secretPathPrefixes: [WEBHOOK_PATH],
    plugins: [
      async (app) => {
        // A stored delivery wakes a webhook worker now instead of at its next poll: this process's
        // own (role all) at once, the others' through PostgreSQL.
        app.addHook('onResponse', async (_req, reply) => {
          if (reply.statusCode !== 200) return;
          webhookWorker?.wake();
          announce();
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
      apiRoutes({ pool: db.pool, pluggy, boss, logger, config, connectWidgetUrl }),
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
  return http;
}

/** The worker role's HTTP: health (public, from buildServer) and metrics behind a token, nothing else. */
function workerRoutes(config: Config, db: OpenDatabase, boss: Boss): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (root) => {
    root.addHook(
      'onRequest',
      requireBearer(config.apiTokens, {
        extraTokens: config.metricsToken ? { '/metrics': [config.metricsToken] } : {},
      }),
    );
    installMetrics(root, { pool: db.pool, boss });
  };
  // Not encapsulated: the bearer check covers the 404 of every other path too.
  (plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
  return plugin;
}

/** Deliveries within this window share one notification (as the worker's own wake coalesces). */
const WAKE_COALESCE_MS = 10;

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
