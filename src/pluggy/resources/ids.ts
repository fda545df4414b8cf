import { isPluggyId } from '../../domain/pluggyId.ts';
import { PluggyError } from '../errors.ts';

// The rule itself lives in domain/pluggyId.ts, shared with every other edge.
export { isPluggyId, PLUGGY_ID_PATTERN } from '../../domain/pluggyId.ts';

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
