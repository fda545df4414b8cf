import { parseArgs } from 'node:util';

/**
 * `npm run cli -- scenario <name> …`: drives a running sandbox (standalone, or the one inside
 * `npm start` in local mode) through its admin API, so an operator can watch the service react
 * to what a bank does: new rows, postings, restatements, lost logins, revoked consents, time.
 */
const USAGE = `usage: npm run cli -- scenario <name> [args] [--sandbox URL]

  items                                  list the sandbox's items (id, status, clientUserId)
  create-item [--user U] [--client-user-id ID] [--connector N]
                                         an item fully synced now (fires item/created)
  new-transactions <itemId> [--count N] [--backdated-days D] [--account ID]
                                         new rows arrive (transactions/created)
  post-pending <itemId> [--account ID]   pending rows post in place (transactions/updated)
  restate-bill <itemId> [--account ID]   the bank restates a card bill: delete + create with new ids
  delete-transactions <itemId> <id>…     rows disappear (transactions/deleted)
  relogin <itemId>                       the item needs a new login (LOGIN_ERROR, item/error)
  revoke-consent <itemId>                the consent is revoked (data endpoints answer empty)
  require-user-action <itemId>           the next login waits for an approval in the bank's app
  user-action <itemId> <approve|deny>    the user answers that approval (WAITING_USER_ACTION ends)
  summary <itemId>                       per account: row counts and exact sums (what a sync must match)
  refresh-limits [--patches-per-minute N] [--min-update-interval-hours H]
                                         Pluggy's PATCH /items limits (429 / 409); no flags: off
  advance-clock <duration>               move the clock (e.g. 90m, 6h, 2d); due auto-syncs run
  connector-status <id> <ONLINE|UNSTABLE|OFFLINE>
                                         connector health changes (connector/status_updated)
  fault --path P [--method M] [--status S] [--rate R] [--times N] [--retry-after SEC]
        [--latency MS] [--drop] [--expire-key]
                                         inject a fault on a Pluggy route
  clear-faults                           remove every fault

  --sandbox URL   the sandbox (default http://127.0.0.1:8787, as \`npm start\` and \`sandbox\` use)
`;

