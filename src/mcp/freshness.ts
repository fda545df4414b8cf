import type { ItemView } from '../reads/schemas.ts';

/**
 * How current an answer is, as the REST API says it: the oldest last successful sync among the
 * person's connections (null when none has synced yet). An answer is only as fresh as its
 * stalest source.
 */
export function asOfOf(items: readonly ItemView[]): string | null {
  let oldest: string | null = null;
  for (const i of items) {
    if (!i.lastSuccessfulSyncAt) return null;
    if (oldest === null || i.lastSuccessfulSyncAt < oldest) oldest = i.lastSuccessfulSyncAt;
  }
  return oldest;
}
