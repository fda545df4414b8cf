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
  const pool = createPool(url, { logger });
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
    throw err;
  }
}
