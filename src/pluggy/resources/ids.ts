import { PluggyError } from '../errors.ts';

/**
 * Pluggy's ids (items, accounts, transactions, webhooks, investments, loans, bills…) are UUIDs
 * (docs/pluggy.md). Only the shape is checked, not the RFC version or variant digits: the point is
 * that nothing else — "..", "/", "?" — ever reaches a request path.
 */
export const PLUGGY_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isPluggyId = (value: unknown): boolean =>
  typeof value === 'string' && PLUGGY_ID_PATTERN.test(value);

/**
 * A path segment for the id `value` (named `what` in the error), refused before any request is
 * made when it is not a Pluggy id: a typed invalid-request error, no HTTP call. Encoded even so,
 * so a looser check later cannot turn an id into a path.
 */
export function idSegment(what: string, value: string, method: string, path: string): string {
  return encodeURIComponent(checkedId(what, value, method, path));
}

/** `value` itself, or the invalid-request error idSegment throws: for ids sent in a query. */
export function checkedId(what: string, value: string, method: string, path: string): string {
  if (isPluggyId(value)) return value;
  throw new PluggyError({
    code: 'invalid-request',
    message: `${what} must be a Pluggy id (a UUID)`,
    method,
    path,
  });
}
