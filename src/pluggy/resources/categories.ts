import type { RequestSender } from '../http.ts';
import { listAll } from '../pagination.ts';
import { CategorySchema, type Category } from '../schemas.ts';

/** See docs/pluggy.md#categories. */
export function categoriesResource(http: RequestSender) {
  return {
    getCategories(): Promise<Category[]> {
      // The whole catalogue comes in one page; paging parameters are unverified, so `page` is
      // sent only if Pluggy ever says there is more.
      return listAll(http, { path: '/categories' }, CategorySchema);
    },
  };
}
