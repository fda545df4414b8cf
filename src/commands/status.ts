import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { formatStatus, serviceStatus } from '../reads/status.ts';
import { QUEUES } from '../sync/jobs.ts';
import { commandLogger, withQueue } from './queueSession.ts';

const USAGE = `usage: npm run cli -- status [--json]

Items by status and needing reconnect, syncs running and failed in the last day, webhook events
pending or failed, job queue depths, and Pluggy requests and 429s in the last hour (every process
sharing the database). --json prints what GET /v1/status answers.
`;

export async function run(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  await withQueue(config, commandLogger(config), async ({ db, boss }) => {
    const status = await serviceStatus(db.pool, boss, Object.values(QUEUES));
    process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  });
}
