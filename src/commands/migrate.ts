import { loadConfig } from '../config.ts';
import { commandLogger } from './queueSession.ts';
import { openDatabase } from '../db/open.ts';
import { redactUrl } from '../db/pool.ts';

/**
 * `npm run cli -- migrate`: opens the configured database (embedded under DATA_DIR when no
 * DATABASE_URL), applies pending migrations, prints what was applied, and closes.
 */
export async function run(_argv: string[] = []): Promise<void> {
  const config = loadConfig();
  const logger = commandLogger(config);
  const db = await openDatabase(config, logger);
  // The embedded server is ours to stop: a Ctrl-C while migrating still shuts it down cleanly.
  const onSignal = (signal: NodeJS.Signals) => {
    void db.close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const where = db.embedded ? `embedded PostgreSQL (${config.dataDir}/pg)` : redactUrl(db.url);
    const { applied } = db.migrations;
    const lines = applied.length
      ? [`applied ${applied.length} migration(s) to ${where}:`, ...applied.map((n) => `  ${n}`)]
      : [`${where}: schema up to date, nothing to apply`];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.close();
  }
}
