import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { getItem, listItemsStaleSince } from '../db/queries/items.ts';
import { isPluggyId } from '../pluggy/resources/ids.ts';
import { enqueue, QUEUES } from '../sync/jobs.ts';
import { commandLogger, withQueue } from './queueSession.ts';

const USAGE = `usage: npm run cli -- items resync <itemId> | --stale

  resync <itemId>   queue a sync of this item for the running workers
  resync --stale    queue a sync of every live item not synced for SYNC_STALE_AFTER_HOURS
A sync already queued for an item absorbs a new request for it, so running this twice queues
nothing twice. To sync in the foreground instead, use \`npm run cli -- sync <itemId>\`.
`;

export async function run(argv: string[] = []): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'resync') {
    const asked = !sub || sub === 'help' || sub === '--help' || sub === '-h';
    if (!asked) process.stderr.write(`unknown subcommand: ${sub}\n\n`);
    (asked ? process.stdout : process.stderr).write(USAGE);
    if (!asked) process.exitCode = 2;
    return;
  }
  let parsed: { values: { stale?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { stale: { type: 'boolean' } } });
  } catch (err) {
    process.stderr.write(`items resync: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const { values, positionals } = parsed;
  const itemId = positionals[0];
  if (Boolean(values.stale) === Boolean(itemId) || positionals.length > 1) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  if (itemId && !isPluggyId(itemId)) {
    process.stderr.write(`items resync: ${JSON.stringify(itemId.slice(0, 80))} is not an item id (a UUID)\n`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  await withQueue(config, commandLogger(config), async ({ db, boss }) => {
    let ids: string[];
    if (itemId) {
      const item = await getItem(db.pool, itemId);
      if (!item || item.deletedAt) {
        process.stderr.write(
          item
            ? `items resync: item ${itemId} is deleted; a deleted connection is not synced\n`
            : `items resync: item ${itemId} is not in this database (is DATABASE_URL the service's?); \`npm run cli -- status\` counts the items it holds\n`,
        );
        process.exitCode = 1;
        return;
      }
      ids = [itemId];
    } else {
      const cutoff = new Date(Date.now() - config.sync.staleAfterHours * 3_600_000);
      ids = (await listItemsStaleSince(db.pool, cutoff, { limit: 100_000 })).map((i) => i.id);
    }
    let queued = 0;
    for (const id of ids) {
      if (await enqueue(boss, QUEUES.itemSync, { itemId: id, reason: 'manual' })) queued++;
    }
    const coalesced = ids.length - queued;
    process.stdout.write(
      ids.length === 0
        ? `no item stale for more than ${config.sync.staleAfterHours} h\n`
        : `${queued} sync${queued === 1 ? '' : 's'} queued` +
            (coalesced ? `, ${coalesced} already queued` : '') +
            ` (${ids.length} item${ids.length === 1 ? '' : 's'})\n`,
    );
  });
}
