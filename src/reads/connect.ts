import type { Db } from '../db/pool.ts';
import { listAccountsByItem } from '../db/queries/accounts.ts';
import { getItem, upsertItemFromPluggy } from '../db/queries/items.ts';
import { getUserById } from '../db/queries/users.ts';
import { type ConnectLinkClaims, signConnectLink, verifyConnectLink } from '../domain/connectLink.ts';
import { AppError } from '../domain/errors.ts';
import { type PluggyClient, PluggyError } from '../pluggy/index.ts';
import { accountView } from './accounts.ts';
import { listItemViews, requirePersonItem } from './items.ts';
import { addDays, sumDecimals, todayInSaoPaulo } from './answers/common.ts';
import { spendingByCategory } from './answers/spending.ts';
import type { AccountView, ItemView } from './schemas.ts';

/**
 * The connect flow, for the assistant's back end (mint a link) and the Connect page (exchange it,
 * report the new item, watch it sync). Everything the page does is authorised by the link alone.
 */
export type ConnectDeps = {
  pool: Db;
  pluggy: Pick<PluggyClient, 'createConnectToken' | 'getItem'>;
  linkSecret: string;
  /** Where the Connect page is served: the link's URL is `<base>/connect?link=…`. */
  publicBaseUrl: string;
  /** Local mode: the widget may offer sandbox connectors. */
  includeSandbox: boolean;
  /** Only when configured: otherwise deliveries come through the registered webhook. */
  connectWebhookUrl?: string | undefined;
  /**
   * Local mode: the sandbox's stand-in for Pluggy's hosted Connect widget. The page hands it to the
   * widget SDK as its `url`; without it the SDK opens Pluggy's own.
   */
  widgetUrl?: string | undefined;
  /** Starts a sync of the item now (the caller owns the job queue). */
  enqueueSync(itemId: string, reason: 'connected' | 'reconnected'): Promise<void>;
};

export const DEFAULT_LINK_MINUTES = 60;
export const MAX_LINK_MINUTES = 7 * 24 * 60;

export async function mintConnectLink(
  deps: Pick<ConnectDeps, 'pool' | 'linkSecret' | 'publicBaseUrl'>,
  userId: string,
  opts: { itemId?: string | undefined; expiresInMinutes?: number | undefined },
  now = new Date(),
): Promise<{ url: string; expiresAt: string; link: string }> {
  if (opts.itemId) await requirePersonItem(deps.pool, userId, opts.itemId);
  const minutes = opts.expiresInMinutes ?? DEFAULT_LINK_MINUTES;
  const expiresAt = new Date(now.getTime() + minutes * 60_000);
  const link = signConnectLink(deps.linkSecret, {
    userId,
    purpose: opts.itemId ? { kind: 'reconnect', itemId: opts.itemId } : { kind: 'connect' },
    expiresAt,
  });
  return {
    url: `${deps.publicBaseUrl}/connect?link=${encodeURIComponent(link)}`,
    expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString(),
    link,
  };
}

/** Verifies the link and that its person (and, to reconnect, its item) still exists. */
export async function verifyLink(deps: ConnectDeps, link: string): Promise<ConnectLinkClaims> {
  const claims = verifyConnectLink(deps.linkSecret, link);
  const user = await getUserById(deps.pool, claims.userId);
  // Erased since the link was minted: as dead as an expired link.
  if (!user) throw new AppError('unauthorized', 'link-expired', 'This connect link is no longer valid.');
  if (claims.purpose.kind === 'reconnect') await requirePersonItem(deps.pool, user.id, claims.purpose.itemId);
  return claims;
}

export async function openConnectSession(deps: ConnectDeps, link: string) {
  const claims = await verifyLink(deps, link);
  const itemId = claims.purpose.kind === 'reconnect' ? claims.purpose.itemId : undefined;
  const { accessToken } = await deps.pluggy.createConnectToken({
    // Our opaque id, never the phone number: Pluggy (and its dashboard) never learn who this is.
    clientUserId: claims.userId,
    ...(itemId ? { itemId } : {}),
    ...(deps.connectWebhookUrl ? { webhookUrl: deps.connectWebhookUrl } : {}),
  });
  return {
    connectToken: accessToken,
    mode: itemId ? ('update' as const) : ('create' as const),
    ...(itemId ? { itemId } : {}),
    includeSandbox: deps.includeSandbox,
    ...(deps.widgetUrl ? { widgetUrl: deps.widgetUrl } : {}),
  };
}

