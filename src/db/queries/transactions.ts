import { type UpsertCounts, upsertInBatches } from '../batch.ts';
import { int, json, type MoneyIn, money, type TimeIn, text, time, clampLimit } from '../params.ts';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../pool.ts';

/**
 * Pluggy's Transaction (docs/pluggy.md#transaction-fields): the fields we normalize; the whole object goes to
 * raw.
 */
export type PluggyTransactionIn = {
  id: string;
  accountId: string;
  date: TimeIn;
  description?: string | null;
  descriptionRaw?: string | null;
  currencyCode?: string | null;
  amount: MoneyIn;
  amountInAccountCurrency?: MoneyIn;
  balance?: MoneyIn;
  type: string;
  /** Missing means POSTED (docs/pluggy.md#transaction-fields). */
  status?: string | null;
  category?: string | null;
  categoryId?: string | null;
  providerId?: string | null;
  operationType?: string | null;
  paymentData?: { paymentMethod?: string | null } | null;
  creditCardMetadata?: {
    installmentNumber?: number | null;
    totalInstallments?: number | null;
    purchaseDate?: TimeIn;
    billId?: string | null;
  } | null;
  merchant?: { name?: string | null; businessName?: string | null; cnpj?: string | null } | null;
  createdAt: TimeIn;
  updatedAt?: TimeIn;
};

/** Money columns are decimal strings exactly as stored (numeric(19,4), e.g. "-150.0000"); never floats. */
export type TransactionRow = {
  id: string;
  accountId: string;
  itemId: string;
  amount: string;
  currencyCode: string | null;
  amountInAccountCurrency: string | null;
  date: Date;
  description: string | null;
  descriptionRaw: string | null;
  category: string | null;
  categoryId: string | null;
  status: 'PENDING' | 'POSTED';
  type: 'DEBIT' | 'CREDIT';
  balance: string | null;
  providerId: string | null;
  operationType: string | null;
  installmentNumber: number | null;
  totalInstallments: number | null;
  billId: string | null;
  purchaseDate: Date | null;
  merchantName: string | null;
  merchantCnpj: string | null;
  paymentMethod: string | null;
  pluggyCreatedAt: Date;
  pluggyUpdatedAt: Date | null;
  raw: unknown;
  syncedAt: Date;
};

const COLUMNS = `t.id, t.account_id AS "accountId", t.item_id AS "itemId", t.amount, t.currency_code AS "currencyCode",
  t.amount_in_account_currency AS "amountInAccountCurrency", t.date, t.description,
  t.description_raw AS "descriptionRaw", t.category, t.category_id AS "categoryId", t.status, t.type,
  t.balance, t.provider_id AS "providerId", t.operation_type AS "operationType",
  t.installment_number AS "installmentNumber", t.total_installments AS "totalInstallments",
  t.bill_id AS "billId", t.purchase_date AS "purchaseDate", t.merchant_name AS "merchantName",
  t.merchant_cnpj AS "merchantCnpj", t.payment_method AS "paymentMethod",
  t.pluggy_created_at AS "pluggyCreatedAt", t.pluggy_updated_at AS "pluggyUpdatedAt", t.raw,
  t.synced_at AS "syncedAt"`;

/** The columns upsertTransactions writes, in the order of transactionRow's values. */
export const TRANSACTION_COLUMNS = [
  'id',
  'account_id',
  'item_id',
  'amount',
  'currency_code',
  'amount_in_account_currency',
  'date',
  'description',
  'description_raw',
  'category',
  'category_id',
  'status',
  'type',
  'balance',
  'provider_id',
  'operation_type',
  'installment_number',
  'total_installments',
  'bill_id',
  'purchase_date',
  'merchant_name',
  'merchant_cnpj',
  'payment_method',
  'pluggy_created_at',
  'pluggy_updated_at',
  'raw',
] as const;
const ITEM_ID_COLUMN = TRANSACTION_COLUMNS.indexOf('item_id');

/**
 * The one mapping of a Pluggy transaction to our columns (TRANSACTION_COLUMNS order), as
 * PostgreSQL text values. Exported so the backfill benchmark's COPY baseline loads exactly what
 * the upsert writes.
 */
export function transactionRow(itemId: string, r: PluggyTransactionIn): (string | number | null)[] {
  return [
    r.id,
    r.accountId,
    itemId,
    money(r.amount),
    text(r.currencyCode),
    money(r.amountInAccountCurrency),
    time(r.date),
    text(r.description),
    text(r.descriptionRaw),
    text(r.category),
    text(r.categoryId),
    r.status ?? 'POSTED',
    r.type,
    money(r.balance),
    text(r.providerId),
    text(r.operationType),
    int(r.creditCardMetadata?.installmentNumber),
    int(r.creditCardMetadata?.totalInstallments),
    text(r.creditCardMetadata?.billId),
    time(r.creditCardMetadata?.purchaseDate),
    text(r.merchant?.name ?? r.merchant?.businessName),
    text(r.merchant?.cnpj),
    text(r.paymentData?.paymentMethod),
    time(r.createdAt),
    time(r.updatedAt),
    json(r),
  ];
}

