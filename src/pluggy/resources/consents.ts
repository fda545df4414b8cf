import { z } from 'zod';
import type { RequestSender } from '../http.ts';
import { listAll } from '../pagination.ts';
import { checkedId } from './ids.ts';

export const ConsentSchema = z.looseObject({
  id: z.string(),
  itemId: z.string().nullish(),
  createdAt: z.string().nullish(),
  /** null: never expires (the Open Finance default). */
  expiresAt: z.string().nullish(),
  /** Set once the person revoked the consent at the bank. */
  revokedAt: z.string().nullish(),
});
export type Consent = z.infer<typeof ConsentSchema>;

/** GET /consents?itemId= (docs/pluggy.md#open-finance-and-consents). */
export function consentsResource(http: RequestSender) {
  return {
    getConsents(itemId: string): Promise<Consent[]> {
      return listAll(
        http,
        { path: '/consents', query: { itemId: checkedId('itemId', itemId, 'GET', '/consents') } },
        ConsentSchema,
      );
    },
  };
}
