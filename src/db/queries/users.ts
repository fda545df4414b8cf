import type { Db } from '../pool.ts';

/** A person, known by the WhatsApp number the assistant talks to (E.164, e.g. +5511912345678). */
export type UserRow = { id: string; phoneE164: string; createdAt: Date };

const COLUMNS = `id, phone_e164 AS "phoneE164", created_at AS "createdAt"`;

/**
 * The user with this phone, created if new. Writes nothing when the user exists (no dead tuple per
 * call). `phoneE164` must already be normalized; the table's CHECK refuses anything else.
 */
export async function upsertUserByPhone(
  db: Db,
  phoneE164: string,
): Promise<{ user: UserRow; inserted: boolean }> {
  const res = await db.query<UserRow>(
    `INSERT INTO users (phone_e164) VALUES ($1)
     ON CONFLICT (phone_e164) DO NOTHING
     RETURNING ${COLUMNS}`,
    [phoneE164],
  );
  if (res.rows[0]) return { user: res.rows[0], inserted: true };
  const user = await getUserByPhone(db, phoneE164);
  if (!user) throw new Error('user vanished between insert and select'); // deleted concurrently
  return { user, inserted: false };
}

export async function getUserByPhone(db: Db, phoneE164: string): Promise<UserRow | null> {
  const res = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE phone_e164 = $1`, [phoneE164]);
  return res.rows[0] ?? null;
}

export async function getUserById(db: Db, id: string): Promise<UserRow | null> {
  const res = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return res.rows[0] ?? null;
}

/**
 * Removes the person. Their items must be purged first (items.user_id refuses a dangling person);
 * items that arrived unlinked since are let go rather than block the erasure.
 */
export async function deleteUserById(db: Db, id: string): Promise<boolean> {
  await db.query('UPDATE items SET user_id = NULL WHERE user_id = $1', [id]);
  const res = await db.query('DELETE FROM users WHERE id = $1', [id]);
  return (res.rowCount ?? 0) > 0;
}
