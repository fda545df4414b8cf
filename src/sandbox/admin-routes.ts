/**
 * The admin API over HTTP, under /__sandbox/* (never a Pluggy path): the same operations as the
 * in-process `admin` object, for the CLI sandbox, other processes and manual poking with curl.
 * No authentication — the sandbox is a local tool.
 */
import type { SandboxContext } from './context.ts';
import { PluggyError } from './errors.ts';
import { FaultRuleError } from './faults.ts';
import { type SandboxAdmin, ScenarioError } from './scenarios.ts';
import type { Router } from './server.ts';
import type { ConnectorHealthStatus, ItemStatus } from './types.ts';

const obj = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
const optStr = (v: unknown) => (typeof v === 'string' ? v : undefined);
/** An optional number (a JSON number or a numeric string); anything else is a 400 naming `field`. */
const optNum = (v: unknown, field: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  if (!Number.isFinite(n)) throw new ScenarioError(`${field} must be a number (got ${JSON.stringify(v)})`);
  return n;
};

/**
 * Scenario and fault-rule errors (bad input) become `{code, message}` bodies with their status;
 * anything else is a sandbox bug and goes on to the server's logged 500.
 */
async function guard<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScenarioError)
      throw new PluggyError(err.status, { code: err.status, message: err.message });
    if (err instanceof FaultRuleError) throw new PluggyError(400, { code: 400, message: err.message });
    throw err;
  }
}

export function adminRoutes(router: Router, ctx: SandboxContext, admin: SandboxAdmin): void {
  const add = (method: string, path: string, fn: Parameters<Router['add']>[3]) =>
    router.add(method, `/__sandbox${path}`, 'public', (c) => guard(() => fn(c)));

  add('GET', '', () => ({
    url: ctx.baseUrl(),
    now: admin.now().toISOString(),
    clientId: ctx.clientId,
    clientSecret: ctx.clientSecret,
    seed: ctx.seed,
    items: ctx.store.items.size,
    webhooks: ctx.store.webhooks.size,
  }));

  add('GET', '/faults', () => ctx.faults.list());
  add('POST', '/faults', ({ body }) => ({ id: admin.addFault(obj(body) as never) }));
  add('DELETE', '/faults', () => {
    admin.clearFaults();
    return {};
  });
  add('DELETE', '/faults/:id', ({ params }) => ({ removed: admin.removeFault(params.id ?? '') }));

  add('GET', '/requests', () => admin.requests());
  add('DELETE', '/requests', () => {
    admin.resetRequests();
    return {};
  });

  add('GET', '/items', () => [...ctx.store.items.values()].map((i) => ctx.store.serializeItem(i)));
  add('POST', '/items', ({ body }) => {
    const b = obj(body);
    return admin.createItemNow({
      connectorId: optNum(b.connectorId, 'connectorId'),
      clientUserId: optStr(b.clientUserId),
      webhookUrl: optStr(b.webhookUrl),
      user: optStr(b.user),
    });
  });
  add('GET', '/items/:id/wait', ({ params, query }) =>
    admin.waitForItemStatus(
      params.id ?? '',
      (query.get('status') ?? 'UPDATED') as ItemStatus,
      optNum(query.get('timeoutMs') ?? undefined, 'timeoutMs'),
    ),
  );
  // ?summary: counts and exact sums per account instead of every row.
  add('GET', '/items/:id/truth', ({ params, query }) =>
    query.has('summary') ? admin.truthSummary(params.id ?? '') : admin.truth(params.id ?? ''),
  );
  add('POST', '/items/:id/transactions', ({ params, body }) => {
    const b = obj(body);
    return admin.addTransactions(params.id ?? '', {
      accountId: optStr(b.accountId),
      count: optNum(b.count, 'count'),
      backdatedDays: optNum(b.backdatedDays, 'backdatedDays'),
    });
  });
  add('POST', '/items/:id/transactions/delete', async ({ params, body }) => {
    const ids = obj(body).ids;
    await admin.deleteTransactions(params.id ?? '', Array.isArray(ids) ? ids.map(String) : []);
    return {};
  });
  add('POST', '/items/:id/post-pending', async ({ params, body }) => ({
    ids: await admin.postPending(params.id ?? '', optStr(obj(body).accountId)),
  }));
  add('POST', '/items/:id/restate-card-bill', ({ params, body }) =>
    admin.restateCardBill(params.id ?? '', optStr(obj(body).accountId)),
  );
  add('POST', '/items/:id/require-relogin', async ({ params }) => {
    await admin.requireRelogin(params.id ?? '');
    return {};
  });
  add('POST', '/items/:id/require-user-action', async ({ params }) => {
    await admin.requireUserAction(params.id ?? '');
    return {};
  });
  add('POST', '/items/:id/user-action', async ({ params, body }) => {
    const approve = obj(body).approve;
    if (typeof approve !== 'boolean') throw new ScenarioError('approve must be true or false');
    await admin.resolveUserAction(params.id ?? '', approve);
    return {};
  });
  add('POST', '/items/:id/revoke-consent', async ({ params }) => {
    await admin.revokeConsent(params.id ?? '');
    return {};
  });

  add('GET', '/clock', () => ({ now: admin.now().toISOString() }));
  add('PUT', '/refresh-limits', ({ body }) => {
    const b = obj(body);
    admin.setRefreshLimits({
      patchesPerMinute: optNum(b.patchesPerMinute, 'patchesPerMinute'),
      minUpdateIntervalHours: optNum(b.minUpdateIntervalHours, 'minUpdateIntervalHours'),
    });
    return {};
  });
  add('POST', '/clock/advance', async ({ body }) => {
    await admin.advanceClock(optNum(obj(body).ms, 'ms') ?? 0);
    return { now: admin.now().toISOString() };
  });

  add('POST', '/connectors/:id/status', async ({ params, body }) => {
    await admin.setConnectorStatus(Number(params.id), obj(body).status as ConnectorHealthStatus);
    return {};
  });

  add('GET', '/deliveries', () => admin.deliveries());
  add('POST', '/deliveries/wait', async ({ body }) => {
    await admin.waitForDeliveries(optNum(obj(body).timeoutMs, 'timeoutMs'));
    return {};
  });
}