// Column order as TRANSACTION_COLUMNS; item_id is $1, the other columns one array each.
const UPSERT = `
  INSERT INTO transactions AS t (id, account_id, item_id, amount, currency_code, amount_in_account_currency,
    date, description, description_raw, category, category_id, status, type, balance, provider_id,
    operation_type, installment_number, total_installments, bill_id, purchase_date, merchant_name,
    merchant_cnpj, payment_method, pluggy_created_at, pluggy_updated_at, raw)
  SELECT u.id, u.account_id, $1, u.amount, u.currency_code, u.amount_in_account_currency, u.date,
    u.description, u.description_raw, u.category, u.category_id, u.status, u.type, u.balance,
    u.provider_id, u.operation_type, u.installment_number, u.total_installments, u.bill_id,
    u.purchase_date, u.merchant_name, u.merchant_cnpj, u.payment_method, u.pluggy_created_at,
    u.pluggy_updated_at, u.raw
  FROM unnest($2::text[], $3::text[], $4::numeric[], $5::text[], $6::numeric[], $7::timestamptz[],
    $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::numeric[],
    $15::text[], $16::text[], $17::int[], $18::int[], $19::text[], $20::timestamptz[], $21::text[],
    $22::text[], $23::text[], $24::timestamptz[], $25::timestamptz[], $26::jsonb[])
    AS u(id, account_id, amount, currency_code, amount_in_account_currency, date, description,
      description_raw, category, category_id, status, type, balance, provider_id, operation_type,
      installment_number, total_installments, bill_id, purchase_date, merchant_name, merchant_cnpj,
      payment_method, pluggy_created_at, pluggy_updated_at, raw)
  ON CONFLICT (id) DO UPDATE SET
    account_id = excluded.account_id,
    item_id = excluded.item_id,
    amount = excluded.amount,
    currency_code = excluded.currency_code,
    amount_in_account_currency = excluded.amount_in_account_currency,
    date = excluded.date,
    description = excluded.description,
    description_raw = excluded.description_raw,
    category = excluded.category,
    category_id = excluded.category_id,
    status = excluded.status,
    type = excluded.type,
    balance = excluded.balance,
    provider_id = excluded.provider_id,
    operation_type = excluded.operation_type,
    installment_number = excluded.installment_number,
    total_installments = excluded.total_installments,
    bill_id = excluded.bill_id,
    purchase_date = excluded.purchase_date,
    merchant_name = excluded.merchant_name,
    merchant_cnpj = excluded.merchant_cnpj,
    payment_method = excluded.payment_method,
    pluggy_created_at = excluded.pluggy_created_at,
    pluggy_updated_at = excluded.pluggy_updated_at,
    raw = excluded.raw,
    synced_at = now()
  WHERE t.raw IS DISTINCT FROM excluded.raw
  RETURNING (xmax = 0) AS inserted`;

/**
 * Batched upsert (UNNEST, ≤1000 rows per round trip) of one item's transactions; each row's
 * account must already be stored. A row whose raw equals the stored one is not written at all:
 * re-syncing an unchanged page writes zero rows. Pass a transaction client for all-or-nothing.
 */
export async function upsertTransactions(
  db: Db,
  itemId: string,
  rows: readonly PluggyTransactionIn[],
): Promise<UpsertCounts> {
  return upsertInBatches(db, rows, UPSERT, (b) => {
    const values = b.map((r) => transactionRow(itemId, r));
    // $1 is the item id; then one array per other column, in TRANSACTION_COLUMNS order.
    return [
      itemId,
      ...TRANSACTION_COLUMNS.flatMap((_, c) => (c === ITEM_ID_COLUMN ? [] : [values.map((v) => v[c])])),
    ];
  });
}

export async function getTransaction(db: Db, id: string): Promise<TransactionRow | null> {
  const res = await db.query<TransactionRow>(`SELECT ${COLUMNS} FROM transactions t WHERE t.id = $1`, [id]);
  return res.rows[0] ?? null;
}

/** Removes these transactions (e.g. `transactions/deleted`), optionally only within one item. Returns the count. */
export async function deleteTransactionsByIds(
  db: Db,
  ids: readonly string[],
  opts: { itemId?: string } = {},
): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db.query(
    'DELETE FROM transactions WHERE id = ANY($1::text[]) AND ($2::text IS NULL OR item_id = $2)',
    [[...ids], opts.itemId ?? null],
  );
  return res.rowCount ?? 0;
}

/**
 * Deletion by diff (Pluggy's lists carry no tombstones, docs/pluggy.md#restatements-and-deletions): after
 * fetching EVERY transaction of an account with `date` in [from, to], removes the stored ones in that window
 * that were not fetched. Returns the count. `to` omitted = no upper bound.
 */
export async function deleteAccountTransactionsNotIn(
  db: Db,
  accountId: string,
  keepIds: readonly string[],
  window: { from: Date | string; to?: Date | string },
): Promise<number> {
  const res = await db.query(
    `DELETE FROM transactions
     WHERE account_id = $1 AND date >= $2 AND ($3::timestamptz IS NULL OR date <= $3)
       AND NOT (id = ANY($4::text[]))`,
    [accountId, time(window.from), time(window.to), [...keepIds]],
  );
  return res.rowCount ?? 0;
}

export type TransactionScope = { accountId: string } | { itemId: string } | { userId: string };

