import path from 'node:path';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { createPool, redactUrl } from './pool.ts';

export type OpenDatabase = {
  /** Connection URL; contains the password, never log it (use redactUrl). */
  url: string;
  pool: pg.Pool;
  /** True when this process started its own PostgreSQL under `<dataDir>/pg`. */
  embedded: boolean;
  /** Migrations this open applied (empty when the schema was current). */
  migrations: { applied: string[] };
  /** Ends the pool, then stops the embedded server if any. Safe to call twice. */
  close(): Promise<void>;
};

/**
 * Connections the service can hold at once. Every running sync job keeps one for its per-item lock
 * and uses another for its writes (src/sync/itemLock.ts); workers run SYNC_CONCURRENCY jobs on each
 * of the four sync queues plus one purge and one safety-net job. Ten more serve the webhook
 * receiver, the webhook worker and reads. A fixed pool of 10 ran dry at the default concurrency.
 */
export function poolSizeFor(config: Pick<Config, 'sync'>): number {
  const syncJobs = 4 * config.sync.concurrency + 2;
  return 2 * syncJobs + 10;
}

/**
 * The service's database: `config.databaseUrl` when set, else an embedded PostgreSQL kept under
 * `<dataDir>/pg` on 127.0.0.1:`embeddedPgPort`. Migrations are applied before it is handed out.
 */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: path.join(config.dataDir, 'pg'),
        port: config.embeddedPgPort,
        logger,
      });
  const url = config.databaseUrl ?? embedded!.url;
  const pool = createPool(url, { logger, max: poolSizeFor(config) });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await pool
        .end()
        .catch((err: Error) => logger.warn({ err: { message: err.message } }, 'pool end failed'));
      await embedded?.stop();
    })();
    return closing;
  };
  try {
    const migrations = await migrate(pool, logger);
    logger.info({ database: redactUrl(url), embedded: Boolean(embedded) }, 'database ready');
    return { url, pool, embedded: Boolean(embedded), migrations, close };
  } catch (err) {
    await close();
    const code = (err as { code?: string }).code;
    if (code && UNREACHABLE.has(code)) {
      throw new DatabaseUnreachableError(
        `Cannot use PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}. ` +
          'Check DATABASE_URL (host, port, database, user, password), or unset it to use the embedded database.',
      );
    }
    throw err;
  }
}

/** Connection-level failures: the URL or the server is wrong, not our schema. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  '3D000',
  '28P01',
  '28000',
]);

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}
