import { startApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';

export async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
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
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => shutdown(s));
}