export type ListTransactionsOptions = TransactionScope & {
  /** Inclusive lower bound on `date`. */
  from?: Date | string;
  /** Inclusive upper bound on `date`. */
  to?: Date | string;
  /** Page size, 1–500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
};

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Cursor = base64url of "<date ISO>|<id>" of the last row: keyset paging, stable under inserts. */
function encodeCursor(row: { date: Date | string; id: string }): string {
  const date = typeof row.date === 'string' ? row.date : row.date.toISOString();
  return Buffer.from(`${date}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { date: string; id: string } {
  const s = Buffer.from(cursor, 'base64url').toString('utf8');
  const bar = s.indexOf('|');
  const date = s.slice(0, bar);
  if (bar < 1 || Number.isNaN(Date.parse(date))) throw new InvalidCursorError('invalid cursor');
  return { date, id: s.slice(bar + 1) };
}

/**
 * Newest first (date desc, id desc), one page at a time, for an account, an item or a person (a
 * person's live items only). Returns `nextCursor` = null on the last page.
 * Throws InvalidCursorError for a cursor this function did not produce.
 */
export async function listTransactions(
  db: Db,
  opts: ListTransactionsOptions,
): Promise<{ rows: TransactionRow[]; nextCursor: string | null }> {
  const limit = clampLimit(opts.limit, 50, 500);
  const after = opts.cursor ? decodeCursor(opts.cursor) : null;
  let scope: string;
  let scopeValue: string;
  if ('accountId' in opts) {
    scope = 't.account_id = $1';
    scopeValue = opts.accountId;
  } else if ('itemId' in opts) {
    scope = 't.item_id = $1';
    scopeValue = opts.itemId;
  } else {
    scope = 't.item_id IN (SELECT id FROM items WHERE user_id = $1::uuid AND deleted_at IS NULL)';
    scopeValue = opts.userId;
  }
  const res = await db.query<TransactionRow>(
    `SELECT ${COLUMNS} FROM transactions t
     WHERE ${scope}
       AND ($2::timestamptz IS NULL OR t.date >= $2)
       AND ($3::timestamptz IS NULL OR t.date <= $3)
       AND ($4::timestamptz IS NULL OR (t.date, t.id) < ($4, $5::text))
     ORDER BY t.date DESC, t.id DESC
     LIMIT $6`,
    [scopeValue, time(opts.from), time(opts.to), after?.date ?? null, after?.id ?? null, limit + 1],
  );
  const rows = res.rows.slice(0, limit);
  const last = rows.at(-1);
  return { rows, nextCursor: res.rows.length > limit && last ? encodeCursor(last) : null };
}

/** Count and exact sum of an account's stored transactions (sum as a numeric string, "0.0000" when none). */
export async function accountTotals(db: Db, accountId: string): Promise<{ count: number; sum: string }> {
  const res = await db.query<{ count: number; sum: string }>(
    `SELECT count(*)::int AS count, coalesce(sum(amount), 0)::numeric(19,4)::text AS sum
     FROM transactions WHERE account_id = $1`,
    [accountId],
  );
  return res.rows[0]!;
}

/** Which of these ids we store for the item, and in which account. */
export async function accountsOfTransactions(
  db: Db,
  itemId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const res = await db.query<{ id: string; accountId: string }>(
    `SELECT id, account_id AS "accountId" FROM transactions WHERE item_id = $1 AND id = ANY($2::text[])`,
    [itemId, [...ids]],
  );
  return new Map(res.rows.map((r) => [r.id, r.accountId]));
}

/**
 * Which of these rows we already hold exactly (same raw). A re-read listing sends them through this
 * read-only check first: an upsert whose ON CONFLICT … WHERE skips an identical row still locks it,
 * which rewrites the tuple header and WAL-logs the lock — a physical write for nothing. Only the
 * rows that differ go on to the upsert. Not worth a round trip when the rows are surely new.
 */
export async function identicalTransactionIds(db: Db, rows: readonly { id: string }[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const res = await db.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::text[], $2::jsonb[]) AS u(id, raw)
     JOIN transactions t ON t.id = u.id
     WHERE t.raw = u.raw`,
    [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r))],
  );
  return new Set(res.rows.map((r) => r.id));
}

/** A transaction as the API answers it: the normalized columns, not the stored raw object. */
export type TransactionListRow = Omit<
  TransactionRow,
  'raw' | 'syncedAt' | 'date' | 'purchaseDate' | 'pluggyCreatedAt' | 'pluggyUpdatedAt'
> & {
  /** Times as ISO 8601 strings (`…T…Z`), as the API answers them: see ISO_TIMES. */
  date: string;
  purchaseDate: string | null;
  pluggyCreatedAt: string;
  pluggyUpdatedAt: string | null;
};

const TIMESTAMPTZ = 1184;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ);

/**
 * timestamptz straight to the ISO string the API answers, for the search pages: pg's own parser
 * (a regex, a Date) followed by toISOString cost ~0.8 ms per 100-row page in Node (400 times), more
 * than the rest of the page's mapping and JSON together. PostgreSQL writes UTC as
 * `2026-01-05 12:34:56.789+00`: rearranged as text (a fraction cut to milliseconds, as Date does);
 * any other form (a session time zone other than UTC, BC, a year past 9999) takes pg's parser.
 */
export function isoFromTimestamptz(v: string): string {
  if (v.length >= 22 && v[10] === ' ' && v[4] === '-' && v.endsWith('+00')) {
    const fraction = v.length > 22 ? v.slice(19, -3).padEnd(4, '0').slice(0, 4) : '.000';
    return `${v.slice(0, 10)}T${v.slice(11, 19)}${fraction}Z`;
  }
  return (parseTimestamptz(v) as Date).toISOString();
}

const ISO_TIMES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMPTZ
      ? isoFromTimestamptz
      : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * The category of row `t` of person `user` (a parameter) as they chose it (migration 007): their
 * correction of the row, else their rule for its merchant or description, else Pluggy's. Every row
 * a search reads is on the person's own items, so their rules are looked up by their id directly.
 */
