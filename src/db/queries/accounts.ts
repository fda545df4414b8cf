import { type UpsertCounts, upsertInBatches } from '../batch.ts';
import { json, type MoneyIn, money, type TimeIn, text, time } from '../params.ts';
import type { Db } from '../pool.ts';

/**
 * Pluggy's Account (docs/pluggy.md#accounts-and-balances): the fields we normalize; the whole object goes to
 * raw.
 */
export type PluggyAccountIn = {
  id: string;
  type: string;
  subtype?: string | null;
  name?: string | null;
  marketingName?: string | null;
  number?: string | null;
  balance?: MoneyIn;
  currencyCode?: string | null;
  owner?: string | null;
  taxNumber?: string | null;
  bankData?: unknown;
  creditData?: {
    creditLimit?: MoneyIn;
    availableCreditLimit?: MoneyIn;
    balanceDueDate?: TimeIn;
    balanceCloseDate?: TimeIn;
  } | null;
};

/** Money columns are decimal strings exactly as stored (numeric(19,4), e.g. "2315.8700"); never floats. */
export type AccountRow = {
  id: string;
  itemId: string;
  type: string;
  subtype: string | null;
  name: string | null;
  marketingName: string | null;
  number: string | null;
  balance: string | null;
  currencyCode: string | null;
  owner: string | null;
  taxNumber: string | null;
  bankData: unknown;
  creditData: unknown;
  creditLimit: string | null;
  availableCreditLimit: string | null;
  billDueDate: Date | null;
  billCloseDate: Date | null;
  raw: unknown;
  syncedAt: Date;
  updatedAt: Date;
};

const COLUMNS = `a.id, a.item_id AS "itemId", a.type, a.subtype, a.name, a.marketing_name AS "marketingName",
  a.number, a.balance, a.currency_code AS "currencyCode", a.owner, a.tax_number AS "taxNumber",
  a.bank_data AS "bankData", a.credit_data AS "creditData", a.credit_limit AS "creditLimit",
  a.available_credit_limit AS "availableCreditLimit", a.bill_due_date AS "billDueDate",
  a.bill_close_date AS "billCloseDate", a.raw, a.synced_at AS "syncedAt", a.updated_at AS "updatedAt"`;

const UPSERT = `
  INSERT INTO accounts AS t (id, item_id, type, subtype, name, marketing_name, number, balance, currency_code,
    owner, tax_number, bank_data, credit_data, credit_limit, available_credit_limit, bill_due_date,
    bill_close_date, raw)
  SELECT u.id, $1, u.type, u.subtype, u.name, u.marketing_name, u.number, u.balance, u.currency_code,
    u.owner, u.tax_number, u.bank_data, u.credit_data, u.credit_limit, u.available_credit_limit,
    u.bill_due_date, u.bill_close_date, u.raw
  FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[],
    $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::jsonb[], $14::numeric[], $15::numeric[],
    $16::timestamptz[], $17::timestamptz[], $18::jsonb[])
    AS u(id, type, subtype, name, marketing_name, number, balance, currency_code, owner, tax_number,
      bank_data, credit_data, credit_limit, available_credit_limit, bill_due_date, bill_close_date, raw)
  ON CONFLICT (id) DO UPDATE SET
    item_id = excluded.item_id,
    type = excluded.type,
    subtype = excluded.subtype,
    name = excluded.name,
    marketing_name = excluded.marketing_name,
    number = excluded.number,
    balance = excluded.balance,
    currency_code = excluded.currency_code,
    owner = excluded.owner,
    tax_number = excluded.tax_number,
    bank_data = excluded.bank_data,
    credit_data = excluded.credit_data,
    credit_limit = excluded.credit_limit,
    available_credit_limit = excluded.available_credit_limit,
    bill_due_date = excluded.bill_due_date,
    bill_close_date = excluded.bill_close_date,
    raw = excluded.raw,
    synced_at = now(),
    updated_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

/** Batched upsert of an item's accounts; identical rows are not written (see UpsertCounts). */
export async function upsertAccounts(
  db: Db,
  itemId: string,
  accounts: readonly PluggyAccountIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, accounts, UPSERT, (b) => [
    itemId,
    b.map((a) => a.id),
    b.map((a) => a.type),
    b.map((a) => text(a.subtype)),
    b.map((a) => text(a.name)),
    b.map((a) => text(a.marketingName)),
    b.map((a) => text(a.number)),
    b.map((a) => money(a.balance)),
    b.map((a) => text(a.currencyCode)),
    b.map((a) => text(a.owner)),
    b.map((a) => text(a.taxNumber)),
    b.map((a) => json(a.bankData)),
    b.map((a) => json(a.creditData)),
    b.map((a) => money(a.creditData?.creditLimit)),
    b.map((a) => money(a.creditData?.availableCreditLimit)),
    b.map((a) => time(a.creditData?.balanceDueDate)),
    b.map((a) => time(a.creditData?.balanceCloseDate)),
    b.map((a) => json(a)),
  ]);
}

export async function getAccount(db: Db, id: string): Promise<AccountRow | null> {
  const res = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM accounts a WHERE a.id = $1`, [id]);
  return res.rows[0] ?? null;
}

export async function listAccountsByItem(db: Db, itemId: string): Promise<AccountRow[]> {
  const res = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM accounts a WHERE a.item_id = $1 ORDER BY a.type, a.name, a.id`,
    [itemId],
  );
  return res.rows;
}

/** Every account of a person's live (not deleted) items. */
export async function listAccountsByUser(db: Db, userId: string): Promise<AccountRow[]> {
  const res = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM accounts a JOIN items i ON i.id = a.item_id
     WHERE i.user_id = $1 AND i.deleted_at IS NULL
     ORDER BY a.item_id, a.type, a.name, a.id`,
    [userId],
  );
  return res.rows;
}

/** After a full account list from Pluggy: removes the item's accounts not in it (cascading). Returns the count. */
export async function deleteAccountsNotIn(
  db: Db,
  itemId: string,
  keepIds: readonly string[],
): Promise<number> {
  const res = await db.query('DELETE FROM accounts WHERE item_id = $1 AND NOT (id = ANY($2::text[]))', [
    itemId,
    [...keepIds],
  ]);
  // sync_state hangs off the item, not the account, so no cascade: without this, an account that
  // came back would resume from its old watermark and miss its history.
  await db.query(
    "DELETE FROM sync_state WHERE item_id = $1 AND account_id <> '' AND NOT (account_id = ANY($2::text[]))",
    [itemId, [...keepIds]],
  );
  return res.rowCount ?? 0;
}
