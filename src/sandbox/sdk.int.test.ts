import { PluggyClient } from 'pluggy-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './defaults.ts';
import { type Sandbox, startSandbox } from './index.ts';

/**
 * Acceptance: Pluggy's official Node SDK runs its read flow against the sandbox. This proves the
 * sandbox speaks Pluggy (JWT apiKey with exp, 200 on mutations, exact date strings, cursor `next`),
 * not just whatever our own client expects.
 */
describe('pluggy-sdk against the sandbox', () => {
  let sb: Sandbox;
  let pluggy: PluggyClient;
  const previous = process.env.PLUGGY_API_URL;

  beforeAll(async () => {
    sb = await startSandbox({ stepDelayMs: 3, v2PageSize: 40, size: { transactionsPerAccount: 150 } });
    // The SDK reads the base URL from the environment in its constructor and nowhere else.
    process.env.PLUGGY_API_URL = sb.url;
    pluggy = new PluggyClient({ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET });
  });
  afterAll(async () => {
    if (previous === undefined) delete process.env.PLUGGY_API_URL;
    else process.env.PLUGGY_API_URL = previous;
    await sb?.close();
  });

  it('runs connectors → connect token → item → accounts → transactions → identity/investments/loans/bills', async () => {
    const connectors = await pluggy.fetchConnectors({ sandbox: true, countries: ['BR'] });
    expect(connectors.results.map((c) => c.id)).toContain(2);
    expect(connectors.results[0]!.createdAt).toBeInstanceOf(Date);

    const { accessToken } = await pluggy.createConnectToken(undefined, { clientUserId: 'sdk-user' });
    expect(accessToken.split('.')).toHaveLength(3);

    const created = await pluggy.createItem(
      2,
      { user: 'user-ok', password: 'password-ok' },
      { clientUserId: 'sdk-user' },
    );
    expect(created.status).toBe('UPDATING');
    let item = created;
    for (let i = 0; i < 400 && item.status !== 'UPDATED'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      item = await pluggy.fetchItem(created.id);
      expect(['UPDATING', 'UPDATED']).toContain(item.status);
    }
    expect(item.status).toBe('UPDATED');
    expect(item.lastUpdatedAt).toBeInstanceOf(Date);

    const accounts = await pluggy.fetchAccounts(item.id);
    expect(accounts.results.length).toBe(3);
    const truth = sb.admin.truth(item.id);
    for (const account of accounts.results) {
      const all = await pluggy.fetchAllTransactions(account.id);
      expect(all.map((t) => t.id)).toEqual(truth.transactionsByAccount[account.id]!.map((t) => t.id));
      expect(all[0]!.date).toBeInstanceOf(Date);
      const firstPage = await pluggy.fetchTransactionsCursor(account.id);
      expect(firstPage.results).toHaveLength(40);
      expect(firstPage.next).toMatch(/^\?accountId=.*&after=/);
    }

    const identity = await pluggy.fetchIdentityByItemId(item.id);
    expect(identity.itemId).toBe(item.id);
    const investments = await pluggy.fetchInvestments(item.id);
    expect(investments.results.length).toBeGreaterThan(0);
    const invTx = await pluggy.fetchAllInvestmentTransactions(investments.results[0]!.id);
    expect(invTx.length).toBeGreaterThan(0);
    const loans = await pluggy.fetchLoans(item.id);
    expect(loans.results[0]!.itemId).toBe(item.id);
    const card = accounts.results.find((a) => a.type === 'CREDIT')!;
    const bills = await pluggy.fetchCreditCardBills(card.id);
    expect(bills.results.length).toBeGreaterThan(0);
    expect(bills.results[0]!.dueDate).toBeInstanceOf(Date);
    const categories = await pluggy.fetchCategories();
    expect(categories.results.length).toBeGreaterThan(50);
  });

  it('manages webhooks and deletes an item (mutations answer 200, so the SDK resolves)', async () => {
    const hook = await pluggy.createWebhook('item/updated', 'https://example.com/hook', { 'X-Secret': 'a' });
    expect(hook.event).toBe('item/updated');
    const updated = await pluggy.updateWebhook(hook.id, { url: 'https://example.com/other' });
    expect(updated.url).toBe('https://example.com/other');
    expect((await pluggy.fetchWebhooks()).results.map((w) => w.id)).toContain(hook.id);
    await pluggy.deleteWebhook(hook.id);

    const item = await sb.admin.createItemNow({});
    const refreshed = await pluggy.updateItem(item.id);
    expect(refreshed.status).toBe('UPDATING');
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    await pluggy.deleteItem(item.id);
    await expect(pluggy.fetchItem(item.id)).rejects.toMatchObject({
      code: 404,
      codeDescription: 'ITEM_NOT_FOUND',
    });
  });
});
