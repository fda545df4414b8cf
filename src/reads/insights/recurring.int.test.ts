import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkItemsToUser } from '../../db/queries/items.ts';
import { syncItem } from '../../sync/syncItem.ts';
import { type Harness, startHarness } from '../../sync/testing/harness.ts';
import { ensurePerson } from '../people.ts';
import { recurringCharges, todayInSaoPaulo } from './recurring.ts';

/**
 * The sandbox world with its subscriptions, synced into PostgreSQL by the real sync: the detector
 * finds exactly those, with the right cadence, price change and stop, and nothing among the
 * hundreds of one-off purchases (the same world also buys at Netflix, Spotify, Vivo and Smart Fit at
 * random days and amounts).
 */
let h: Harness;
let userId: string;
let today: string;

beforeAll(async () => {
  h = await startHarness({ size: { subscriptions: true } });
  userId = (await ensurePerson(h.db.pool, '+55 11 91234-5678')).user.id;
  const item = await h.sandbox.admin.createItemNow({ clientUserId: userId });
  await h.sandbox.admin.waitForItemStatus(item.id, 'UPDATED');
  expect((await syncItem(h.deps, item.id, { reason: 'manual' })).outcome).toBe('synced');
  await linkItemsToUser(h.db.pool, userId, userId);
  today = todayInSaoPaulo(h.sandbox.admin.now());
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('recurring charges over the sandbox world', () => {
  it('finds every subscription, named by GET /merchants, and nothing else', async () => {
    const answer = await recurringCharges({ pool: h.db.pool, pluggy: h.pluggy }, userId, today);
    const all = [...answer.active, ...answer.stopped];
    expect(all.map((s) => s.name).sort()).toEqual(
      ['Anuidade Cartão', 'Bluefit', 'Claro', 'Deezer', 'Disney+', 'Feira Orgânica'].sort(),
    );
    const by = Object.fromEntries(all.map((s) => [s.name, s]));
    expect(by['Disney+']).toMatchObject({
      cadence: 'monthly',
      amount: '43.90',
      status: 'active',
      priceChanges: [],
    });
    expect(by.Bluefit).toMatchObject({ cadence: 'monthly', amount: '119.90', status: 'active' });
    expect(by['Feira Orgânica']).toMatchObject({ cadence: 'weekly', amount: '89.90', status: 'active' });
    expect(by['Feira Orgânica']!.occurrences).toBeGreaterThanOrEqual(50);
    expect(by['Anuidade Cartão']).toMatchObject({ cadence: 'yearly', occurrences: 2, amount: '480.00' });
    expect(by.Claro).toMatchObject({ cadence: 'monthly', amount: '74.99', status: 'active' });
    expect(by.Claro!.priceChanges).toEqual([expect.objectContaining({ from: '64.99', to: '74.99' })]);
    expect(by.Deezer).toMatchObject({ cadence: 'monthly', status: 'stopped' });
    expect(answer.stopped.map((s) => s.name)).toEqual(['Deezer']);

    // Next dates: same day of the month (or week/year) after the last charge, never in the past for active ones.
    for (const s of answer.active) expect(s.nextExpectedDay >= s.lastDay).toBe(true);
    expect(by['Disney+']!.nextExpectedDay.slice(8)).toBe('05');

    // Monthly total: 43.90 + 119.90 + 74.99 + 89.90×52/12 + 480.00/12, to the cent.
    const weekly = (8990n * 52n * 100n) / 12n; // ten-thousandths
    const expected = 4390n * 100n + 11990n * 100n + 7499n * 100n + weekly + (48000n * 100n) / 12n;
    const cents = (expected + 50n) / 100n;
    expect(answer.monthlyTotal).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
  });

  it('looks each CNPJ up once: a second answer asks Pluggy nothing', async () => {
    h.sandbox.admin.resetRequests();
    await recurringCharges({ pool: h.db.pool, pluggy: h.pluggy }, userId, today);
    expect(h.sandbox.admin.requests().filter((r) => r.path.startsWith('/merchants'))).toEqual([]);
  });

  it('without Pluggy (or when it fails) the statement names are used', async () => {
    await h.db.pool.query('DELETE FROM merchants');
    const answer = await recurringCharges({ pool: h.db.pool }, userId, today);
    expect(answer.active.map((s) => s.name)).toContain('DL *DISNEYPLUS');
  });
});
