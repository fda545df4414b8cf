import { PluggyError } from '../errors.ts';
import type { RequestSender } from '../http.ts';
import { IdentitySchema, type Identity } from '../schemas.ts';
import { checkedId } from './ids.ts';

/** See docs/pluggy.md#identity. */
export function identityResource(http: RequestSender) {
  return {
    /** null when Pluggy has no identity for the item (404). */
    async getIdentity(itemId: string): Promise<Identity | null> {
      try {
        return await http.request(
          {
            method: 'GET',
            path: '/identity',
            query: { itemId: checkedId('itemId', itemId, 'GET', '/identity') },
          },
          IdentitySchema,
        );
      } catch (err) {
        // An item without identity data answers 404 (docs/pluggy.md#identity, unverified): absence, not
        // failure.
        if (err instanceof PluggyError && err.code === 'not-found') return null;
        throw err;
      }
    },
  };
}
