/**
 * One item's sync in a process of its own, for the crash test (SIGKILLed mid-backfill) and the
 * backfill benchmark (peak RSS of the syncing process alone, without the sandbox's memory):
 *
 *   node --import tsx src/sync/testing/backfillProcess.ts <databaseUrl> <pluggyBaseUrl> <itemId> [batchRows]
 *
 * Prints one JSON line on success: { outcome, counts, accounts, elapsedMs, maxRssMb }. Test and bench support.
 */
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../../config.ts';
import { createPool } from '../../db/pool.ts';
import { createLogger } from '../../log.ts';
import { createPluggyClient } from '../../pluggy/index.ts';
import { syncItem } from '../syncItem.ts';

const [databaseUrl, baseUrl, itemId, batchRows] = process.argv.slice(2);
if (!databaseUrl || !baseUrl || !itemId) {
  process.stderr.write('usage: backfillProcess.ts <databaseUrl> <pluggyBaseUrl> <itemId> [batchRows]\n');
  process.exit(2);
}
const logger = createLogger('warn', process.stderr);
const pool = createPool(databaseUrl, { max: 4, logger });
const pluggy = createPluggyClient({
  baseUrl,
  clientId: SANDBOX_CLIENT_ID,
  clientSecret: SANDBOX_CLIENT_SECRET,
});
const started = performance.now();
try {
  const result = await syncItem(
    { pool, pluggy, logger, ...(batchRows ? { tuning: { batchRows: Number(batchRows) } } : {}) },
    itemId,
    { reason: 'manual', lockWaitMs: 60_000 },
  );
  const line = {
    outcome: result.outcome,
    counts: result.counts,
    accounts: result.accounts.map((a) => ({ accountId: a.accountId, mode: a.mode, fetched: a.fetched })),
    elapsedMs: Math.round(performance.now() - started),
    // resourceUsage().maxRSS is the peak resident set of this process, in KiB (Linux).
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
} finally {
  await pool.end();
}
