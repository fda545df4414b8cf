/**
 * Where generated rows go: ids from the account's own stream, one creation time, Open Finance provider ids.
 */
import { dayStart } from '../clock.ts';
import type { Rng } from '../random.ts';
import type { Template, TxRow } from './rows.ts';
import type { AccountState } from './model.ts';

export type RowSink = {
  acct: AccountState;
  ids: Rng;
  createdAt: number;
  providerIds: boolean;
};

export function pushRow(
  sink: RowSink,
  rows: TxRow[],
  date: number,
  amount: number,
  t: Template,
  status: 'PENDING' | 'POSTED' = 'POSTED',
  cc: TxRow['cc'] = null,
  fx: number | null = null,
): TxRow {
  const id = sink.ids.uuid();
  const row: TxRow = {
    id,
    accountId: sink.acct.account.id,
    date,
    createdAt: sink.createdAt,
    updatedAt: sink.createdAt,
    amount,
    fx,
    balance: null,
    status,
    t,
    // Open Finance hands out the institution's own ids; direct connectors rarely do.
    providerId: sink.providerIds ? `OF${id.replace(/-/g, '').slice(0, 20).toUpperCase()}` : null,
    cc,
  };
  rows.push(row);
  return row;
}

export const randomDay = (rng: Rng, from: number, to: number) => dayStart(from + rng.next() * (to - from));
export const niceAmount = (rng: Rng, min: number, max: number) => {
  const v = rng.int(min, max);
  return rng.chance(0.4) ? Math.max(min, Math.round(v / 1000) * 1000) : v;
};
