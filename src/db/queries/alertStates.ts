import type { Db } from '../pool.ts';

export type AlertState = { alertId: string; firstSeenAt: Date; isNew: boolean };

/**
 * Records that these alerts were shown now. An alert is new only on the request that first stores
 * it; later requests find it and get its first time.
 */
export async function recordAlertsShown(
  db: Db,
  userId: string,
  alerts: ReadonlyArray<{ id: string; kind: string }>,
): Promise<Map<string, AlertState>> {
  if (alerts.length === 0) return new Map();
  const { rows } = await db.query<AlertState>(
    `INSERT INTO alert_states (user_id, alert_id, kind)
     SELECT $1, a.id, a.kind FROM unnest($2::text[], $3::text[]) AS a(id, kind)
     ON CONFLICT (user_id, alert_id) DO UPDATE SET last_seen_at = now()
     RETURNING alert_id AS "alertId", first_seen_at AS "firstSeenAt", (xmax = 0) AS "isNew"`,
    [userId, alerts.map((a) => a.id), alerts.map((a) => a.kind)],
  );
  return new Map(rows.map((r) => [r.alertId, r]));
}
