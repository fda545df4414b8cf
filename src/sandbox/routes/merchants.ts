/**
 * GET /merchants?cnpjs=<14 digits>,… (docs/pluggy.md#merchants): the companies behind CNPJs, as
 * `{ foundMerchants, notFoundMerchants, invalidCnpjs }`. The sandbox knows the merchants its worlds
 * draw from (by their synthetic CNPJs) and answers the subscriptions' clean brand names.
 */
import type { SandboxContext } from '../context.ts';
import { invalid } from '../errors.ts';
import type { Router } from '../server.ts';
import type { Merchant } from '../types.ts';
import { categoryName } from '../world/categories.ts';
import { MERCHANTS, merchantCnpj } from '../world/pools.ts';
import { subscriptionBrandsByCnpj } from '../world/subscriptions.ts';

/** Unverified: how many CNPJs one call may carry; the sandbox refuses more than this. */
const MAX_CNPJS = 100;

let directory: Map<string, Merchant> | undefined;

function knownMerchants(): Map<string, Merchant> {
  if (directory) return directory;
  directory = new Map();
  for (const m of MERCHANTS) {
    const cnpj = merchantCnpj(m.name);
    directory.set(cnpj, {
      name: m.name,
      businessName: m.businessName,
      cnpj,
      cnae: m.cnae.replace(/\D/g, ''),
      category: categoryName(m.categoryId),
    });
  }
  for (const [cnpj, s] of subscriptionBrandsByCnpj()) {
    directory.set(cnpj, {
      name: s.brand,
      businessName: s.businessName,
      cnpj,
      cnae: s.cnae.replace(/\D/g, ''),
      category: categoryName(s.categoryId),
    });
  }
  return directory;
}

/** 14 digits with both check digits right. */
export function validCnpj(c: string): boolean {
  if (!/^\d{14}$/.test(c) || /^(\d)\1{13}$/.test(c)) return false;
  const d = [...c].map(Number);
  const check = (n: number) => {
    const weights = n === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    const sum = weights.reduce((s, w, i) => s + w * d[i]!, 0);
    const r = sum % 11;
    return r < 2 ? 0 : 11 - r;
  };
  return check(12) === d[12] && check(13) === d[13];
}

export function merchantRoutes(router: Router, _ctx: SandboxContext): void {
  router.add('GET', '/merchants', 'api', ({ query }) => {
    const raw = query.get('cnpjs');
    if (!raw) throw invalid('cnpjs should not be empty');
    const cnpjs = [
      ...new Set(
        raw
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean),
      ),
    ];
    if (cnpjs.length > MAX_CNPJS) throw invalid(`cnpjs must contain no more than ${MAX_CNPJS} elements`);
    const known = knownMerchants();
    const foundMerchants: Merchant[] = [];
    const notFoundMerchants: string[] = [];
    const invalidCnpjs: string[] = [];
    for (const c of cnpjs) {
      if (!validCnpj(c)) invalidCnpjs.push(c);
      else {
        const m = known.get(c);
        if (m) foundMerchants.push(m);
        else notFoundMerchants.push(c);
      }
    }
    return { foundMerchants, notFoundMerchants, invalidCnpjs };
  });
}
