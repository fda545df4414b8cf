import type { Db } from '../db/pool.ts';
import { getItem, type ItemRow, listLiveItemsWithSyncState } from '../db/queries/items.ts';
import { AppError } from '../domain/errors.ts';
import { errorCode } from '../domain/itemHealth.ts';
import { iso } from './money.ts';
import type { ItemView } from './schemas.ts';

/** What the assistant can tell the person, by Pluggy's execution error or item status. */
const REASONS: Record<string, string> = {
  INVALID_CREDENTIALS: 'The bank refused the password: connect again with the current one.',
  INVALID_CREDENTIALS_MFA: 'The verification code was wrong or expired: connect again.',
  ACCOUNT_LOCKED: 'The bank locked the access: unlock it with the bank, then connect again.',
  ACCOUNT_CREDENTIALS_RESET: 'The bank asks for a new password: set it at the bank, then connect again.',
  ACCOUNT_NEEDS_ACTION: 'The bank asks for an action in its app or site first, then connect again.',
  USER_AUTHORIZATION_PENDING: 'The access still waits for approval in the bank app.',
  USER_AUTHORIZATION_NOT_GRANTED: 'The access was not approved in the bank app: connect again.',
  USER_INPUT_TIMEOUT: 'The verification code was not given in time: connect again.',
  WAITING_USER_INPUT: 'The bank waits for a verification code: open the connect link.',
  WAITING_USER_ACTION: 'The bank waits for an action from the person (e.g. approve in the app).',
  LOGIN_ERROR: 'The bank login stopped working: connect again.',
  CONSENT_EXPIRED: 'The Open Finance consent expired: connect again to renew it.',
  CONSENT_REVOKED: 'The Open Finance consent was revoked: connect again to renew it.',
};

export function reconnectReason(item: ItemRow): string | null {
  if (!item.needsReconnect) return null;
  const code = errorCode(item.error) ?? item.executionStatus ?? undefined;
  return (
    (code && REASONS[code]) ??
    (item.status && REASONS[item.status]) ??
    'The connection needs the person to log in again.'
  );
}

export function itemView(item: ItemRow, running: boolean): ItemView {
  return {
    id: item.id,
    institution: { connectorId: item.connectorId, name: item.connectorName },
    status: item.status,
    executionStatus: item.executionStatus,
    needsReconnect: item.needsReconnect,
    reconnectReason: reconnectReason(item),
    lastSuccessfulSyncAt: iso(item.lastSyncedAt),
    syncRunning: running,
    consentExpiresAt: iso(item.consentExpiresAt),
    createdAt: item.createdAt.toISOString(),
  };
}

export async function listItemViews(db: Db, userId: string): Promise<ItemView[]> {
  return (await listLiveItemsWithSyncState(db, userId)).map((i) => itemView(i, i.syncRunning));
}

/**
 * The person's live item, or AppError item-not-found: an id that belongs to someone else answers
 * exactly like one that does not exist, so ids cannot be probed.
 */
export async function requirePersonItem(db: Db, userId: string, itemId: string): Promise<ItemRow> {
  const item = await getItem(db, itemId);
  if (!item || item.userId !== userId || item.deletedAt) {
    throw new AppError('not-found', 'item-not-found', 'No such item for this person.');
  }
  return item;
}
