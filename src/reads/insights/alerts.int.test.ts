import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordConnectorStatus } from '../../db/queries/connectorStatuses.ts';
import { getItem, linkItemsToUser } from '../../db/queries/items.ts';
import { syncItem } from '../../sync/syncItem.ts';
import { type Harness, startHarness } from '../../sync/testing/harness.ts';
import type { ConnectDeps } from '../connect.ts';
import { ensurePerson } from '../people.ts';
import { type Alert, personAlerts } from './alerts.ts';
import { shiftDay, todayInSaoPaulo } from './recurring.ts';

/**
 * Every alert kind from a sandbox scenario, synced by the real sync: a consent set to expire, a
 * consent revoked, a password changed at the bank, a connector announced unstable, a card bill that
 * disagrees with its rows, a bill due in two days, a new subscription, the world's price increase
 * and an unusual charge. Each appears once as new, then as seen.
 */
let h: Harness;
let userId: string;
let today: string;
const items: Record<'main' | 'revoked' | 'relogin', string> = { main: '', revoked: '', relogin: '' };
let rowsBeforeRevocation = 0;
const connect: ConnectDeps = {
  pool: undefined as never,
  pluggy: undefined as never,
  linkSecret: 'x'.repeat(32),
  publicBaseUrl: 'https://bridge.test',
  includeSandbox: true,
  enqueueSync: async () => {},
};

const countRows = async (itemId: string) =>
  (
    await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions WHERE item_id = $1', [
      itemId,
    ])
  ).rows[0]!.n;

beforeAll(async () => {
  h = await startHarness({ size: { subscriptions: true } });
  connect.pool = h.db.pool;
  userId = (await ensurePerson(h.db.pool, '+55 11 97777-1234')).user.id;
  const admin = h.sandbox.admin;
  today = todayInSaoPaulo(admin.now());
  for (const k of Object.keys(items) as Array<keyof typeof items>) {
    const item = await admin.createItemNow({ clientUserId: userId });
    await admin.waitForItemStatus(item.id, 'UPDATED');
    items[k] = item.id;
  }

  const card = admin.truth(items.main).accounts.find((a) => a.type === 'CREDIT')!.id;
  const mismatchBill = admin.explicit.addBill(items.main, {
    accountId: card,
    closeDate: shiftDay(today, -20),
    dueDate: shiftDay(today, -13),
    totalAmount: '500.00',
  });
  // Closed today (a payment row dated today is not after it), due in two days, unpaid.
  admin.explicit.addBill(items.main, {
    accountId: card,
    closeDate: today,
    dueDate: shiftDay(today, 2),
    totalAmount: '300.00',
  });
  const row = (date: string, amount: string, description: string, extra: object = {}) => ({
    accountId: card,
    date,
    amount,
    type: 'DEBIT' as const,
    description,
    categoryId: '08000000',
    ...extra,
  });
  await admin.explicit.addRows(items.main, [
    row(shiftDay(today, -25), '250.00', 'Loja Mismatch', { billId: mismatchBill }),
    row(shiftDay(today, -24), '200.00', 'Loja Mismatch', { billId: mismatchBill }),
    // A streaming plan started two months ago (a CNPJ Pluggy's directory does not know).
    ...[-62, -31, 0].map((d) =>
      row(shiftDay(today, d), '34.90', 'MAX STREAMING', {
        categoryId: '09020000',
        merchant: { name: 'MAX STREAMING', cnpj: '11222333000181' },
      }),
    ),
    // A bakery at about R$ 30, then R$ 480 yesterday.
    ...[-120, -90, -60, -30].map((d, i) => row(shiftDay(today, d), `${29 + i}.50`, 'Padaria Pão Quente')),
    row(shiftDay(today, -1), '480.00', 'Padaria Pão Quente'),
  ]);
  await admin.setConsentExpiry(items.main, new Date(admin.now().getTime() + 5 * 86_400_000).toISOString());
  for (const id of Object.values(items))
    expect((await syncItem(h.deps, id, { reason: 'manual' })).outcome).toBe('synced');
  await linkItemsToUser(h.db.pool, userId, userId);

  rowsBeforeRevocation = await countRows(items.revoked);
  await admin.revokeConsent(items.revoked);
  await admin.requireRelogin(items.relogin);
  for (const id of [items.revoked, items.relogin]) await syncItem(h.deps, id, { reason: 'manual' });

  const connectorId = (await getItem(h.db.pool, items.main))!.connectorId!;
  await admin.setConnectorStatus(connectorId, 'UNSTABLE');
  // What the webhook worker stores on connector/status_updated.
  await recordConnectorStatus(h.db.pool, {
    connectorId,
    status: 'UNSTABLE',
    eventId: 'evt-1',
    changedAt: new Date(),
  });
}, 180_000);
afterAll(async () => {
  await h?.close();
});

