/**
 * When does a connection wait for its owner? One rule, shared by the webhook handlers and the
 * sync, so "reconnect your bank" is never shown for an outage nobody but the bank can fix.
 */
type ItemLike = { status: string; executionStatus?: string | null; error?: unknown };

/**
 * Execution errors only the person can fix (new password, unlock, authorize in the bank app,
 * answer in time): docs/pluggy.md#item-events, #item-statuses. The others (SITE_NOT_AVAILABLE,
 * CONNECTION_ERROR, UNEXPECTED_ERROR, ALREADY_LOGGED_IN — another session open at the bank, …)
 * are the bank's or Pluggy's and heal on a later update (docs/pluggy.md#execution-lifecycle lists them as
 * retryable).
 */
const USER_FIXABLE_ERRORS = new Set([
  'INVALID_CREDENTIALS',
  'INVALID_CREDENTIALS_MFA',
  'ACCOUNT_LOCKED',
  'ACCOUNT_CREDENTIALS_RESET',
  'ACCOUNT_NEEDS_ACTION',
  'USER_AUTHORIZATION_PENDING',
  'USER_AUTHORIZATION_NOT_GRANTED',
  'USER_INPUT_TIMEOUT',
]);
const WAITING_FOR_PERSON = new Set(['WAITING_USER_INPUT', 'WAITING_USER_ACTION']);

export function errorCode(value: unknown): string | undefined {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUserFixable(code: string | undefined): boolean {
  return code !== undefined && USER_FIXABLE_ERRORS.has(code);
}

/**
 * Whether the item, as Pluggy reports it NOW, waits for the person: an MFA prompt, an action at
 * the bank, or a login error only they can fix. Decided from the fetched item, never from the
 * event alone: events arrive late and out of order (docs/pluggy.md#event-envelope), and a stale
 * item/waiting_user_input must not flag an item that has finished since.
 *
 * Storing an item (src/sync/storeItem.ts) only ever SETS needs-reconnect. It is cleared by the
 * next successful sync of the item (markItemCurrent), which item/updated starts with reason
 * 'reconnected' when the item was flagged: the person is told "fixed" only once their data is
 * current again.
 */
export function needsPerson(item: ItemLike): boolean {
  if (WAITING_FOR_PERSON.has(item.status)) return true;
  // LOGIN_ERROR: no auto-sync until new parameters (docs/pluggy.md#item-statuses), and only the person can
  // give them, whatever the error code says.
  if (item.status === 'LOGIN_ERROR') return true;
  // OUTDATED: the login worked and the run failed — retryable, unless the error is theirs to fix.
  if (item.status === 'OUTDATED')
    return isUserFixable(errorCode(item.error) ?? item.executionStatus ?? undefined);
  return false;
}
