import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/open.ts';
import { listEventsByOutcome } from '../db/queries/webhookEvents.ts';
import { NoPluggyError, pluggyForCommand } from './findPluggy.ts';
import { commandLogger, withQueue } from './queueSession.ts';
import { PluggyError } from '../pluggy/index.ts';
import { isPluggyId } from '../pluggy/resources/ids.ts';
import { WEBHOOK_PATH } from '../webhooks/endpoint.ts';
import { processWebhookEvent } from '../webhooks/process.ts';
import { registerWebhook, webhookTargetUrl } from '../webhooks/register.ts';

const USAGE = `usage: npm run cli -- webhooks <subcommand>

  register [--url <https url>] [--event <event>]
      point a Pluggy webhook (default event 'all') at this service, with WEBHOOK_SECRET as the
      x-webhook-secret header; updates the one already registered for that URL and event, and
      moves every other webhook for that URL to the new secret (their events unchanged)
      (default url: PUBLIC_BASE_URL${WEBHOOK_PATH})
  list
      the webhooks registered at Pluggy
  list --failed | --pending [--limit N]
      stored webhook events that failed, or are still waiting to be processed (oldest first)
  replay <eventId>
      process a stored webhook event again (its sync jobs go to the queue the service works)
  replay --failed
      process every failed event again; an event processed meanwhile (by this or any process) is
      left as it is, so running it twice does nothing twice
`;

