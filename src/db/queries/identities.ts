import { json, type TimeIn, text, time } from '../params.ts';
import type { Db } from '../pool.ts';
import type { WriteOutcome } from './items.ts';

/** Pluggy's Identity (docs/pluggy.md#identity): the fields we normalize; the whole object goes to raw. */
export type PluggyIdentityIn = {
  id: string;
  fullName?: string | null;
  companyName?: string | null;
  document?: string | null;
  documentType?: string | null;
  taxNumber?: string | null;
  birthDate?: TimeIn;
  emails?: unknown;
  phoneNumbers?: unknown;
  addresses?: unknown;
};

export type IdentityRow = {
  id: string;
  itemId: string;
  fullName: string | null;
  companyName: string | null;
  document: string | null;
  documentType: string | null;
  taxNumber: string | null;
  birthDate: Date | null;
  emails: unknown;
  phones: unknown;
  addresses: unknown;
  raw: unknown;
  syncedAt: Date;
};

const COLUMNS = `d.id, d.item_id AS "itemId", d.full_name AS "fullName", d.company_name AS "companyName",
  d.document, d.document_type AS "documentType", d.tax_number AS "taxNumber", d.birth_date AS "birthDate",
  d.emails, d.phones, d.addresses, d.raw, d.synced_at AS "syncedAt"`;

/**
 * The item's identity (one per item). Keyed on the item, so a new identity id from Pluggy
 * replaces the old row instead of colliding. Identical raw → nothing written.
 */
export async function upsertIdentity(
  db: Db,
  itemId: string,
  identity: PluggyIdentityIn,
): Promise<WriteOutcome> {
  const res = await db.query<{ inserted: boolean }>(
    `INSERT INTO identities AS t (id, item_id, full_name, company_name, document, document_type, tax_number,
       birth_date, emails, phones, addresses, raw)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (item_id) DO UPDATE SET
       id = excluded.id,
       full_name = excluded.full_name,
       company_name = excluded.company_name,
       document = excluded.document,
       document_type = excluded.document_type,
       tax_number = excluded.tax_number,
       birth_date = excluded.birth_date,
       emails = excluded.emails,
       phones = excluded.phones,
       addresses = excluded.addresses,
       raw = excluded.raw,
       synced_at = now()
     WHERE t.raw IS DISTINCT FROM excluded.raw
     RETURNING (xmax = 0) AS inserted`,
    [
      identity.id,
      itemId,
      text(identity.fullName),
      text(identity.companyName),
      text(identity.document),
      text(identity.documentType),
      text(identity.taxNumber),
      time(identity.birthDate),
      json(identity.emails),
      json(identity.phoneNumbers),
      json(identity.addresses),
      json(identity),
    ],
  );
  const row = res.rows[0];
  return row ? (row.inserted ? 'inserted' : 'updated') : 'unchanged';
}

export async function getIdentityByItem(db: Db, itemId: string): Promise<IdentityRow | null> {
  const res = await db.query<IdentityRow>(`SELECT ${COLUMNS} FROM identities d WHERE d.item_id = $1`, [
    itemId,
  ]);
  return res.rows[0] ?? null;
}

/** One identity per live item of the person (each bank may hold different details). */
export async function listIdentitiesByUser(db: Db, userId: string): Promise<IdentityRow[]> {
  const res = await db.query<IdentityRow>(
    `SELECT ${COLUMNS} FROM identities d JOIN items i ON i.id = d.item_id
     WHERE i.user_id = $1 AND i.deleted_at IS NULL ORDER BY i.created_at, d.id`,
    [userId],
  );
  return res.rows;
}
