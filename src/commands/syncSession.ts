import type { Config } from '../config.ts';
import { openDatabase, type OpenDatabase } from '../db/open.ts';
import type { Logger } from '../log.ts';
import type { SyncDeps } from '../sync/deps.ts';
import { NoPluggyError, pluggyForCommand } from './findPluggy.ts';
import { commandLogger } from './queueSession.ts';

/**
 * What the `sync` and `backfill` commands share: the configured database and a Pluggy client
 * (findPluggy.ts finds it, or explains how to start one).
 */
export async function openSyncDeps(
  config: Config,
  logger: Logger,
): Promise<{ deps: SyncDeps; db: OpenDatabase }> {
  const { pluggy } = await pluggyForCommand(config, logger);
  const db = await openDatabase(config, logger);
  return { deps: { pool: db.pool, pluggy, logger }, db };
}

/**
 * The preamble of `sync` and `backfill`: a logger on stderr (stdout carries the progress) and the
 * dependencies, or the no-Pluggy explanation with exit code 2 (then undefined).
 */
export async function openForCommand(
  config: Config,
): Promise<{ deps: SyncDeps; db: OpenDatabase } | undefined> {
  const logger = commandLogger(config);
  try {
    return await openSyncDeps(config, logger);
  } catch (err) {
    if (!(err instanceof NoPluggyError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/** Ctrl-C while syncing: close the database (and an embedded server) before leaving. */
export function closeOnSignal(close: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    void close().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