/** `npm run cli -- webhooks register|list|replay`. */
export async function run(argv: string[] = []): Promise<void> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'register':
        return await register(rest);
      case 'list':
        return await list(rest);
      case 'replay':
        return await replay(rest);
    }
  } catch (err) {
    // Expected failures (Pluggy or the sandbox unreachable, a bad --url) get one line, no stack;
    // PluggyError messages are redacted at the source.
    const badArgs = String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (!(err instanceof PluggyError || err instanceof UsageError || err instanceof NoPluggyError || badArgs))
      throw err;
    process.stderr.write(`webhooks ${sub}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const asked = !sub || sub === 'help' || sub === '--help';
  if (!asked) process.stderr.write(`unknown subcommand: ${sub}\n\n`);
  (asked ? process.stdout : process.stderr).write(USAGE);
  if (!asked) process.exitCode = 2;
}

class UsageError extends Error {}

async function register(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, event: { type: 'string' } },
  });
  const config = loadConfig();
  const { pluggy, local } = await pluggyForCommand(config);
  let url: string;
  try {
    url = webhookTargetUrl(values.url ?? `${config.publicBaseUrl}${WEBHOOK_PATH}`, { local });
  } catch (err) {
    // Without --url the address came from PUBLIC_BASE_URL: say so, not "--url must…".
    const from = values.url ? '' : ` (no --url given, so PUBLIC_BASE_URL was used: ${config.publicBaseUrl})`;
    throw new UsageError(
      `${(err as Error).message}${from}. Pass --url <public https address>/webhooks/pluggy or set PUBLIC_BASE_URL.`,
    );
  }
  const { action, webhook, secretUpdated } = await registerWebhook(pluggy, {
    url,
    secret: config.webhookSecret,
    ...(values.event ? { event: values.event } : {}),
  });
  process.stdout.write(
    `${action} webhook ${webhook.id}: event ${webhook.event} → ${webhook.url} (secret in the x-webhook-secret header)\n`,
  );
  for (const w of secretUpdated) {
    process.stdout.write(`secret updated on webhook ${w.id}: event ${w.event} → ${w.url}\n`);
  }
}

async function list(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      failed: { type: 'boolean', default: false },
      pending: { type: 'boolean', default: false },
      limit: { type: 'string', default: '100' },
    },
  });
  if (values.failed || values.pending) {
    if (values.failed && values.pending) throw new UsageError('give --failed or --pending, not both');
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000)
      throw new UsageError('--limit must be a whole number from 1 to 100000');
    return listStored(values.failed ? 'failed' : 'pending', limit);
  }
  const config = loadConfig();
  const { pluggy } = await pluggyForCommand(config);
  const hooks = await pluggy.listWebhooks();
  if (hooks.length === 0) {
    process.stdout.write('no webhooks registered\n');
    return;
  }
  for (const w of hooks) {
    const state = w.disabledAt ? `disabled since ${w.disabledAt}` : 'enabled';
    process.stdout.write(`${w.id}  ${w.event.padEnd(26)} ${w.url}  (${state})\n`);
  }
}

/** Stored events of one outcome: ids, type, item, attempts and the last error; never the payload. */
async function listStored(outcome: 'failed' | 'pending', limit: number): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config, commandLogger(config));
  try {
    const rows = await listEventsByOutcome(db.pool, outcome, limit);
    if (rows.length === 0) {
      process.stdout.write(`no ${outcome} webhook events\n`);
      return;
    }
    for (const r of rows) {
      const error = r.error ? `  ${r.error.replace(/\s+/g, ' ').slice(0, 160)}` : '';
      process.stdout.write(
        `${r.eventId}  ${r.receivedAt.toISOString()}  ${r.event.padEnd(26)} item ${r.itemId ?? '—'}  attempts ${r.attempts}${error}\n`,
      );
    }
    if (rows.length === limit) process.stdout.write(`(first ${limit}; --limit N for more)\n`);
  } finally {
    await db.close();
  }
}

async function replay(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { failed: { type: 'boolean', default: false } },
  });
  if (values.failed) {
    if (positionals.length) throw new UsageError('give an event id or --failed, not both');
    return replayFailed();
  }
  const eventId = positionals[0];
  if (!eventId || positionals.length > 1) {
    process.stderr.write('usage: npm run cli -- webhooks replay <eventId>\n');
    process.exitCode = 2;
    return;
  }
  // Pluggy's eventIds are UUIDs, and the receiver stores no other (src/webhooks/events.ts).
  if (!isPluggyId(eventId)) {
    process.stderr.write(
      `webhooks replay: ${JSON.stringify(eventId.slice(0, 80))} is not an event id (a UUID)\n`,
    );
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = commandLogger(config);
  const { pluggy } = await pluggyForCommand(config);
  await withQueue(config, logger, async ({ db, boss }) => {
    const outcome = await processWebhookEvent({ pool: db.pool, pluggy, boss, logger }, eventId, {
      replay: true,
    });
    process.stdout.write(`event ${eventId}: ${outcome}\n`);
    if (outcome === 'missing' || outcome === 'failed') process.exitCode = 1;
  });
}

/**
 * Every failed event processed again, oldest first, as the queue's worker would (not `replay:
 * true`): an event another process finished meanwhile is found processed under its row lock and
 * left alone, and a second run finds nothing failed. Events failing again stay failed with their
 * new error.
 */
async function replayFailed(): Promise<void> {
  const config = loadConfig();
  const logger = commandLogger(config);
  const { pluggy } = await pluggyForCommand(config);
  await withQueue(config, logger, async ({ db, boss }) => {
    const counts = new Map<string, number>();
    const tried = new Set<string>();
    for (;;) {
      const batch = (await listEventsByOutcome(db.pool, 'failed', 500)).filter((r) => !tried.has(r.eventId));
      if (batch.length === 0) break;
      for (const r of batch) {
        tried.add(r.eventId);
        let outcome: string;
        try {
          outcome = await processWebhookEvent({ pool: db.pool, pluggy, boss, logger }, r.eventId);
        } catch (err) {
          outcome = 'failed again';
          process.stderr.write(`event ${r.eventId}: ${(err as Error).message}\n`);
        }
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
        // Thousands of failed events (after an outage) take minutes: say how far it got.
        if (tried.size % 100 === 0) process.stderr.write(`… ${tried.size} replayed\n`);
      }
    }
    if (tried.size === 0) {
      process.stdout.write('no failed webhook events\n');
      return;
    }
    const summary = [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
    process.stdout.write(`replayed ${tried.size} failed events: ${summary}\n`);
    if ((counts.get('failed') ?? 0) + (counts.get('failed again') ?? 0) > 0) process.exitCode = 1;
  });
}
