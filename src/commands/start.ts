import { startApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger, secretsOf } from '../log.ts';

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, undefined, secretsOf(config));
  const app = await startApp(config, logger);
  const lines = [
    '',
    `pluggy-bridge is running (${config.mode} mode)`,
    `  API            ${app.url}`,
    `  health         ${app.url}/health`,
    `  webhooks       ${app.url}/webhooks/pluggy`,
    `  database       ${app.db.embedded ? `embedded PostgreSQL under ${config.dataDir}/pg` : 'DATABASE_URL'}`,
    `  Pluggy         ${app.sandbox ? `local sandbox at ${app.sandbox.url} (client id ${config.pluggy.clientId})` : 'Pluggy API'}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

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
