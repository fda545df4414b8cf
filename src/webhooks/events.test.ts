import { describe, expect, it } from 'vitest';
import { EnvelopeSchema, isHandledEvent, itemIdOf } from './events.ts';

const E1 = '9b1c7e42-3d6a-4f0e-8a55-2c4e1d7b6f90';
const I1 = 'a3f8d2c1-6b4e-4a7d-9e02-5c1b8f7e3d64';

describe('webhook envelope', () => {
  it('needs string event and eventId and keeps every other field as sent', () => {
    const body = { event: 'item/updated', eventId: E1, itemId: I1, extra: { nested: [1, 2] } };
    expect(EnvelopeSchema.parse(body)).toEqual(body);
    for (const bad of [
      {},
      { event: 'item/updated' },
      { eventId: E1 },
      { event: 1, eventId: E1 },
      { event: 'item/\u0000', eventId: E1 },
      { event: 'item updated', eventId: E1 },
      [],
      'x',
      null,
    ]) {
      expect(EnvelopeSchema.safeParse(bad).success).toBe(false);
    }
  });

  it('refuses any Pluggy id that is not a UUID, so none can become a request path', () => {
    const ok = {
      event: 'transactions/updated',
      eventId: E1,
      itemId: I1,
      accountId: I1,
      transactionIds: [I1],
    };
    expect(EnvelopeSchema.safeParse(ok).success).toBe(true);
    for (const [field, value] of [
      ['eventId', 'e1'],
      ['itemId', '..'],
      ['itemId', `${I1}/../x`],
      ['accountId', 'acc?x=1'],
      ['clientId', ''],
      ['transactionIds', [I1, '../../items']],
      ['transactionIds', I1],
      ['id', '..'],
    ] as const) {
      const parsed = EnvelopeSchema.safeParse({ ...ok, event: 'item/updated', [field]: value });
      expect(parsed.success, `${field}=${JSON.stringify(value)}`).toBe(false);
      expect(parsed.error?.issues[0]?.path[0]).toBe(field);
    }
    // The connector id rides in `id` on connector events (docs/pluggy.md#connector-status-events).
    expect(
      EnvelopeSchema.safeParse({ event: 'connector/status_updated', eventId: E1, id: '201' }).success,
    ).toBe(true);
  });

  it('finds the item in itemId, or in the deprecated id of item events only', () => {
    expect(itemIdOf({ event: 'transactions/created', itemId: 'i1', id: 'i1' })).toBe('i1');
    expect(itemIdOf({ event: 'item/deleted', id: 'i2' })).toBe('i2');
    // connector/status_updated carries the CONNECTOR id in `id` (docs/pluggy.md#connector-status-events).
    expect(itemIdOf({ event: 'connector/status_updated', id: '201' })).toBeNull();
    expect(itemIdOf({ event: 'payment_intent/completed', paymentIntentId: 'p' })).toBeNull();
  });

  it('knows which event types it handles', () => {
    expect(isHandledEvent('transactions/deleted')).toBe(true);
    expect(isHandledEvent('item/waiting_user_action')).toBe(true);
    expect(isHandledEvent('payment_intent/completed')).toBe(false);
  });
});
