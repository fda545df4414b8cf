/**
 * Transactions (docs/pluggy.md#transactions):
 * - GET /v2/transactions: cursor envelope `{results, next}`, ordered by the cursor key (date, id)
 *   ascending (direction unverified), strict query validation (unknown → 400 "property X should not
 *   exist"), `next` = relative query string with every given filter plus `after`.
 * - GET /transactions: 410 ENDPOINT_DEPRECATED (the sandbox behaves as a key created after June 2026).
 * - GET /transactions/{id}, PATCH /transactions/{id} (category).
 *
 * The cursor is base64url of `<ISO date>|<id>` of the page's last row. Pluggy's observed cursor is
 * base64; url-safe base64 is used because pluggy-sdk re-sends `after` without URL-encoding it, and a
 * '+' would arrive as a space.
 */
import { DAY_MS, iso } from '../clock.ts';
import type { SandboxContext } from '../context.ts';
import { compareRows, toTransaction, type TxRow } from '../world/rows.ts';
import { badRequest, invalid, notFound, PluggyError } from '../errors.ts';
import { UUID_RE } from '../random.ts';
import type { Router } from '../server.ts';
import { requireObjectBody, requireUuid } from './common.ts';

const V2_PARAMS = new Set(['accountId', 'dateFrom', 'dateTo', 'createdAtFrom', 'ids', 'after']);
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** `YYYY-MM-DD` (whole day, UTC) or an ISO date-time; `edge` picks the day's start or end. */
function parseDate(name: string, raw: string | null, edge: 'start' | 'end'): number | null {
  if (raw === null || raw === '') return null;
  if (DATE_ONLY.test(raw)) {
    const ms = Date.parse(`${raw}T00:00:00.000Z`);
    if (Number.isNaN(ms)) throw invalid(`${name} must be a valid ISO 8601 date string`);
    return edge === 'start' ? ms : ms + DAY_MS - 1;
  }
  const ms = DATE_TIME.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(`${name} must be a valid ISO 8601 date string`);
  return ms;
}

export function encodeCursor(row: { date: number; id: string }): string {
  return Buffer.from(`${iso(row.date)}|${row.id}`).toString('base64url');
}

function decodeCursor(raw: string): { date: number; id: string } {
  // Node's base64 decoder accepts both alphabets, so Pluggy-style standard base64 works too.
  const text = Buffer.from(raw, 'base64').toString('utf8');
  const [date, id] = text.split('|');
  const ms = date ? Date.parse(date) : Number.NaN;
  if (Number.isNaN(ms) || !id || !UUID_RE.test(id)) throw invalid('after must be a valid cursor');
  return { date: ms, id };
}

const qv = (v: string) => encodeURIComponent(v).replace(/%3A/gi, ':').replace(/%2C/gi, ',');

export function transactionRoutes(router: Router, ctx: SandboxContext): void {
  const { store } = ctx;

  router.add('GET', '/v2/transactions', 'api', ({ query }) => {
    const unknown = [...new Set(query.keys())].filter((k) => !V2_PARAMS.has(k));
    if (unknown.length) throw invalid(...unknown.map((k) => `property ${k} should not exist`));
    const accountId = requireUuid('accountId', query.get('accountId'));
    const dateFrom = parseDate('dateFrom', query.get('dateFrom'), 'start');
    const dateTo = parseDate('dateTo', query.get('dateTo'), 'end');
    const createdAtFrom = parseDate('createdAtFrom', query.get('createdAtFrom'), 'start');
    if (dateFrom !== null && createdAtFrom !== null) {
      // (unverified) message text; the combination itself is refused (docs/pluggy.md#listing-transactions).
      throw invalid('dateFrom and createdAtFrom can not be used together');
    }
    let ids: Set<string> | null = null;
    const rawIds = query.get('ids');
    if (rawIds !== null && rawIds !== '') {
      const list = rawIds.split(',').map((s) => s.trim().toLowerCase());
      if (list.some((s) => !UUID_RE.test(s))) throw invalid('each value in ids must be a UUID');
      if (list.length > 500) throw invalid('ids must contain no more than 500 elements');
      ids = new Set(list);
    }
    const rawAfter = query.get('after');
    const after = rawAfter ? decodeCursor(rawAfter) : null;

    const ref = store.accounts.get(accountId);
    if (!ref) throw notFound('ACCOUNT_NOT_FOUND', 'account not found');
    if (!store.dataVisible(ref.item)) return { results: [], next: null };
    const rows = ref.acct.rows;

    // Start at the first row after the cursor and on/after dateFrom (binary searches).
    let lo = 0;
    if (dateFrom !== null) lo = lowerBound(rows, (r) => r.date >= dateFrom);
    if (after)
      lo = Math.max(
        lo,
        lowerBound(rows, (r) => compareRows(r, after) > 0),
      );
    const pageSize = ctx.v2PageSize;
    const page: TxRow[] = [];
    let more = false;
    for (let i = lo; i < rows.length; i++) {
      const r = rows[i]!;
      if (dateTo !== null && r.date > dateTo) break;
      if (createdAtFrom !== null && r.createdAt < createdAtFrom) continue;
      if (ids && !ids.has(r.id)) continue;
      if (page.length === pageSize) {
        more = true;
        break;
      }
      page.push(r);
    }
    const withPaymentData = ref.item.products.includes('PAYMENT_DATA');
    let next: string | null = null;
    if (more) {
      const parts: string[] = [];
      for (const [k, v] of query) if (k !== 'after') parts.push(`${k}=${qv(v)}`);
      parts.push(`after=${encodeCursor(page[page.length - 1]!)}`);
      next = `?${parts.join('&')}`;
    }
    return { results: page.map((r) => toTransaction(r, withPaymentData)), next };
  });

  router.add('GET', '/transactions', 'api', () => {
    throw new PluggyError(410, {
      code: 410,
      codeDescription: 'ENDPOINT_DEPRECATED',
      message:
        'GET /transactions is deprecated and no longer available for this application. Use GET /v2/transactions with cursor pagination.',
      errorId: store.ids.uuid(),
    });
  });

  const findRow = (raw: string | undefined) => {
    const id = requireUuid('id', raw);
    const ref = store.findTransaction(id);
    // A deleted row is gone from every endpoint (404 assumed, docs/pluggy.md#restatements-and-deletions).
    if (!ref || !store.dataVisible(ref.item))
      throw notFound('TRANSACTION_NOT_FOUND', 'transaction not found');
    return ref;
  };

  router.add('GET', '/transactions/:id', 'api', ({ params }) => {
    const ref = findRow(params.id);
    return toTransaction(ref.row, ref.item.products.includes('PAYMENT_DATA'));
  });

  router.add('PATCH', '/transactions/:id', 'api', ({ params, body }) => {
    const ref = findRow(params.id);
    const b = requireObjectBody(body);
    if (typeof b.categoryId !== 'string' || !store.categories.has(b.categoryId)) {
      throw badRequest('CATEGORY_NOT_FOUND', 'category not found');
    }
    ref.row.categoryOverride = b.categoryId;
    ref.row.updatedAt = ctx.clock.nowMs();
    return toTransaction(ref.row, ref.item.products.includes('PAYMENT_DATA'));
  });
}

/** First index whose row satisfies `ok` (rows sorted so that `ok` is monotone). */
function lowerBound(rows: TxRow[], ok: (r: TxRow) => boolean): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ok(rows[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