export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s.trim());
  if (!m) throw new UsageError(`not a duration: ${s} (use e.g. 90m, 6h, 2d)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    m[2] as 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Math.round(Number(m[1]) * unit);
}

class UsageError extends Error {}

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      sandbox: { type: 'string', default: 'http://127.0.0.1:8787' },
      count: { type: 'string' },
      'backdated-days': { type: 'string' },
      account: { type: 'string' },
      user: { type: 'string' },
      'client-user-id': { type: 'string' },
      connector: { type: 'string' },
      path: { type: 'string' },
      method: { type: 'string' },
      status: { type: 'string' },
      rate: { type: 'string' },
      times: { type: 'string' },
      'retry-after': { type: 'string' },
      latency: { type: 'string' },
      drop: { type: 'boolean' },
      'expire-key': { type: 'boolean' },
      'patches-per-minute': { type: 'string' },
      'min-update-interval-hours': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [name, ...args] = positionals;
  if (values.help || !name) {
    (values.help ? process.stdout : process.stderr).write(USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const base = `${values.sandbox!.replace(/\/+$/, '')}/__sandbox`;
  /** An optional numeric flag; anything else is a usage error (a NaN would make e.g. a dead fault rule). */
  const num = (
    flag:
      | 'connector'
      | 'count'
      | 'backdated-days'
      | 'status'
      | 'rate'
      | 'times'
      | 'latency'
      | 'retry-after'
      | 'patches-per-minute'
      | 'min-update-interval-hours',
  ) => {
    const v = values[flag];
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    if (!Number.isFinite(n))
      throw new UsageError(`${name}: --${flag} must be a number (got ${JSON.stringify(v)})`);
    return n;
  };
  const need = (i: number, what: string) => {
    const v = args[i];
    if (!v) throw new UsageError(`${name}: missing ${what}`);
    return v;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new UsageError(
        `no sandbox answers at ${values.sandbox} (start one: npm start, or npm run cli -- sandbox)`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw new UsageError(`sandbox answered ${res.status}: ${text}`);
    if (!text) return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(
        `the server at ${values.sandbox} is not a Pluggy sandbox (no /__sandbox admin API): ` +
          `${method} ${base}${path} answered ${res.status} with non-JSON`,
      );
    }
  };

  try {
    let out: unknown;
    switch (name) {
      case 'items':
        out = ((await call('GET', '/items')) as Array<Record<string, unknown>>).map((i) => ({
          id: i.id,
          status: i.status,
          executionStatus: i.executionStatus,
          clientUserId: i.clientUserId,
        }));
        break;
      case 'create-item':
        out = await call('POST', '/items', {
          user: values.user,
          clientUserId: values['client-user-id'],
          connectorId: num('connector'),
        });
        break;
      case 'new-transactions':
        out = await call('POST', `/items/${need(0, 'itemId')}/transactions`, {
          count: num('count'),
          backdatedDays: num('backdated-days'),
          accountId: values.account,
        });
        break;
      case 'post-pending':
        out = await call('POST', `/items/${need(0, 'itemId')}/post-pending`, { accountId: values.account });
        break;
      case 'restate-bill':
        out = await call('POST', `/items/${need(0, 'itemId')}/restate-card-bill`, {
          accountId: values.account,
        });
        break;
      case 'delete-transactions':
        need(1, 'transaction ids');
        out = await call('POST', `/items/${need(0, 'itemId')}/transactions/delete`, { ids: args.slice(1) });
        break;
      case 'relogin':
        out = await call('POST', `/items/${need(0, 'itemId')}/require-relogin`);
        break;
      case 'revoke-consent':
        out = await call('POST', `/items/${need(0, 'itemId')}/revoke-consent`);
        break;
      case 'require-user-action':
        out = await call('POST', `/items/${need(0, 'itemId')}/require-user-action`);
        break;
      case 'user-action': {
        const answer = need(1, 'approve or deny');
        if (answer !== 'approve' && answer !== 'deny')
          throw new UsageError(`user-action: ${answer}? approve or deny`);
        out = await call('POST', `/items/${need(0, 'itemId')}/user-action`, {
          approve: answer === 'approve',
        });
        break;
      }
      case 'summary':
        out = await call('GET', `/items/${need(0, 'itemId')}/truth?summary`);
        break;
      case 'refresh-limits':
        out = await call('PUT', '/refresh-limits', {
          patchesPerMinute: num('patches-per-minute'),
          minUpdateIntervalHours: num('min-update-interval-hours'),
        });
        break;
      case 'advance-clock':
        out = await call('POST', '/clock/advance', { ms: parseDuration(need(0, 'duration')) });
        break;
      case 'connector-status': {
        const status = need(1, 'status').toUpperCase();
        if (!['ONLINE', 'UNSTABLE', 'OFFLINE'].includes(status))
          throw new UsageError(`unknown status ${status}`);
        out = await call('POST', `/connectors/${need(0, 'connector id')}/status`, { status });
        break;
      }
      case 'fault': {
        if (!values.path)
          throw new UsageError('fault: --path is required (e.g. /accounts, or /v2/* for a prefix)');
        const kind = values.drop
          ? 'drop'
          : values['expire-key']
            ? 'expire-key'
            : values.latency
              ? 'latency'
              : 'respond';
        num('retry-after'); // validated only: it is sent as the header's text
        const status = num('status') ?? (values['retry-after'] ? 429 : 503);
        out = await call('POST', '/faults', {
          path: values.path,
          method: values.method?.toUpperCase(),
          kind,
          rate: num('rate'),
          times: num('times'),
          ...(kind === 'respond' ? { status } : {}),
          ...(kind === 'latency' ? { ms: num('latency') } : {}),
          ...(values['retry-after'] ? { headers: { 'retry-after': values['retry-after'] } } : {}),
        });
        break;
      }
      case 'clear-faults':
        out = await call('DELETE', '/faults');
        break;
      default:
        throw new UsageError(`unknown scenario: ${name}\n\n${USAGE}`);
    }
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
  }
}
