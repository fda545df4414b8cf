import { type App, startApp } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { redactUrl } from '../db/pool.ts';
import { createLogger, secretsOf } from '../log.ts';

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, undefined, secretsOf(config));
  // pg-boss 10's worker neither awaits nor catches its complete/fail calls: a database outage while
  // a sync job finishes surfaces as an unhandled rejection, and Node's default would end the whole
  // service over a database blip. Log it and stay up; a job left active is reclaimed by its lease
  // (src/sync/leases.ts) or expires and is retried.
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: reason }, 'unhandled promise rejection (service kept running)');
  });
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
  const lines = [
    '',
    `pluggy-bridge is running (${config.mode} mode)`,
    `${pad('API')}${app.url}`,
    `${pad('health')}${app.url}/health`,
    `${pad('webhooks')}${app.url}/webhooks/pluggy${
      config.mode === 'live' ? ` (Pluggy is told ${config.publicBaseUrl}/webhooks/pluggy)` : ''
    }`,
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
    lines.push(`${pad('listening on')}${config.host}:${config.port}`);
  }
  return `${lines.join('\n')}\n\n`;
}
