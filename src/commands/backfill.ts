import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { listLiveItemIds } from '../db/queries/items.ts';
import { closeOnSignal, openForCommand } from './syncSession.ts';
import { createProgress, formatCounts, progressListener } from './progress.ts';
import { describeError } from '../domain/describeError.ts';
import { syncItem } from '../sync/syncItem.ts';

const USAGE = `usage: npm run cli -- backfill --all [--full]
       npm run cli -- backfill <itemId>… [--full]

Syncs every item we hold (not deleted), one after another, in the foreground. Accounts never
listed to the end get their whole history; the others what is new since their watermark.
  --full   re-list every account's whole history and remove rows Pluggy no longer has
`;

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || values.all === positionals.length > 0) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const opened = await openForCommand(config);
  if (!opened) return;
  const { deps, db } = opened;
  const release = closeOnSignal(db.close);
  const progress = createProgress(process.stdout);
  try {
    const itemIds = values.all ? await listLiveItemIds(db.pool) : positionals;
    if (itemIds.length === 0) {
      process.stdout.write('no items to backfill\n');
      return;
    }
    progress.setTotal(itemIds.length);
    let failed = 0;
    for (const [index, itemId] of itemIds.entries()) {
      const started = Date.now();
      try {
        const result = await syncItem(deps, itemId, {
          reason: 'manual',
          full: values.full,
          onProgress: progressListener(progress, { item: { index, total: itemIds.length } }),
          onLockWait: () => progress.line(`item ${itemId} is being synced elsewhere; waiting…`),
        });
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        progress.line(`item ${itemId}: ${result.outcome} in ${secs}s — ${formatCounts(result.counts)}`);
      } catch (err) {
        failed++;
        progress.line(`item ${itemId}: FAILED — ${describeError(err)}`);
      }
      progress.tick(index + 1, `${index + 1} of ${itemIds.length} items`);
    }
    progress.end();
    process.stdout.write(
      `${itemIds.length - failed} of ${itemIds.length} items synced${failed ? `, ${failed} failed` : ''}\n`,
    );
    if (failed) process.exitCode = 1;
  } finally {
    progress.end();
    release();
    await db.close();
  }
}
