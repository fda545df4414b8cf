import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from './index.ts';
import { apiKey, client } from './test-helpers.ts';

/**
 * startSandbox({ stateFile }): a sandbox restarted on the same file knows what the previous one knew,
 * and goes on exactly as one that never stopped.
 */

const dir = mkdtempSync(join(tmpdir(), 'sandbox-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base: SandboxOptions = {
  seed: 5,
  stepDelayMs: 1,
  clock: 'manual',
  now: new Date('2025-03-01T10:00:00.000Z'),
  size: { transactionsPerAccount: 40 },
};

/** Everything a client could observe about the items (plus the ground truth), for comparison. */
async function observe(sb: Sandbox, itemIds: string[]) {
  const api = client(sb.url, await apiKey(sb.url));
  const out: Record<string, unknown> = { now: sb.admin.now().toISOString() };
  for (const id of itemIds) {
    out[id] = {
      item: (await api.get(`/items/${id}`)).body,
      truth: sb.admin.truth(id),
      summary: sb.admin.truthSummary(id),
      consents: (await api.get(`/consents?itemId=${id}`)).body,
      identity: (await api.get(`/identity?itemId=${id}`)).body,
      investments: (await api.get(`/investments?itemId=${id}`)).body,
    };
  }
  out.webhooks = (await api.get('/webhooks')).body;
  out.connector2 = (await api.get('/connectors/2')).body.health;
  return out;
}

/** First half: items over HTTP and in process, scenario changes, a day passing. */
async function firstHalf(sb: Sandbox): Promise<string[]> {
  const api = client(sb.url, await apiKey(sb.url));
  const created = await api.post('/items', {
    connectorId: 2,
    parameters: { user: 'user-ok', password: 'password-ok' },
    clientUserId: 'keep-me',
  });
  await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
  const business = await sb.admin.createItemNow({ connectorId: 8 });
  const of = await sb.admin.createItemNow({ connectorId: 600 });
  await api.post('/webhooks', { event: 'item/updated', url: 'http://127.0.0.1:9/never' });
  await sb.admin.addTransactions(created.body.id, { count: 4, backdatedDays: 3 });
  await sb.admin.postPending(created.body.id);
  await sb.admin.restateCardBill(created.body.id);
  await sb.admin.revokeConsent(of.id);
  await sb.admin.setConnectorStatus(2, 'UNSTABLE');
  await sb.admin.advanceClock(25 * 3_600_000);
  return [created.body.id, business.id, of.id];
}

/** Second half: more activity that depends on the generators' positions. */
async function secondHalf(sb: Sandbox, ids: string[]): Promise<string[]> {
  await sb.admin.addTransactions(ids[0]!, { count: 5 });
  await sb.admin.advanceClock(24 * 3_600_000);
  const later = await sb.admin.createItemNow({});
  return [...ids, later.id];
}

describe('sandbox state file', () => {
  it('a restarted sandbox knows every item and goes on as one that never stopped', async () => {
    const file = join(dir, 'nested', 'state.json');
    const a = await startSandbox({ ...base, stateFile: file });
    const ids = await firstHalf(a);
    const beforeRestart = await observe(a, ids);
    await a.close();
    expect(existsSync(file)).toBe(true);

    const b = await startSandbox({ ...base, stateFile: file });
    try {
      expect(await observe(b, ids)).toEqual(beforeRestart);
      const twin = await startSandbox(base);
      try {
        const twinIds = await secondHalf(twin, await firstHalf(twin));
        const bIds = await secondHalf(b, ids);
        expect(bIds).toEqual(twinIds);
        expect(await observe(b, bIds)).toEqual(await observe(twin, twinIds));
      } finally {
        await twin.close();
      }
    } finally {
      await b.close();
    }
  });

  it('settles an execution cut short by the restart as OUTDATED, and refuses another seed', async () => {
    const file = join(dir, 'cut.json');
    const a = await startSandbox({ ...base, stateFile: file });
    const api = client(a.url, await apiKey(a.url));
    const mfa = await api.post('/items', {
      connectorId: 3,
      parameters: { user: 'user-ok', password: 'password-ok' },
    });
    await a.admin.waitForItemStatus(mfa.body.id, 'WAITING_USER_INPUT');
    await a.close();

    const b = await startSandbox({ ...base, stateFile: file });
    try {
      const item = (await client(b.url, await apiKey(b.url)).get(`/items/${mfa.body.id}`)).body;
      expect(item).toMatchObject({
        status: 'OUTDATED',
        executionStatus: 'UNEXPECTED_ERROR',
        parameter: null,
        error: { code: 'UNEXPECTED_ERROR' },
      });
    } finally {
      await b.close();
    }
    await expect(startSandbox({ ...base, seed: 6, stateFile: file })).rejects.toThrow(/seed 5.*seed 6/);
  });
});
