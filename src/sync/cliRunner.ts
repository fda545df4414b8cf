import type { Config } from '../config.ts';
import { openDatabase, type OpenDatabase } from '../db/open.ts';
import type { Logger } from '../log.ts';
import { createLogger } from '../log.ts';
import { pluggyClientFromConfig } from '../pluggy/fromConfig.ts';
import type { SyncDeps } from './deps.ts';

export class NoPluggyError extends Error {
  override name = 'NoPluggyError';
}

/**
 * What the `sync` and `backfill` commands share: the configured database and a Pluggy client, or a
 * clear message when there is no Pluggy to talk to. In local mode Pluggy is the sandbox living
 * inside the running service, which a one-off command cannot reach unless told where it listens.
 */
export async function openSyncDeps(
  config: Config,
  logger: Logger,
): Promise<{ deps: SyncDeps; db: OpenDatabase }> {
  const baseUrl = config.pluggy.baseUrl;
  if (!baseUrl) {
    throw new NoPluggyError(
      [
        'There is no Pluggy to sync from: in local mode (no PLUGGY_CLIENT_ID) Pluggy is the sandbox inside',
        'the running service, and this command cannot reach it by itself. Either',
        '  - start a sandbox (`npm run cli -- sandbox` prints its address) and pass it:',
        '      PLUGGY_BASE_URL=http://127.0.0.1:8787 npm run cli -- sync <itemId>',
        '  - or let the running service sync: it does on every webhook and in its periodic safety net.',
      ].join('\n'),
    );
  }
  const db = await openDatabase(config, logger);
  const pluggy = pluggyClientFromConfig(config, baseUrl, logger);
  return { deps: { pool: db.pool, pluggy, logger }, db };
}

/**
 * The preamble of `sync` and `backfill`: a logger on stderr (stdout carries the progress) and the
 * dependencies, or the no-Pluggy explanation with exit code 2 (then undefined).
 */
export async function openForCommand(
  config: Config,
): Promise<{ deps: SyncDeps; db: OpenDatabase } | undefined> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  try {
    return await openSyncDeps(config, logger);
  } catch (err) {
    if (!(err instanceof NoPluggyError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

export function formatCounts(c: {
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  rowsUnchanged: number;
  pages: number;
}): string {
  return `${c.rowsInserted} inserted, ${c.rowsUpdated} updated, ${c.rowsDeleted} deleted, ${c.rowsUnchanged} unchanged (${c.pages} pages)`;
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
