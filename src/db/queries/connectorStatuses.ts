import type { Db } from '../pool.ts';

export type ConnectorStatusRow = {
  connectorId: number;
  status: string;
  eventId: string;
  changedAt: Date;
  updatedAt: Date;
};

/**
 * Records a connector's status unless one whose event reached us later is already stored. Returns
 * whether the row changed.
 *
 * `changedAt` is when the event was first stored here, not when Pluggy emitted it: the payload
 * carries no time of its own (docs/pluggy.md#connector-status-events). So this keeps out an older event that
 * is merely PROCESSED late (a job retry, a redrive or `webhooks replay` after a newer event was
 * processed), and a redelivery of a stored eventId changes nothing. It does not keep out an older
 * event that first REACHED us late — e.g. Pluggy's retry, up to hours later, of a delivery we
 * answered with 503 or too slowly (docs/pluggy.md#deliveries-and-retries): that one overwrites a newer status
 * until the next status event. The comment in migration 002 claims more than this; the migration is applied
 * and stays as it is.
 */
export async function recordConnectorStatus(
  db: Db,
  s: { connectorId: number; status: string; eventId: string; changedAt: Date },
): Promise<boolean> {
  const res = await db.query(
    `INSERT INTO connector_statuses (connector_id, status, event_id, changed_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (connector_id) DO UPDATE SET
       status = excluded.status, event_id = excluded.event_id, changed_at = excluded.changed_at,
       updated_at = now()
     WHERE excluded.changed_at >= connector_statuses.changed_at
       AND connector_statuses.event_id <> excluded.event_id`,
    [s.connectorId, s.status, s.eventId, s.changedAt],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function getConnectorStatus(db: Db, connectorId: number): Promise<ConnectorStatusRow | null> {
  const res = await db.query<ConnectorStatusRow>(
    `SELECT connector_id AS "connectorId", status, event_id AS "eventId", changed_at AS "changedAt",
       updated_at AS "updatedAt"
     FROM connector_statuses WHERE connector_id = $1`,
    [connectorId],
  );
  return res.rows[0] ?? null;
}

/** The person's connectors Pluggy last announced as not ONLINE (UNSTABLE, OFFLINE, …). */
export async function listTroubledConnectorsOfUser(
  db: Db,
  userId: string,
): Promise<Array<{ connectorId: number; connectorName: string | null; status: string; changedAt: Date }>> {
  const { rows } = await db.query(
    `SELECT DISTINCT ON (c.connector_id) c.connector_id AS "connectorId", i.connector_name AS "connectorName",
            c.status, c.changed_at AS "changedAt"
       FROM items i JOIN connector_statuses c ON c.connector_id = i.connector_id
      WHERE i.user_id = $1 AND i.deleted_at IS NULL AND c.status <> 'ONLINE'
      ORDER BY c.connector_id, i.created_at`,
    [userId],
  );
  return rows;
}