const chosenCategory = (user: string) => `coalesce(
    (SELECT cc.category_id FROM category_corrections cc WHERE cc.transaction_id = t.id),
    (SELECT cr.category_id FROM category_rules cr
     WHERE cr.user_id = ${user}::uuid AND cr.match_key = 'm:' || coalesce(t.merchant_cnpj, lower(t.merchant_name))),
    (SELECT cr.category_id FROM category_rules cr
     WHERE cr.user_id = ${user}::uuid AND cr.match_key = 'd:' || lower(t.description)),
    t.category_id)`;

/** The stored columns a search page carries before its categories are resolved. */
const PAGE_COLUMNS = `t.id, t.account_id, t.item_id, t.amount, t.currency_code, t.amount_in_account_currency, t.date,
  t.description, t.description_raw, t.category, t.category_id, t.status, t.type, t.balance, t.provider_id,
  t.operation_type, t.installment_number, t.total_installments, t.bill_id, t.purchase_date, t.merchant_name,
  t.merchant_cnpj, t.payment_method, t.pluggy_created_at, t.pluggy_updated_at`;

// The same three lookups as chosenCategory, joined to the page's rows once it is cut to `limit + 1`:
// as correlated subqueries in the select list PostgreSQL ran them twice per row (category and
// categoryId) on every row, ~60% of a 100-row page's execution time.
const CHOSEN = 'coalesce(cc.category_id, rm.category_id, rd.category_id, t.category_id)';
const categoryJoins = (user: string) => `
  LEFT JOIN category_corrections cc ON cc.transaction_id = t.id
  LEFT JOIN category_rules rm ON rm.user_id = ${user}::uuid
    AND rm.match_key = 'm:' || coalesce(t.merchant_cnpj, lower(t.merchant_name))
  LEFT JOIN category_rules rd ON rd.user_id = ${user}::uuid AND rd.match_key = 'd:' || lower(t.description)`;

// `category` (Pluggy's English text) is null when the owner's choice replaced Pluggy's id: the
// reader names the chosen id itself.
const LIST_COLUMNS = `t.id, t.account_id AS "accountId", t.item_id AS "itemId", t.amount,
  t.currency_code AS "currencyCode", t.amount_in_account_currency AS "amountInAccountCurrency", t.date,
  t.description, t.description_raw AS "descriptionRaw",
  CASE WHEN ${CHOSEN} IS NOT DISTINCT FROM t.category_id THEN t.category END AS category,
  ${CHOSEN} AS "categoryId", t.status,
  t.type, t.balance, t.provider_id AS "providerId", t.operation_type AS "operationType",
  t.installment_number AS "installmentNumber", t.total_installments AS "totalInstallments",
  t.bill_id AS "billId", t.purchase_date AS "purchaseDate", t.merchant_name AS "merchantName",
  t.merchant_cnpj AS "merchantCnpj", t.payment_method AS "paymentMethod",
  t.pluggy_created_at AS "pluggyCreatedAt", t.pluggy_updated_at AS "pluggyUpdatedAt"`;

export type TransactionSearch = {
  userId: string;
  accountId?: string | undefined;
  itemId?: string | undefined;
  from?: Date | string | undefined;
  to?: Date | string | undefined;
  categoryId?: string | undefined;
  type?: 'DEBIT' | 'CREDIT' | undefined;
  status?: 'PENDING' | 'POSTED' | undefined;
  /** Decimal strings, inclusive, on the signed amount as Pluggy sends it. */
  minAmount?: string | undefined;
  maxAmount?: string | undefined;
  /** Already folded to lower case without accents (see foldText); matched in description or merchant. */
  text?: string | undefined;
  limit?: number | undefined;
  cursor?: string | null | undefined;
};

// translate() needs no extension (unaccent is contrib and needs CREATE EXTENSION rights). Upper
// case accented letters are mapped here too: lower() leaves non-ASCII alone under the C locale.
const ACCENTED = 'áàâãäåéèêëíìîïóòôõöúùûüçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑ';
const PLAIN = 'aaaaaaeeeeiiiiooooouuuucnaaaaaaeeeeiiiiooooouuuucn';

/**
 * The text a search matches: description and merchant, lower case, accents dropped. Migration 012
 * builds a trigram index on exactly this expression (without the `t.`), so a LIKE on it is an
 * index lookup rather than a read of every row: change both or neither (src/reads/transactionSearch.int.test.ts
 * fails when they drift apart).
 */
export const SEARCH_TEXT = `lower(translate(coalesce(t.description, '') || ' ' || coalesce(t.merchant_name, ''),
         '${ACCENTED}', '${PLAIN}'))`;

/** Lower case, accents dropped: the same folding the search applies to the stored text. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/**
 * One person's transactions on their live items, newest first (date desc, id desc), filtered;
 * keyset paged with the same cursor as listTransactions. Throws InvalidCursorError.
 *
 * Only the filters given become SQL (an `$n IS NULL OR …` for each absent one would keep the
 * planner from the indexes). Scope: one account → the (account_id, date, id) index; otherwise a
 * LATERAL per live item on (item_id, date, id), each stopping after `limit + 1` matches, then a
 * merge of those few rows — a person with 50 000 rows costs about one page, not a sort of them all.
 * A text filter can also take the trigram index (migration 012) when few rows match. Categories
 * are resolved on the page only, after the cut (a category filter needs them before it).
 */
