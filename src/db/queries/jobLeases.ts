import type { Db } from '../pool.ts';

/** A running job attempt held by one worker process (table job_leases, migration 004). */
export type JobLease = {
  jobId: string;
  queue: string;
  itemId: string | null;
  owner: string;
  startedOn: Date;
  heartbeatAt: Date;
};

const COLUMNS = `job_id AS "jobId", queue, item_id AS "itemId", owner, started_on AS "startedOn",
  heartbeat_at AS "heartbeatAt"`;

/** Takes (or takes over: a retry keeps its job id) the lease of a job attempt. */
export async function takeLease(
  db: Db,
  lease: { jobId: string; queue: string; itemId: string | null; owner: string; startedOn: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO job_leases (job_id, queue, item_id, owner, started_on, heartbeat_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (job_id) DO UPDATE SET queue = EXCLUDED.queue, item_id = EXCLUDED.item_id,
       owner = EXCLUDED.owner, started_on = EXCLUDED.started_on, heartbeat_at = now()`,
    [lease.jobId, lease.queue, lease.itemId, lease.owner, lease.startedOn],
  );
}

/** Takes the leases of many attempts in one statement (a fetched batch of webhook jobs). */
export async function takeLeases(
  db: Db,
  owner: string,
  leases: ReadonlyArray<{ jobId: string; queue: string; itemId: string | null; startedOn: Date }>,
): Promise<void> {
  if (!leases.length) return;
  await db.query(
    `INSERT INTO job_leases (job_id, queue, item_id, owner, started_on, heartbeat_at)
     SELECT j, q, i, $5, s, now() FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) AS l(j, q, i, s)
     ON CONFLICT (job_id) DO UPDATE SET queue = EXCLUDED.queue, item_id = EXCLUDED.item_id,
       owner = EXCLUDED.owner, started_on = EXCLUDED.started_on, heartbeat_at = now()`,
    [
      leases.map((l) => l.jobId),
      leases.map((l) => l.queue),
      leases.map((l) => l.itemId),
      leases.map((l) => l.startedOn),
      owner,
    ],
  );
}

/** Ends many of one owner's leases in one statement. */
export async function releaseLeases(db: Db, jobIds: readonly string[], owner: string): Promise<void> {
  if (!jobIds.length) return;
  await db.query('DELETE FROM job_leases WHERE job_id = ANY ($1::uuid[]) AND owner = $2', [jobIds, owner]);
}

/** One statement per process however many jobs it runs. Returns how many leases it renewed. */
export async function heartbeatLeases(db: Db, owner: string): Promise<number> {
  const res = await db.query('UPDATE job_leases SET heartbeat_at = now() WHERE owner = $1', [owner]);
  return res.rowCount ?? 0;
}

/** Leases whose owner has not renewed them for `staleSeconds`, oldest first. */
export async function listStaleLeases(db: Db, staleSeconds: number, limit = 100): Promise<JobLease[]> {
  const res = await db.query<JobLease>(
    `SELECT ${COLUMNS} FROM job_leases
     WHERE heartbeat_at < now() - make_interval(secs => $1)
     ORDER BY heartbeat_at LIMIT $2`,
    [staleSeconds, limit],
  );
  return res.rows;
}

/**
 * Claims a stale lease for reclaiming: deletes it only if it is still that owner's and still stale,
 * so two reclaimers never both act, and a lease renewed or taken over in between is kept. True
 * when this caller claimed it.
 */
export async function claimStaleLease(
  db: Db,
  lease: Pick<JobLease, 'jobId' | 'owner'>,
  staleSeconds: number,
): Promise<boolean> {
  const res = await db.query(
    `DELETE FROM job_leases
     WHERE job_id = $1 AND owner = $2 AND heartbeat_at < now() - make_interval(secs => $3)`,
    [lease.jobId, lease.owner, staleSeconds],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function listLeases(db: Db): Promise<JobLease[]> {
  return (await db.query<JobLease>(`SELECT ${COLUMNS} FROM job_leases ORDER BY heartbeat_at`)).rows;
}
