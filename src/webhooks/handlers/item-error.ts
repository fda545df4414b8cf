import type { WebhookHandler } from '../types.ts';
import { recordItemNeedingAttention } from './item-state.ts';

/**
 * `item/error`: an execution ended in error (docs/pluggy.md#item-events). Needs-reconnect is set when
 * the person must act (credentials, locked account, authorization); a bank outage is not theirs to
 * fix and leaves the flag as it was.
 */
export const handleItemError: WebhookHandler = (ctx) =>
  recordItemNeedingAttention(ctx, { waitingForPerson: false });
