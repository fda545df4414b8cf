import type pg from 'pg';
import type { WebhookOutcome } from '../db/queries/webhookEvents.ts';

/**
 * Locks one stored event's row for the rest of the caller's transaction and returns its outcome
 * as committed. Two processings of the same event (a replay racing a retry) thus serialize, and
 * the second sees the first one's `processed`.
 */
export async function lockEvent(client: pg.PoolClient, eventId: string): Promise<WebhookOutcome | null> {
  const res = await client.query<{ outcome: WebhookOutcome }>(
    'SELECT outcome FROM webhook_events WHERE event_id = $1 FOR UPDATE',
    [eventId],
  );
  return res.rows[0]?.outcome ?? null;
}
