import type pg from 'pg';
import { readCatalog, withCatalogLock, writeCatalog } from '../db/queries/connectorCatalog.ts';
import { foldText } from '../db/queries/transactions.ts';
import type { Connector, PluggyClient } from '../pluggy/index.ts';
import type { ConnectorView } from './schemas.ts';

export type ConnectorQuery = {
  name?: string | undefined;
  type?: string | undefined;
  openFinance?: boolean | undefined;
};

/**
 * Pluggy's connector list changes a few times a day; the old system asked for it on every page
 * view. One Pluggy call per TTL (default 1 h) for the whole deployment: the list is kept in
 * PostgreSQL (connector_catalog) for every process, and each process keeps a copy in memory until
 * the shared one expires, so a warm request costs no query either. When it expires, one process
 * refreshes it under a lock while the others wait for its answer (concurrent misses in one process
 * share one call too). A failed refresh keeps serving the last good list when there is one.
 */
const RETRY_AFTER_FAILURE_MS = 60_000;

export function createConnectorCatalog(
  pluggy: Pick<PluggyClient, 'getConnectors'>,
  pool: pg.Pool,
  opts: { ttlMs?: number; includeSandbox: boolean; now?: () => number },
) {
  const ttlMs = opts.ttlMs ?? 3_600_000;
  const now = opts.now ?? Date.now;
  const scope = opts.includeSandbox ? 'BR+sandbox' : 'BR';
  let cached: { until: number; list: ConnectorView[] } | undefined;
  let inflight: Promise<ConnectorView[]> | undefined;

  const keep = (list: ConnectorView[], ageMs: number) => {
    cached = { until: now() + Math.max(0, ttlMs - ageMs), list };
    return list;
  };

  const fromPluggy = async () =>
    (await pluggy.getConnectors({ countries: ['BR'], ...(opts.includeSandbox ? { sandbox: true } : {}) }))
      .filter((c) => opts.includeSandbox || !c.isSandbox)
      .map(connectorView);

  const refresh = () => {
    inflight ??= (async () => {
      const shared = await readCatalog<ConnectorView>(pool, scope);
      if (shared && shared.ageMs < ttlMs) return keep(shared.connectors, shared.ageMs);
      return withCatalogLock(pool, scope, async (tx) => {
        // Another process may have refreshed it while this one waited for the lock.
        const again = await readCatalog<ConnectorView>(tx, scope);
        if (again && again.ageMs < ttlMs) return keep(again.connectors, again.ageMs);
        let list: ConnectorView[];
        try {
          list = await fromPluggy();
        } catch (err) {
          const stale = again?.connectors ?? cached?.list;
          if (!stale) throw err;
          // Served as is for a minute before Pluggy is asked again, not asked on every request.
          return keep(stale, ttlMs - RETRY_AFTER_FAILURE_MS);
        }
        await writeCatalog(tx, scope, list);
        return keep(list, 0);
      });
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  };

  return {
    async list(q: ConnectorQuery = {}): Promise<ConnectorView[]> {
      const list = cached && now() < cached.until ? cached.list : await refresh();
      const name = q.name ? foldText(q.name) : undefined;
      return list.filter(
        (c) =>
          (!name || foldText(c.name).includes(name)) &&
          (!q.type || c.type === q.type) &&
          (q.openFinance === undefined || c.isOpenFinance === q.openFinance),
      );
    },
  };
}
export type ConnectorCatalog = ReturnType<typeof createConnectorCatalog>;

function connectorView(c: Connector): ConnectorView {
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    country: c.country,
    imageUrl: c.imageUrl,
    primaryColor: c.primaryColor ?? null,
    isOpenFinance: c.isOpenFinance,
    isSandbox: c.isSandbox ?? false,
    hasMFA: c.hasMFA,
    health: c.health?.status ?? null,
    products: c.products,
  };
}