export async function searchTransactionsByUser(
  db: Db,
  s: TransactionSearch,
): Promise<{ rows: TransactionListRow[]; nextCursor: string | null }> {
  const limit = clampLimit(s.limit, 50, 500);
  const after = s.cursor ? decodeCursor(s.cursor) : null;
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const user = p(s.userId);
  const where: string[] = [];
  if (s.itemId) where.push(`t.item_id = ${p(s.itemId)}`);
  if (s.from) where.push(`t.date >= ${p(time(s.from))}::timestamptz`);
  if (s.to) where.push(`t.date <= ${p(time(s.to))}::timestamptz`);
  if (s.categoryId) where.push(`${chosenCategory(user)} = ${p(s.categoryId)}`);
  if (s.type) where.push(`t.type = ${p(s.type)}`);
  if (s.status) where.push(`t.status = ${p(s.status)}`);
  if (s.minAmount) where.push(`t.amount >= ${p(s.minAmount)}::numeric`);
  if (s.maxAmount) where.push(`t.amount <= ${p(s.maxAmount)}::numeric`);
  if (s.text) {
    const pattern = `%${s.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`${SEARCH_TEXT} LIKE ${p(pattern)}`);
  }
  if (after) where.push(`(t.date, t.id) < (${p(after.date)}::timestamptz, ${p(after.id)}::text)`);
  const filters = where.map((w) => ` AND ${w}`).join('');
  const n = p(limit + 1);
  const page = s.accountId
    ? `SELECT ${PAGE_COLUMNS} FROM transactions t
       WHERE t.account_id = ${p(s.accountId)}
         AND t.item_id IN (SELECT id FROM items WHERE user_id = ${user}::uuid AND deleted_at IS NULL)${filters}
       ORDER BY t.date DESC, t.id DESC LIMIT ${n}`
    : `SELECT t.* FROM (SELECT id FROM items WHERE user_id = ${user}::uuid AND deleted_at IS NULL) i
       CROSS JOIN LATERAL (
         SELECT ${PAGE_COLUMNS} FROM transactions t
         WHERE t.item_id = i.id${filters}
         ORDER BY t.date DESC, t.id DESC LIMIT ${n}) t
       ORDER BY t.date DESC, t.id DESC LIMIT ${n}`;
  const sql = `SELECT ${LIST_COLUMNS} FROM (${page}) t${categoryJoins(user)}
    ORDER BY t.date DESC, t.id DESC`;
  const res = await db.query<TransactionListRow>({
    // Prepared once per connection and shape of filters (parse and plan were ~10% of a page's
    // database time). Not with a text filter: how many rows a word matches decides between the
    // trigram index and the date order, so that plan is made for each word.
    ...(s.text
      ? {}
      : { name: `transactions.search.${createHash('sha1').update(sql).digest('hex').slice(0, 16)}` }),
    text: sql,
    values: params,
    types: ISO_TIMES,
  });
  const rows = res.rows.slice(0, limit);
  const last = rows.at(-1);
  return { rows, nextCursor: res.rows.length > limit && last ? encodeCursor(last) : null };
}

// ---------------------------------------------------------------------------------------------
// Answers (summaries, cash flow): every row of a person classified once, in SQL, summed as numeric.
// The rules (docs/pluggy.md#amount-sign-and-type, #transaction-fields, #categories):
// - direction from `type`, never the sign (card purchases are positive DEBITs, card refunds and
//   bill payments negative CREDITs), so every figure uses abs() of the amount;
// - the amount counted is in the account's currency (`amount_in_account_currency` when Pluggy
//   sends one, i.e. a foreign purchase);
// - `transfer`: a move between the person's own accounts (same-person transfer group 04, and the
//   credit card payment 05100000 seen from checking and from the card), reported apart;
// - `refund`: a CREDIT on a card, or a CREDIT on a bank account whose category is a spending
//   category (not income 01, investments 03, transfers 05, other 99, none): it lowers its
//   category's spending; every other CREDIT is `income`, every other DEBIT `spending`;
// - the day: Pluggy's calendar dates are midnight UTC and are taken as they are; a date with a
//   time of day is read in São Paulo time;
// - a PENDING row is counted (and marked) unless a POSTED row that replaced it is stored too
//   (same account, type and amount, same bank id or description, dated within days, created later):
//   our sync deletes a restated row, this only guards the window before that deletion lands;
// - the category is the person's correction, else their rule for the merchant or description,
//   else Pluggy's.
// ---------------------------------------------------------------------------------------------

/**
 * The effective category id of `t` for user `$1`: correction, rule by merchant, by description,
 * Pluggy's. Joined (see answerRowsSql), not correlated subqueries: three lookups per row cost more
 * than the rest of a month's answer.
 */
const EFFECTIVE_CATEGORY = 'coalesce(cc.category_id, rm.category_id, rd.category_id, t.category_id)';
const EFFECTIVE_CATEGORY_JOINS = `
    LEFT JOIN category_corrections cc ON cc.transaction_id = t.id
    LEFT JOIN category_rules rm ON rm.user_id = $1::uuid
      AND rm.match_key = 'm:' || coalesce(t.merchant_cnpj, lower(t.merchant_name))
    LEFT JOIN category_rules rd ON rd.user_id = $1::uuid AND rd.match_key = 'd:' || lower(t.description)`;

const LOCAL_DAY = `(CASE WHEN (t.date AT TIME ZONE 'UTC')::time = '00:00' THEN (t.date AT TIME ZONE 'UTC')::date
    ELSE (t.date AT TIME ZONE 'America/Sao_Paulo')::date END)`;

const REPLACED_PENDING = `(t.status = 'PENDING' AND EXISTS (
    SELECT 1 FROM transactions p
    WHERE p.account_id = t.account_id AND p.id <> t.id AND p.status = 'POSTED' AND p.type = t.type
      AND p.amount = t.amount AND p.pluggy_created_at >= t.pluggy_created_at
      AND p.date BETWEEN t.date - interval '7 days' AND t.date + interval '15 days'
      AND (p.provider_id = t.provider_id
           OR ((p.provider_id IS NULL OR t.provider_id IS NULL)
               AND lower(coalesce(p.description, '')) = lower(coalesce(t.description, ''))))))`;

/**
 * The classified rows of user `$1` whose local day falls in [`$2`, `$3`] (dates). The day test
 * walks the (account_id, LOCAL_DAY) index of migration 013, whose expression must stay the same
 * text as LOCAL_DAY. A time-range pre-filter on `date` (as this once had) made PostgreSQL multiply
 * two selectivities of the same condition and expect ~20 rows for a month's ~2 000: it then joined
 * the category corrections and rules by nested loops, 500 000 comparisons for 300 corrections.
 */
function answerRowsSql(extraColumns = ''): string {
  return `WITH acc AS (
    SELECT a.id, a.type AS account_type FROM items i JOIN accounts a ON a.item_id = i.id
    WHERE i.user_id = $1::uuid AND i.deleted_at IS NULL
  ), base AS (
    SELECT t.id, t.account_id, acc.account_type, t.type, t.status,
      abs(coalesce(t.amount_in_account_currency, t.amount)) AS amt,
      ${LOCAL_DAY} AS day,
      ${EFFECTIVE_CATEGORY} AS category_id,
      (t.status = 'PENDING' AND ${REPLACED_PENDING}) AS replaced${extraColumns}
    FROM acc JOIN transactions t ON t.account_id = acc.id${EFFECTIVE_CATEGORY_JOINS}
    WHERE ${LOCAL_DAY} BETWEEN $2::date AND $3::date
  ), rows AS (
    SELECT b.*,
      CASE
        WHEN b.category_id LIKE '04%' OR b.category_id = '05100000' THEN 'transfer'
        WHEN b.type = 'DEBIT' THEN 'spending'
        WHEN b.account_type = 'CREDIT' THEN 'refund'
        WHEN b.category_id IS NOT NULL AND b.category_id <> '99999999'
          AND left(b.category_id, 2) NOT IN ('01', '03', '05') THEN 'refund'
        ELSE 'income'
      END AS kind,
      CASE WHEN b.category_id ~ '^[0-9]{8,9}$' AND b.category_id <> '99999999'
        THEN left(b.category_id, 2) || '000000' ELSE '99999999' END AS top_id
    FROM base b
    WHERE NOT b.replaced
  )`;
}

/**
 * Runs an answer query with JIT off. The pending-replacement check makes PostgreSQL's estimates
 * huge, so it JIT-compiles a query that executes in a few ms: measured at 50 000 rows, 44 ms of
 * JIT for 5 ms of work. SET LOCAL keeps the setting inside this transaction only.
 */
async function answerQuery<T extends pg.QueryResultRow>(
  db: Db,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const pooled = !('release' in db);
  const client = pooled ? await (db as pg.Pool).connect() : (db as pg.PoolClient);
  try {
    if (pooled) await client.query('BEGIN; SET LOCAL jit = off');
    const res = await client.query<T>(sql, params);
    if (pooled) await client.query('COMMIT');
    return res.rows;
  } catch (err) {
    if (pooled) await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    if (pooled) client.release();
  }
}

export type CategorySpendingRow = {
  /** Top-level category id ('99999999' for rows without a category). */
  topId: string;
  /** Spending minus refunds, exact numeric as text. */
  amount: string;
  /** Rows counted (spending and refunds). */
  count: number;
  /** amount / total spending, 4 decimals; '0' when the total is not positive. */
  share: string;
  /** Spending per subcategory id inside this group (the effective id, or the group itself). */
  subcategories: Array<{ categoryId: string; amount: string; count: number }>;
};

/** Spending per top-level category of user `userId` over local days [from, to], largest first. */
export async function spendingByTopCategory(
  db: Db,
  userId: string,
  from: string,
  to: string,
): Promise<CategorySpendingRow[]> {
  const rows = await answerQuery<CategorySpendingRow>(
    db,
    `${answerRowsSql()},
    sub AS (
      SELECT top_id, coalesce(category_id, '99999999') AS category_id,
        sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END) AS amount, count(*)::int AS count
      FROM rows WHERE kind IN ('spending', 'refund') GROUP BY 1, 2
    ), top AS (
      SELECT top_id, sum(amount) AS amount, sum(count)::int AS count,
        jsonb_agg(jsonb_build_object('categoryId', category_id, 'amount', amount::text, 'count', count)
          ORDER BY amount DESC, category_id) AS subcategories
      FROM sub GROUP BY top_id
    ), total AS (SELECT sum(amount) AS total FROM top)
    SELECT top.top_id AS "topId", top.amount::text AS amount, top.count,
      CASE WHEN total.total > 0 THEN round(top.amount / total.total, 4)::text ELSE '0' END AS share,
      top.subcategories
    FROM top CROSS JOIN total
    ORDER BY top.amount DESC, top.top_id`,
    [userId, from, to],
  );
  return rows;
}

export type MonthFlowRow = {
  /** 'YYYY-MM' */
  month: string;
  income: string;
  /** Spending minus refunds. */
  spending: string;
  transfersIn: string;
  transfersOut: string;
  /** income − spending. */
  net: string;
  count: number;
  pendingCount: number;
};

/** Income, spending and own transfers per month of the local days [from, to], oldest first. */
export async function flowByMonth(db: Db, userId: string, from: string, to: string): Promise<MonthFlowRow[]> {
  const rows = await answerQuery<MonthFlowRow>(
    db,
    `${answerRowsSql()}
    SELECT to_char(day, 'YYYY-MM') AS month,
      coalesce(sum(amt) FILTER (WHERE kind = 'income'), 0)::text AS income,
      (coalesce(sum(amt) FILTER (WHERE kind = 'spending'), 0)
        - coalesce(sum(amt) FILTER (WHERE kind = 'refund'), 0))::text AS spending,
      coalesce(sum(amt) FILTER (WHERE kind = 'transfer' AND type = 'CREDIT'), 0)::text AS "transfersIn",
      coalesce(sum(amt) FILTER (WHERE kind = 'transfer' AND type = 'DEBIT'), 0)::text AS "transfersOut",
      (coalesce(sum(amt) FILTER (WHERE kind = 'income'), 0) - coalesce(sum(amt) FILTER (WHERE kind = 'spending'), 0)
        + coalesce(sum(amt) FILTER (WHERE kind = 'refund'), 0))::text AS net,
      count(*)::int AS count, (count(*) FILTER (WHERE status = 'PENDING'))::int AS "pendingCount"
    FROM rows GROUP BY 1 ORDER BY 1`,
    [userId, from, to],
  );
  return rows;
}

export type MerchantSpendingRow = { merchant: string; cnpj: string | null; amount: string; count: number };

/** The merchants (else descriptions) with the most spending minus refunds over [from, to]. */
export async function topMerchants(
  db: Db,
  userId: string,
  from: string,
  to: string,
  limit: number,
): Promise<MerchantSpendingRow[]> {
  const rows = await answerQuery<MerchantSpendingRow>(
    db,
    `${answerRowsSql(`, coalesce(nullif(t.merchant_name, ''), nullif(t.description, ''), '?') AS merchant,
      t.merchant_cnpj AS cnpj`)}
    SELECT min(merchant) AS merchant, max(cnpj) AS cnpj,
      sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END)::text AS amount, count(*)::int AS count
    FROM rows WHERE kind IN ('spending', 'refund')
    GROUP BY coalesce(cnpj, lower(merchant))
    HAVING sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END) > 0
    ORDER BY sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END) DESC, 1 LIMIT $4`,
    [userId, from, to, limit],
  );
  return rows;
}

export type TransferRow = {
  id: string;
  accountId: string;
  day: string;
  type: 'DEBIT' | 'CREDIT';
  amount: string;
  categoryId: string | null;
  description: string | null;
  pending: boolean;
};

/** The person's moves between their own accounts over [from, to] (reported apart), oldest first. */
export async function ownTransfers(db: Db, userId: string, from: string, to: string): Promise<TransferRow[]> {
  const rows = await answerQuery<TransferRow>(
    db,
    `${answerRowsSql(', t.description')}
    SELECT id, account_id AS "accountId", to_char(day, 'YYYY-MM-DD') AS day, type, amt::text AS amount,
      category_id AS "categoryId", description, status = 'PENDING' AS pending
    FROM rows WHERE kind = 'transfer' ORDER BY day, id`,
    [userId, from, to],
  );
  return rows;
}

export type CategoryComparisonRow = { topId: string; previous: string; average3: string };

/**
 * Per top-level category: spending in the month before `monthStart` and the average of the three
 * months before it (a month without rows counts as zero), rounded to the cent.
 */
export async function categoryComparison(
  db: Db,
  userId: string,
  monthStart: string,
): Promise<CategoryComparisonRow[]> {
  const rows = await answerQuery<CategoryComparisonRow>(
    db,
    `${answerRowsSql()}
    SELECT top_id AS "topId",
      coalesce(sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END)
        FILTER (WHERE day >= ($4::date - interval '1 month')::date), 0)::text AS previous,
      round(sum(CASE WHEN kind = 'spending' THEN amt ELSE -amt END) / 3, 2)::text AS average3
    FROM rows WHERE kind IN ('spending', 'refund') GROUP BY top_id ORDER BY top_id`,
    [userId, `${shiftMonth(monthStart, -3)}`, `${dayBefore(monthStart)}`, monthStart],
  );
  return rows;
}

/** 'YYYY-MM-01' shifted by whole months. */
function shiftMonth(monthStart: string, months: number): string {
  const [y, m] = monthStart.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + months, 1));
  return d.toISOString().slice(0, 10);
}
function dayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

export type AccountDayBalanceRow = { accountId: string; day: string; balance: string };

/**
 * Each account's balance at the end of each local day in [from, to], reconstructed backwards from
 * its current balance: balance(d) = current − the movement of every POSTED row after d (a bank
 * account's CREDIT adds, DEBIT subtracts; a card's balance is what is owed, so the reverse).
 * Accounts without a current balance are left out.
 */
export async function accountBalancesOnDays(
  db: Db,
  userId: string,
  from: string,
  to: string,
): Promise<AccountDayBalanceRow[]> {
  // Only POSTED rows and no categories: its own scan, materialized once (not the answer rows).
  const rows = await answerQuery<AccountDayBalanceRow>(
    db,
    `WITH acc AS (
      SELECT a.id, a.type AS account_type, a.balance FROM items i JOIN accounts a ON a.item_id = i.id
      WHERE i.user_id = $1::uuid AND i.deleted_at IS NULL AND a.balance IS NOT NULL
    ), moves AS MATERIALIZED (
      SELECT t.account_id, ${LOCAL_DAY} AS day,
        sum(CASE WHEN (t.type = 'CREDIT') = (acc.account_type <> 'CREDIT')
          THEN abs(coalesce(t.amount_in_account_currency, t.amount))
          ELSE -abs(coalesce(t.amount_in_account_currency, t.amount)) END) AS delta
      FROM acc JOIN transactions t ON t.account_id = acc.id
      WHERE t.status = 'POSTED' AND t.date >= $2::date::timestamp AT TIME ZONE 'UTC'
      GROUP BY 1, 2
    ), days AS (SELECT generate_series($2::date, $3::date, interval '1 day')::date AS day)
    SELECT acc.id AS "accountId", to_char(days.day, 'YYYY-MM-DD') AS day,
      (acc.balance - coalesce((SELECT sum(m.delta) FROM moves m WHERE m.account_id = acc.id AND m.day > days.day), 0))::text
        AS balance
    FROM acc CROSS JOIN days ORDER BY 1, 2`,
    [userId, from, to],
  );
  return rows;
}

export type FutureInstallmentRow = {
  accountId: string;
  description: string | null;
  day: string;
  amount: string;
  installmentNumber: number;
  totalInstallments: number;
  /** true when stored by Pluggy as a row; false when projected a month after the last stored one. */
  stored: boolean;
};

/**
 * Card installments not billed yet that fall in the local days [from, to]: rows Pluggy already
 * sends for future cycles (no billId), plus the remaining ones of each purchase projected monthly
 * after its last stored installment (docs/pluggy.md#transaction-fields: each installment is
 * re-dated to its own cycle).
 */
export async function futureInstallments(
  db: Db,
  userId: string,
  from: string,
  to: string,
): Promise<FutureInstallmentRow[]> {
  const rows = await answerQuery<FutureInstallmentRow>(
    db,
    `WITH acc AS (
      SELECT a.id FROM items i JOIN accounts a ON a.item_id = i.id
      WHERE i.user_id = $1::uuid AND i.deleted_at IS NULL AND a.type = 'CREDIT'
    ), inst AS (
      SELECT t.account_id, t.description, t.installment_number, t.total_installments, t.bill_id,
        abs(coalesce(t.amount_in_account_currency, t.amount)) AS amt, ${LOCAL_DAY} AS day,
        coalesce(t.purchase_date::date::text, '') || '|' || coalesce(lower(t.description), '') || '|'
          || t.total_installments AS purchase
      FROM acc JOIN transactions t ON t.account_id = acc.id
      WHERE t.type = 'DEBIT' AND t.installment_number IS NOT NULL AND t.total_installments > 1
    ), last AS (
      SELECT DISTINCT ON (account_id, purchase) * FROM inst ORDER BY account_id, purchase, installment_number DESC
    ), projected AS (
      SELECT l.account_id, l.description, l.amt, n AS installment_number, l.total_installments,
        (l.day + make_interval(months => n - l.installment_number))::date AS day
      FROM last l CROSS JOIN LATERAL generate_series(l.installment_number + 1, l.total_installments) n
    )
    SELECT account_id AS "accountId", description, to_char(day, 'YYYY-MM-DD') AS day, amt::text AS amount,
      installment_number AS "installmentNumber", total_installments AS "totalInstallments", stored
    FROM (
      SELECT account_id, description, day, amt, installment_number, total_installments, true AS stored
      FROM inst WHERE bill_id IS NULL
      UNION ALL
      SELECT account_id, description, day, amt, installment_number, total_installments, false FROM projected
    ) x
    WHERE day BETWEEN $2::date AND $3::date
    ORDER BY day, "accountId", description, "installmentNumber"`,
    [userId, from, to],
  );
  return rows;
}

/** A money-out row as the insights (recurring charges, unusual charges) read it. */
export type ChargeRow = {
  id: string;
  accountId: string;
  /** Local calendar day, YYYY-MM-DD: a midnight-UTC date as given, a timed one in São Paulo. */
  day: string;
  /** Positive, in the account's currency, a decimal string. */
  amount: string;
  status: 'PENDING' | 'POSTED';
  description: string | null;
  merchantName: string | null;
  merchantCnpj: string | null;
  categoryId: string | null;
};

/**
 * The person's DEBIT rows from `fromDay` on, without own transfers and card bill payments (category
 * 05…: docs/pluggy.md#categories) and without installments (future installments are upcoming bills,
 * not subscriptions). Direction comes from `type`, never from the sign.
 */
export async function listChargesSince(db: Db, userId: string, fromDay: string): Promise<ChargeRow[]> {
  const { rows } = await db.query<ChargeRow>(
    `SELECT t.id, t.account_id AS "accountId",
            to_char(CASE WHEN t.date = date_trunc('day', t.date AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                         THEN (t.date AT TIME ZONE 'UTC')::date
                         ELSE (t.date AT TIME ZONE 'America/Sao_Paulo')::date END, 'YYYY-MM-DD') AS day,
            abs(coalesce(t.amount_in_account_currency, t.amount))::text AS amount,
            t.status, t.description, t.merchant_name AS "merchantName",
            coalesce(t.merchant_cnpj,
                     t.raw #>> '{paymentData,receiver,documentNumber,value}') AS "merchantCnpj",
            t.category_id AS "categoryId"
       FROM items i JOIN transactions t ON t.item_id = i.id
      WHERE i.user_id = $1 AND i.deleted_at IS NULL
        AND t.type = 'DEBIT'
        AND t.date >= ($2::date - interval '1 day')
        AND coalesce(t.category_id, '') NOT LIKE '05%'
        AND coalesce(t.total_installments, 1) <= 1
      ORDER BY t.date, t.id`,
    [userId, fromDay],
  );
  return rows;
}
