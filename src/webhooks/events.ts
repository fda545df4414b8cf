import { z } from 'zod';
import { PLUGGY_ID_PATTERN } from '../pluggy/resources/ids.ts';

/**
 * The webhook events this service acts on (docs/pluggy.md#event-types). Anything else Pluggy may send
 * (payments, boletos, events added later) is stored and marked ignored.
 */
export const HANDLED_EVENTS = [
  'item/created',
  'item/updated',
  'item/login_succeeded',
  'item/error',
  'item/waiting_user_input',
  'item/waiting_user_action',
  'item/deleted',
  'transactions/created',
  'transactions/updated',
  'transactions/deleted',
  'connector/status_updated',
] as const;
export type HandledEvent = (typeof HANDLED_EVENTS)[number];

const HANDLED = new Set<string>(HANDLED_EVENTS);
export const isHandledEvent = (event: string): event is HandledEvent => HANDLED.has(event);

const PluggyId = z.string().regex(PLUGGY_ID_PATTERN, 'must be a Pluggy id (a UUID)');

/**
 * The envelope every delivery carries (docs/pluggy.md#event-envelope): only `event` and `eventId` are
 * required; everything else stays raw and is read by the handler of that event type. Every Pluggy id a
 * handler may act on must be a UUID when present — refused here, at the edge, rather than become
 * a job that calls Pluggy with `GET /items/..`. `id` is the item id on item events but the
 * connector id ("201") on connector/status_updated (docs/pluggy.md#connector-status-events), so only the
 * former are checked.
 */
export const EnvelopeSchema = z
  .looseObject({
    // Pluggy's event names are ASCII words and slashes; anything else (a NUL, which no text
    // column holds) is no event of theirs.
    event: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'),
    eventId: PluggyId,
    itemId: PluggyId.nullish(),
    accountId: PluggyId.nullish(),
    clientId: PluggyId.nullish(),
    transactionIds: z.array(PluggyId).max(10_000).optional(),
    id: z.unknown().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.event.startsWith('item/') && body.id !== undefined && !PLUGGY_ID_PATTERN.test(String(body.id))) {
      ctx.addIssue({ code: 'custom', path: ['id'], message: 'must be a Pluggy id (a UUID) on item events' });
    }
  });
export type Envelope = z.infer<typeof EnvelopeSchema>;

/**
 * The item an event concerns. `itemId` on item and transaction events; the deprecated `id` equals
 * the item id on item events only — on `connector/status_updated` it is the connector id
 * (docs/pluggy.md#item-events, #connector-status-events).
 */
export function itemIdOf(body: Record<string, unknown>): string | null {
  if (typeof body.itemId === 'string' && body.itemId) return body.itemId;
  const event = body.event;
  if (typeof event === 'string' && event.startsWith('item/') && typeof body.id === 'string' && body.id) {
    return body.id;
  }
  return null;
}
