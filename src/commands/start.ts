import { parseArgs } from 'node:util';
import { type App, startApp } from '../app.ts';
import { type Config, ConfigError, loadConfig, ROLES, type Role } from '../config.ts';
import { redactUrl } from '../db/pool.ts';
import { createLogger, secretsOf } from '../log.ts';

const USAGE = `usage: npm start -- [--role all|api|worker]

  --role all      HTTP (API, webhook receiver) and the jobs in this one process (default; ROLE)
  --role api      HTTP and the webhook receiver only; no job runs here
  --role worker   the jobs only; HTTP for /health and /metrics on WORKER_PORT (default 3001)
  Roles other than all need DATABASE_URL and PLUGGY_BASE_URL (or live Pluggy credentials).
`;

export async function run(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { role: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.role !== undefined && !ROLES.includes(values.role as Role)) {
    throw new ConfigError(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(values.role)})`);
  }
  const config = { ...loadConfig(), ...(values.role ? { role: values.role as Role } : {}) };
  const logger = createLogger(config.logLevel, undefined, secretsOf(config));
  const app = await startApp(config, logger);
  process.stdout.write(banner(app, config));

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // SIGHUP: the terminal closed. Without a handler Node dies at once and the embedded PostgreSQL
  // is left running.
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, () => shutdown(s));
  // `npm start` execs node in npm's place of child, so npm forwards SIGTERM/SIGINT to us. If npm
  // itself is killed outright (SIGKILL, OOM) no signal comes: we notice being re-parented and stop.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exited');
  }, 1000).unref();
}

/** What a person needs to find everything `npm start` brought up; no secret in it. */
export function banner(app: App, config: Config): string {
  const pad = (label: string) => `  ${label.padEnd(15)}`;
  const does =
    config.role === 'api'
      ? 'HTTP and the webhook receiver; no jobs'
      : config.role === 'worker'
        ? 'jobs; HTTP for health and metrics only'
        : 'HTTP, webhook receiver and jobs';
  const lines = [
    '',
    `pluggy-bridge is running (${config.mode} mode, role ${config.role}: ${does})`,
    ...(config.role === 'worker'
      ? [`${pad('health')}${app.url}/health`, `${pad('metrics')}${app.url}/metrics`]
      : [
          `${pad('API')}${app.url}`,
          `${pad('health')}${app.url}/health`,
          `${pad('webhooks')}${app.url}/webhooks/pluggy${
            config.mode === 'live' ? ` (Pluggy is told ${config.publicBaseUrl}/webhooks/pluggy)` : ''
          }`,
        ]),
    `${pad('database')}${redactUrl(app.db.url)}${
      app.db.embedded ? ` (embedded PostgreSQL, files under ${config.dataDir}/pg)` : ''
    }`,
  ];
  if (app.sandbox) {
    lines.push(
      `${pad('Pluggy')}LOCAL SANDBOX, not Pluggy: fake banks and data on this machine`,
      `${pad('')}base URL ${app.sandbox.url}, client id ${config.pluggy.clientId} (secret in README)`,
      `${pad('')}Connect stand-in page ${app.sandbox.url}/connect`,
    );
  } else {
    lines.push(`${pad('Pluggy')}${config.pluggy.baseUrl} (client id ${config.pluggy.clientId})`);
  }
  if (config.mode === 'local' && config.host === '127.0.0.1') {
    lines.push(`${pad('listening on')}127.0.0.1 only (development secrets); set HOST to open it`);
  } else {
    lines.push(
      `${pad('listening on')}${config.host}:${config.role === 'worker' ? config.workerPort : config.port}`,
    );
  }
  return `${lines.join('\n')}\n\n`;
}
