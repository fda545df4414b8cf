import type { Db } from '../pool.ts';

/** Idempotent: revoking twice keeps the first time. */
export async function revokeAssistantToken(
  db: Db,
  r: { tokenId: string; userId: string; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO assistant_token_revocations (token_id, user_id, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (token_id) DO NOTHING`,
    [r.tokenId, r.userId, r.expiresAt],
  );
}

export async function isAssistantTokenRevoked(db: Db, tokenId: string): Promise<boolean> {
  const res = await db.query('SELECT 1 FROM assistant_token_revocations WHERE token_id = $1', [tokenId]);
  return (res.rowCount ?? 0) > 0;
}

/** The person's erasure: their revocations go with them (their tokens die with the person anyway). */
export async function deleteRevocationsOfPerson(db: Db, userId: string): Promise<void> {
  await db.query('DELETE FROM assistant_token_revocations WHERE user_id = $1', [userId]);
}
