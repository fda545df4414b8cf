import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { closeOnSignal, openForCommand } from './syncSession.ts';
import { createProgress, formatCounts, progressListener } from './progress.ts';
import { describeError } from '../domain/describeError.ts';
import { isPluggyId } from '../pluggy/resources/ids.ts';
import { syncItem } from '../sync/syncItem.ts';

const USAGE = `usage: npm run cli -- sync <itemId> [--full]

Syncs one item now, in the foreground: its status, accounts, transactions (the whole history the
first time, then what is new), card bills, identity, investments and loans.
  --full   re-list every account's whole history and remove rows Pluggy no longer has
`;

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { full: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  const itemId = positionals[0];
  if (values.help || !itemId || positionals.length > 1) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  if (!isPluggyId(itemId)) {
    process.stderr.write(`sync: ${JSON.stringify(itemId.slice(0, 80))} is not an item id (a UUID)\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const opened = await openForCommand(config);
  if (!opened) return;
  const { deps, db } = opened;
  const release = closeOnSignal(db.close);
  const progress = createProgress(process.stdout);
  const started = Date.now();
  try {
    const result = await syncItem(deps, itemId, {
      reason: 'manual',
      full: values.full,
      onProgress: progressListener(progress, { accounts: true }),
      onLockWait: () =>
        progress.line(`item ${itemId} is being synced by another process; waiting for it to finish…`),
    });
    progress.end();
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const outcome =
      result.outcome === 'synced'
        ? `synced (${result.status})`
        : result.outcome === 'needs-reconnect'
          ? `not synced: the item is ${result.status} and needs the person to reconnect`
          : result.outcome === 'purged'
            ? 'Pluggy no longer has this item: its local data was removed'
            : 'the item is deleted: nothing to sync';
    process.stdout.write(`item ${itemId}: ${outcome} in ${secs}s — ${formatCounts(result.counts)}\n`);
  } catch (err) {
    progress.end();
    process.stderr.write(`sync of item ${itemId} failed: ${describeError(err)}\n`);
    process.exitCode = 1;
  } finally {
    release();
    await db.close();
  }
}
