import type { Config } from '../config.ts';
import { openDatabase, type OpenDatabase } from '../db/open.ts';
import type { Logger } from '../log.ts';
import { createPluggyClient } from '../pluggy/index.ts';
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
  const pluggy = createPluggyClient({
    baseUrl,
    clientId: config.pluggy.clientId,
    clientSecret: config.pluggy.clientSecret,
    timeoutMs: config.pluggy.timeoutMs,
    logger: logger.child({ component: 'pluggy' }),
  });
  return { deps: { pool: db.pool, pluggy, logger }, db };
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
