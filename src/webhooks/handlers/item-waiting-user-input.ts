import type { WebhookHandler } from '../types.ts';
import { recordItemNeedingAttention } from './item-state.ts';

/**
 * `item/waiting_user_input`: the connection is blocked on an MFA code or another answer from the
 * person. While Pluggy still reports it waiting, the item cannot sync: needs-reconnect.
 */
export const handleItemWaitingUserInput: WebhookHandler = (ctx) =>
  recordItemNeedingAttention(ctx, { status: 'WAITING_USER_INPUT', waitingForPerson: true });
