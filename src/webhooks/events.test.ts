import { describe, expect, it } from 'vitest';
import { EnvelopeSchema, isHandledEvent, itemIdOf } from './events.ts';

describe('webhook envelope', () => {
  it('needs string event and eventId and keeps every other field as sent', () => {
    const body = { event: 'item/updated', eventId: 'e1', itemId: 'i1', extra: { nested: [1, 2] } };
    expect(EnvelopeSchema.parse(body)).toEqual(body);
    for (const bad of [
      {},
      { event: 'item/updated' },
      { eventId: 'e1' },
      { event: 1, eventId: 'e1' },
      [],
      'x',
      null,
    ]) {
      expect(EnvelopeSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('finds the item in itemId, or in the deprecated id of item events only', () => {
    expect(itemIdOf({ event: 'transactions/created', itemId: 'i1', id: 'i1' })).toBe('i1');
    expect(itemIdOf({ event: 'item/deleted', id: 'i2' })).toBe('i2');
    // connector/status_updated carries the CONNECTOR id in `id` (contract part 03 §2.9).
    expect(itemIdOf({ event: 'connector/status_updated', id: '201' })).toBeNull();
    expect(itemIdOf({ event: 'payment_intent/completed', paymentIntentId: 'p' })).toBeNull();
  });

  it('knows which event types it handles', () => {
    expect(isHandledEvent('transactions/deleted')).toBe(true);
    expect(isHandledEvent('item/waiting_user_action')).toBe(true);
    expect(isHandledEvent('payment_intent/completed')).toBe(false);
  });
});
