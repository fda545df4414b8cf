import type { WebhookHandler } from '../types.ts';
import { recordItemNeedingAttention } from './item-state.ts';

/**
 * `item/waiting_user_action`: the connection waits for the person to do something outside the
 * widget (approve access in the bank app, scan a QR: Item.userAction, docs/pluggy.md#item-object).
 * Like an unanswered MFA prompt, the item cannot sync until they do: needs-reconnect.
 */
export const handleItemWaitingUserAction: WebhookHandler = (ctx) =>
  recordItemNeedingAttention(ctx, { status: 'WAITING_USER_ACTION', waitingForPerson: true });
