import type { RequestSender } from '../http.ts';
import { collect, pagesOf } from '../pagination.ts';
import { CategorySchema, pageOf, type Category } from '../schemas.ts';

/** Contract part 02 §7. */
export function categoriesResource(http: RequestSender) {
  return {
    getCategories(): Promise<Category[]> {
      // The whole catalogue comes in one page; paging parameters are unverified, so `page` is
      // sent only if Pluggy ever says there is more.
      const path = '/categories';
      return collect(
        pagesOf({ method: 'GET', path }, (page) =>
          http.request({ method: 'GET', path, query: page > 1 ? { page } : {} }, pageOf(CategorySchema)),
        ),
      );
    },
  };
}
