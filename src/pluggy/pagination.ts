import type { z } from 'zod';
import { PluggyError } from './errors.ts';
import type { QueryValue, RequestSender } from './http.ts';
import { type CursorPage, type Page, pageOf } from './schemas.ts';

/** A safety net, far above any real account: a server that never ends a listing must not spin us forever. */
export const MAX_PAGES = 100_000;

/**
 * Pluggy's maximum `pageSize` (docs/pluggy.md#lists-and-pagination); the SDK default of 20 would cost 25× the
 * requests.
 */
export const MAX_PAGE_SIZE = 500;

export type ListRequest = { path: string; query?: Record<string, QueryValue> };
export type ListOptions = {
  /**
   * Given: every request says `page` and `pageSize` (endpoints whose paging is documented).
   * Absent: no paging parameters on the first request, `page` only if Pluggy reports more pages
   * (endpoints that answer in one page and whose paging parameters are unverified).
   */
  pageSize?: number;
};

/** GET `path` page by page (page-number envelope), yielding each page's items. */
export function listPages<S extends z.ZodType>(
  http: RequestSender,
  { path, query = {} }: ListRequest,
  itemSchema: S,
  { pageSize }: ListOptions = {},
): AsyncGenerator<z.infer<S>[]> {
  const schema = pageOf(itemSchema);
  return pagesOf({ method: 'GET', path }, (page) => {
    const paging = pageSize !== undefined ? { page, pageSize } : page > 1 ? { page } : {};
    return http.request({ method: 'GET', path, query: { ...query, ...paging } }, schema);
  });
}

/** Every item of a page-numbered list (see `listPages`). */
export function listAll<S extends z.ZodType>(
  http: RequestSender,
  request: ListRequest,
  itemSchema: S,
  options: ListOptions = {},
): Promise<z.infer<S>[]> {
  return collect(listPages(http, request, itemSchema, options));
}

type Where = { method: string; path: string };

/**
 * Page-number lists (docs/pluggy.md#conventions: `{results, page, total, totalPages}`, 1-based `page`).
 * Yields each page's results until `totalPages` is reached.
 */
export async function* pagesOf<T>(
  where: Where,
  fetchPage: (page: number) => Promise<Page<T>>,
  maxPages = MAX_PAGES,
): AsyncGenerator<T[]> {
  for (let page = 1; ; page++) {
    if (page > maxPages) throw tooManyPages(where, maxPages);
    const envelope = await fetchPage(page);
    yield envelope.results;
    if (page >= envelope.totalPages || envelope.results.length === 0) return;
  }
}

export async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/**
 * Cursor lists (docs/pluggy.md#lists-and-pagination): `next` is a relative query string with the original
 * filters plus an opaque `after`, null on the last page. Like the official SDK we read only `after` from it
 * and resend our own filters. A cursor seen before means the server is not advancing: we stop with
 * 'contract-mismatch' instead of looping (or yielding the same rows) forever.
 */
export async function* cursorPagesOf<T>(
  where: Where,
  fetchPage: (after: string | undefined) => Promise<CursorPage<T>>,
  maxPages = MAX_PAGES,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  let after: string | undefined;
  for (let pages = 1; ; pages++) {
    if (pages > maxPages) throw tooManyPages(where, maxPages);
    const envelope = await fetchPage(after);
    yield envelope.results;
    if (envelope.next === null) return;
    const nextAfter = new URLSearchParams(envelope.next.replace(/^[^?]*\?/, '')).get('after');
    if (!nextAfter) {
      throw new PluggyError({
        ...where,
        code: 'contract-mismatch',
        message: `Pluggy ${where.method} ${where.path}: "next" carries no "after" cursor`,
      });
    }
    if (nextAfter === after || seen.has(nextAfter)) {
      throw new PluggyError({
        ...where,
        code: 'contract-mismatch',
        message: `Pluggy ${where.method} ${where.path}: cursor did not advance after ${pages} page(s)`,
      });
    }
    seen.add(nextAfter);
    after = nextAfter;
  }
}

function tooManyPages(where: Where, maxPages: number): PluggyError {
  return new PluggyError({
    ...where,
    code: 'contract-mismatch',
    message: `Pluggy ${where.method} ${where.path}: more than ${maxPages} pages, giving up`,
  });
}
