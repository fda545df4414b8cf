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
 * view. One fetch per TTL (default 1 h) for everyone; concurrent misses share one call, and a
 * failed refresh keeps serving the last good list when there is one.
 */
export function createConnectorCatalog(
  pluggy: Pick<PluggyClient, 'getConnectors'>,
  opts: { ttlMs?: number; includeSandbox: boolean; now?: () => number },
) {
  const ttlMs = opts.ttlMs ?? 3_600_000;
  const now = opts.now ?? Date.now;
  let cached: { at: number; list: ConnectorView[] } | undefined;
  let inflight: Promise<ConnectorView[]> | undefined;

  const refresh = () => {
    inflight ??= pluggy
      .getConnectors({ countries: ['BR'], ...(opts.includeSandbox ? { sandbox: true } : {}) })
      .then((list) => {
        const views = list.filter((c) => opts.includeSandbox || !c.isSandbox).map(connectorView);
        cached = { at: now(), list: views };
        return views;
      })
      .catch((err: unknown) => {
        if (cached) return cached.list;
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  return {
    async list(q: ConnectorQuery = {}): Promise<ConnectorView[]> {
      const list = cached && now() - cached.at < ttlMs ? cached.list : await refresh();
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
