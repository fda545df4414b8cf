import { z } from 'zod';
import { PluggyError } from '../errors.ts';
import type { RequestSender } from '../http.ts';

export const MerchantSchema = z.looseObject({
  name: z.string().nullish(),
  businessName: z.string().nullish(),
  cnpj: z.string(),
  cnae: z.string().nullish(),
  category: z.string().nullish(),
});
export type Merchant = z.infer<typeof MerchantSchema>;

const MerchantsAnswerSchema = z.looseObject({
  foundMerchants: z.array(MerchantSchema),
  notFoundMerchants: z.array(z.string()),
  invalidCnpjs: z.array(z.string()),
});
export type MerchantsAnswer = z.infer<typeof MerchantsAnswerSchema>;

/** CNPJs per call: the limit is undocumented, so calls stay small (docs/pluggy.md#merchants). */
export const MERCHANTS_PER_CALL = 50;

/** GET /merchants?cnpjs= (docs/pluggy.md#merchants): the companies behind CNPJs, digits only. */
export function merchantsResource(http: RequestSender) {
  return {
    async getMerchants(cnpjs: readonly string[]): Promise<MerchantsAnswer> {
      const bad = cnpjs.find((c) => !/^\d{14}$/.test(c));
      if (bad !== undefined || cnpjs.length === 0 || cnpjs.length > MERCHANTS_PER_CALL) {
        throw new PluggyError({
          code: 'invalid-request',
          message: `getMerchants takes 1..${MERCHANTS_PER_CALL} CNPJs of 14 digits`,
          method: 'GET',
          path: '/merchants',
        });
      }
      return http.request(
        { method: 'GET', path: '/merchants', query: { cnpjs: cnpjs.join(',') } },
        MerchantsAnswerSchema,
      );
    },
  };
}
