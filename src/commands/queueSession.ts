import type { Config } from '../config.ts';
import { openDatabase, type OpenDatabase } from '../db/open.ts';
import { createLogger, type Logger } from '../log.ts';
import { type Boss, startBoss } from '../sync/jobs.ts';

/** A command's logger: on stderr (stdout carries the command's answer), `info` quietened to `warn`. */
export function commandLogger(config: Config): Logger {
  return createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
}

/**
 * The preamble and cleanup of the operator commands that touch the job queue (`status`, `items
 * resync`, `webhooks replay`): the configured database and a pg-boss client that runs nothing — no
 * schedules, no workers, the queues created if this database has none yet — both closed after `fn`.
 */
export async function withQueue<T>(
  config: Config,
  logger: Logger,
  fn: (session: { db: OpenDatabase; boss: Boss }) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(config, logger);
  try {
    const boss = await startBoss(db.url, logger, { schedule: false, max: 2 });
    try {
      return await fn({ db, boss });
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    await db.close();
  }
}
