import { getUserByPhone, upsertUserByPhone, type UserRow } from '../db/queries/users.ts';
import type { Db } from '../db/pool.ts';
import { AppError } from '../domain/errors.ts';
import { normalizePhone } from '../domain/phone.ts';
import type { Person } from './schemas.ts';

export const personView = (u: UserRow): Person => ({
  id: u.id,
  phone: u.phoneE164,
  createdAt: u.createdAt.toISOString(),
});

/** Idempotent: the same person however the number is written. */
export async function ensurePerson(db: Db, phone: unknown, field = 'phone') {
  const { user, inserted } = await upsertUserByPhone(db, normalizePhone(phone, field));
  return { person: personView(user), user, created: inserted };
}

/** The person with this number; AppError user-not-found (404) when there is none. */
export async function findPerson(db: Db, phone: unknown, field = 'phone'): Promise<UserRow> {
  const user = await getUserByPhone(db, normalizePhone(phone, field));
  if (!user) throw new AppError('not-found', 'user-not-found', 'No person with that phone number.');
  return user;
}
