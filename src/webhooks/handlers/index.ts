import type { HandledEvent } from '../events.ts';
import type { WebhookHandler } from '../types.ts';
import { handleConnectorStatusUpdated } from './connector-status-updated.ts';
import { handleItemCreated } from './item-created.ts';
import { handleItemDeleted } from './item-deleted.ts';
import { handleItemError } from './item-error.ts';
import { handleItemLoginSucceeded } from './item-login-succeeded.ts';
import { handleItemUpdated } from './item-updated.ts';
import { handleItemWaitingUserAction } from './item-waiting-user-action.ts';
import { handleItemWaitingUserInput } from './item-waiting-user-input.ts';
import { handleTransactionsCreated } from './transactions-created.ts';
import { handleTransactionsDeleted } from './transactions-deleted.ts';
import { handleTransactionsUpdated } from './transactions-updated.ts';

/** What the service reacts to: one handler per Pluggy event type (docs/pluggy.md#event-types). */
export const HANDLERS: Record<HandledEvent, WebhookHandler> = {
  'item/created': handleItemCreated,
  'item/updated': handleItemUpdated,
  'item/login_succeeded': handleItemLoginSucceeded,
  'item/error': handleItemError,
  'item/waiting_user_input': handleItemWaitingUserInput,
  'item/waiting_user_action': handleItemWaitingUserAction,
  'item/deleted': handleItemDeleted,
  'transactions/created': handleTransactionsCreated,
  'transactions/updated': handleTransactionsUpdated,
  'transactions/deleted': handleTransactionsDeleted,
  'connector/status_updated': handleConnectorStatusUpdated,
};
