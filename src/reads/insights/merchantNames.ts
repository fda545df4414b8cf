import type { Db } from '../../db/pool.ts';
import { getMerchants, saveMerchants } from '../../db/queries/merchants.ts';
import { MERCHANTS_PER_CALL, type PluggyClient } from '../../pluggy/index.ts';

/** A lookup that found nothing is asked again after this long (Pluggy's directory grows). */
const NOT_FOUND_RETRY_MS = 30 * 86_400_000;
/** A found name is kept this long before it is asked again. */
const FOUND_KEEP_MS = 365 * 86_400_000;

export type MerchantLookup = Pick<PluggyClient, 'getMerchants'>;

/**
 * Brand names by CNPJ, from our table, asking Pluggy's GET /merchants (docs/pluggy.md#merchants)
 * only for CNPJs not looked up yet. Lazy rather than at sync: a sync costs no extra call, only the
 * CNPJs that reach an answer are ever asked about, and each is asked once. If Pluggy fails the
 * answer goes on with the names the transactions carry.
 */
export async function merchantNames(
  db: Db,
  pluggy: MerchantLookup | undefined,
  cnpjs: Iterable<string>,
  now = new Date(),
): Promise<Map<string, string>> {
  const wanted = [...new Set([...cnpjs].filter((c) => /^\d{14}$/.test(c)))];
  const names = new Map<string, string>();
  if (wanted.length === 0) return names;
  const stored = await getMerchants(db, wanted, new Date(now.getTime() - FOUND_KEEP_MS));
  const fresh = new Set<string>();
  for (const m of stored) {
    if (m.name) {
      names.set(m.cnpj, m.name);
      fresh.add(m.cnpj);
    } else if (now.getTime() - m.lookedUpAt.getTime() < NOT_FOUND_RETRY_MS) {
      fresh.add(m.cnpj);
    }
  }
  const missing = wanted.filter((c) => !fresh.has(c));
  if (!pluggy || missing.length === 0) return names;
  for (let i = 0; i < missing.length; i += MERCHANTS_PER_CALL) {
    const batch = missing.slice(i, i + MERCHANTS_PER_CALL);
    let answer: Awaited<ReturnType<MerchantLookup['getMerchants']>>;
    try {
      answer = await pluggy.getMerchants(batch);
    } catch {
      return names; // names from the transactions themselves; asked again next time
    }
    const rows = answer.foundMerchants
      .filter((m) => batch.includes(m.cnpj))
      .map((m) => ({
        cnpj: m.cnpj,
        name: m.name ?? m.businessName ?? null,
        businessName: m.businessName ?? null,
        cnae: m.cnae ?? null,
        category: m.category ?? null,
      }));
    const found = new Set(rows.map((r) => r.cnpj));
    for (const c of [...answer.notFoundMerchants, ...answer.invalidCnpjs]) {
      if (batch.includes(c) && !found.has(c)) {
        rows.push({ cnpj: c, name: null, businessName: null, cnae: null, category: null });
      }
    }
    await saveMerchants(db, rows);
    for (const r of rows) if (r.name) names.set(r.cnpj, r.name);
  }
  return names;
}