/**
 * The page says "this item was connected". Believed only after asking Pluggy: the item must exist
 * and carry this person's id as its clientUserId (set by the connect token we minted). Then it is
 * linked and synced at once, without waiting for the webhook.
 */
export async function reportConnectedItem(deps: ConnectDeps, link: string, itemId: string) {
  const claims = await verifyLink(deps, link);
  if (claims.purpose.kind === 'reconnect' && claims.purpose.itemId !== itemId) {
    throw new AppError('unauthorized', 'link-wrong-purpose', 'This connect link is for another connection.');
  }
  let item: Awaited<ReturnType<ConnectDeps['pluggy']['getItem']>>;
  try {
    item = await deps.pluggy.getItem(itemId);
  } catch (err) {
    if (err instanceof PluggyError && (err.code === 'not-found' || err.code === 'invalid-request')) {
      throw new AppError('not-found', 'item-not-found', 'Pluggy does not know this item.');
    }
    throw err;
  }
  const stored = await getItem(deps.pool, itemId);
  if (item.clientUserId !== claims.userId || (stored?.userId && stored.userId !== claims.userId)) {
    throw new AppError('forbidden', 'item-not-yours', 'This item was not connected through this link.');
  }
  await upsertItemFromPluggy(deps.pool, item, { userId: claims.userId });
  await deps.enqueueSync(itemId, claims.purpose.kind === 'reconnect' ? 'reconnected' : 'connected');
  return { itemId, status: item.status };
}

export type ConnectionStatus = {
  mode: 'create' | 'update';
  items: Array<ItemView & { accounts: AccountView[] }>;
};

/** Progress of the person's connections (only the named one for a reconnect link), with accounts once synced. */
export async function connectionStatus(deps: ConnectDeps, link: string): Promise<ConnectionStatus> {
  const claims = await verifyLink(deps, link);
  let items = await listItemViews(deps.pool, claims.userId);
  if (claims.purpose.kind === 'reconnect') {
    const only = claims.purpose.itemId;
    items = items.filter((i) => i.id === only);
  }
  const withAccounts = await Promise.all(
    items.map(async (i) => ({
      ...i,
      accounts: i.lastSuccessfulSyncAt ? (await listAccountsByItem(deps.pool, i.id)).map(accountView) : [],
    })),
  );
  return { mode: claims.purpose.kind === 'reconnect' ? 'update' : 'create', items: withAccounts };
}

/** The Connect page's chart window: the last 30 local days, today included. */
export const SPENDING_DAYS = 30;

export type ConnectionProgress = ConnectionStatus & {
  spending: {
    from: string;
    to: string;
    currencyCode: string;
    total: string;
    categories: Array<{ categoryId: string; category: string; total: string }>;
  };
};

/**
 * What the Connect page polls: the connection's progress (as connectionStatus) and the person's
 * spending by category over the last 30 days, computed by the answers' own rules (never in the
 * browser). Spending covers every connection of the person, as the assistant would report it.
 */
export async function connectionProgress(
  deps: ConnectDeps,
  link: string,
  lang: 'pt' | 'en',
  now = new Date(),
): Promise<ConnectionProgress> {
  const status = await connectionStatus(deps, link);
  const claims = verifyConnectLink(deps.linkSecret, link);
  const to = todayInSaoPaulo(now);
  const from = addDays(to, -(SPENDING_DAYS - 1));
  const rows = await spendingByCategory(deps.pool, claims.userId, { from, to }, lang);
  // Amounts are in the accounts' currency; a person's Brazilian accounts are all BRL.
  const currencyCode =
    status.items.flatMap((i) => i.accounts).find((a) => a.currencyCode)?.currencyCode ?? 'BRL';
  return {
    ...status,
    spending: {
      from,
      to,
      currencyCode,
      total: sumDecimals(rows.map((r) => r.amount)),
      categories: rows.map((r) => ({ categoryId: r.categoryId, category: r.name, total: r.amount })),
    },
  };
}
