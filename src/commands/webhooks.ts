import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/open.ts';
import { createLogger } from '../log.ts';
import { NoPluggyError, pluggyForCommand } from './findPluggy.ts';
import { PluggyError } from '../pluggy/index.ts';
import { isPluggyId } from '../pluggy/resources/ids.ts';
import { startBoss } from '../sync/jobs.ts';
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
  replay <eventId>
      process a stored webhook event again (its sync jobs go to the queue the service works)
`;

/** `npm run cli -- webhooks register|list|replay`. */
export async function run(argv: string[] = []): Promise<void> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'register':
        return await register(rest);
      case 'list':
        return await list();
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

async function list(): Promise<void> {
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

async function replay(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true });
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
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, process.stderr);
  const { pluggy } = await pluggyForCommand(config);
  const db = await openDatabase(config, logger);
  try {
    const boss = await startBoss(db.url, logger, { schedule: false, max: 2 });
    try {
      const outcome = await processWebhookEvent({ pool: db.pool, pluggy, boss, logger }, eventId, {
        replay: true,
      });
      process.stdout.write(`event ${eventId}: ${outcome}\n`);
      if (outcome === 'missing' || outcome === 'failed') process.exitCode = 1;
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  } finally {
    await db.close();
  }
}
