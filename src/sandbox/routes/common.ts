/**
 * Request checks shared by the routes, with Pluggy's generic validation messages
 * ("itemId should not be null or undefined,itemId must be a UUID"; docs/pluggy.md#error-bodies).
 */
import type { ConnectTokenClaims, TokenClaims } from '../auth.ts';
import { forbidden, invalid, itemNotFound, PluggyError } from '../errors.ts';
import { UUID_RE } from '../random.ts';
import type { ItemState, Store } from '../store.ts';

export function requireUuid(name: string, value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') {
    throw invalid(`${name} should not be null or undefined`, `${name} must be a UUID`);
  }
  if (!UUID_RE.test(value)) throw invalid(`${name} must be a UUID`);
  return value.toLowerCase();
}

export function optionalBool(name: string, value: string | null): boolean | undefined {
  if (value === null) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(`${name} must be a boolean value`);
}

/** page/pageSize as Pluggy's lists take them (1-based, pageSize ≤ 500, default 20). */
function pageParams(query: URLSearchParams, defaultSize = 20): { page: number; pageSize: number } {
  const msgs: string[] = [];
  const num = (name: string, def: number, max?: number) => {
    const raw = query.get(name);
    if (raw === null || raw === '') return def;
    const n = Number(raw);
    if (!Number.isInteger(n)) {
      msgs.push(`${name} must be an integer number`);
      return def;
    }
    if (n < 1) msgs.push(`${name} must not be less than 1`);
    if (max !== undefined && n > max) msgs.push(`${name} must not be greater than ${max}`);
    return n;
  };
  const page = num('page', 1);
  const pageSize = num('pageSize', defaultSize, 500);
  if (msgs.length) throw invalid(...msgs);
  return { page, pageSize };
}

export type Page<T> = { total: number; totalPages: number; page: number; results: T[] };

export function paginate<T>(all: T[], query: URLSearchParams, defaultSize = 20): Page<T> {
  const { page, pageSize } = pageParams(query, defaultSize);
  return {
    total: all.length,
    totalPages: Math.ceil(all.length / pageSize),
    page,
    results: all.slice((page - 1) * pageSize, page * pageSize),
  };
}

/** A whole list in one page (connectors, an item's accounts, webhooks). */
export function onePage<T>(all: T[]): Page<T> {
  return { total: all.length, totalPages: all.length > 0 ? 1 : 0, page: 1, results: all };
}

/**
 * Webhook URLs: Pluggy wants public HTTPS on 443 with a DNS name; the sandbox also accepts
 * http://, IP literals and localhost so local receivers work (documented local deviation).
 */
export function isWebhookUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** Whether a connect token may see this item: created with it, or named by it (update mode). */
function tokenReachesItem(auth: TokenClaims | null, item: ItemState): boolean {
  if (!auth || auth.kind === 'api_key') return true;
  return item.connectTokenId === auth.jti || auth.itemId === item.id;
}

export function findItem(
  store: Store,
  auth: TokenClaims | null,
  rawId: string | null | undefined,
  name = 'id',
): ItemState {
  const id = requireUuid(name, rawId);
  const item = store.items.get(id);
  if (!item) throw itemNotFound();
  if (!tokenReachesItem(auth, item)) throw forbidden('Connect token can not access this item');
  return item;
}

export function asConnectToken(auth: TokenClaims | null): ConnectTokenClaims | null {
  return auth?.kind === 'connect_token' ? auth : null;
}

export function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new PluggyError(400, { code: 400, message: 'body must be an object' });
  }
  return body as Record<string, unknown>;
}