const ofKind = (alerts: Alert[], kind: Alert['kind']) => alerts.filter((a) => a.kind === kind);

describe('alerts', () => {
  let first: Alert[];

  it('each kind from its scenario, with a reason in Portuguese and a link where the person must act', async () => {
    first = (await personAlerts({ pool: h.db.pool, pluggy: h.pluggy, connect }, userId)).alerts;
    const expiring = ofKind(first, 'consent-expiring');
    expect(expiring).toEqual([expect.objectContaining({ itemId: items.main, severity: 'warning' })]);
    expect(expiring[0]!.reason).toMatch(/^A autorização do Open Finance com .+ vence em \d\d\/\d\d\/\d{4}/);
    expect(expiring[0]!.link?.url).toMatch(/^https:\/\/bridge\.test\/connect\?link=/);

    const revoked = ofKind(first, 'consent-revoked');
    expect(revoked).toEqual([expect.objectContaining({ itemId: items.revoked, severity: 'critical' })]);
    expect(revoked[0]!.reason).toContain('os dados guardados continuam aqui');
    expect(revoked[0]!.link).not.toBeNull();
    // A revoked consent deletes nothing.
    expect(await countRows(items.revoked)).toBe(rowsBeforeRevocation);

    const relogin = ofKind(first, 'reconnect-needed');
    expect(relogin).toEqual([expect.objectContaining({ itemId: items.relogin })]);
    expect(relogin[0]!.reason).toContain('o banco recusou a senha');
    expect(relogin[0]!.link?.url).toContain('/connect?link=');

    expect(ofKind(first, 'connector-unstable')).toEqual([
      expect.objectContaining({ facts: expect.objectContaining({ status: 'UNSTABLE' }) }),
    ]);
    expect(ofKind(first, 'connector-unstable')[0]!.reason).toContain('instável');

    const mismatch = ofKind(first, 'bill-mismatch');
    expect(mismatch).toEqual([
      expect.objectContaining({
        facts: expect.objectContaining({ total: '500.00', transactionsSum: '450.00' }),
      }),
    ]);
    expect(mismatch[0]!.reason).toContain('soma R$ 500,00, mas as compras dela somam R$ 450,00');

    const due = ofKind(first, 'bill-due');
    expect(due).toEqual([
      expect.objectContaining({
        facts: expect.objectContaining({ total: '300.00', dueDate: shiftDay(today, 2) }),
      }),
    ]);
    expect(due[0]!.reason).toMatch(/R\$ 300,00 vence em \d\d\/\d\d\/\d{4} e ainda não foi paga/);

    const fresh = ofKind(first, 'new-subscription');
    expect(fresh.map((a) => a.facts.merchant)).toEqual(['MAX STREAMING']);

    const raised = ofKind(first, 'price-increase');
    // Every item of this sandbox has the subscriptions world: one Claro plan per card.
    expect(raised.map((a) => a.reason)).toEqual(
      Array(3).fill(expect.stringMatching(/^Claro subiu de R\$ 64,99 para R\$ 74,99 em /)),
    );

    const unusual = ofKind(first, 'unusual-charge').filter((a) => a.facts.merchant === 'Padaria Pão Quente');
    expect(unusual).toEqual([
      expect.objectContaining({ facts: expect.objectContaining({ amount: '480.00', basis: 'merchant' }) }),
    ]);

    expect(first.every((a) => a.isNew)).toBe(true);
    expect(new Set(first.map((a) => a.id)).size).toBe(first.length);
  });

  it('the same alerts again are not new: same ids, first shown time kept', async () => {
    const again = (await personAlerts({ pool: h.db.pool, pluggy: h.pluggy, connect }, userId)).alerts;
    expect(again.map((a) => a.id).sort()).toEqual(first.map((a) => a.id).sort());
    expect(again.filter((a) => a.isNew)).toEqual([]);
    const firstTimes = Object.fromEntries(first.map((a) => [a.id, a.firstShownAt]));
    for (const a of again) expect(a.firstShownAt).toBe(firstTimes[a.id]);
  });
});
