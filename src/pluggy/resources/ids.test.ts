import { describe, expect, it } from 'vitest';
import { PluggyError } from '../errors.ts';
import type { RequestSender, RequestSpec } from '../http.ts';
import { accountsResource } from './accounts.ts';
import { billsResource } from './bills.ts';
import { connectorsResource } from './connectors.ts';
import { identityResource } from './identity.ts';
import { investmentsResource } from './investments.ts';
import { itemsResource } from './items.ts';
import { loansResource } from './loans.ts';
import { transactionsResource } from './transactions.ts';
import { webhooksResource } from './webhooks.ts';

/** A sender that records what would go out and answers nothing useful: only the calls matter. */
function recordingSender() {
  const sent: RequestSpec[] = [];
  const http: RequestSender = {
    async request(spec) {
      sent.push(spec);
      throw new Error('sent');
    },
    async requestVoid(spec) {
      sent.push(spec);
    },
  };
  return { http, sent };
}

const ID = 'a3f8d2c1-6b4e-4a7d-9e02-5c1b8f7e3d64';
const BAD = ['..', '', '../../webhooks', `${ID}/mfa`, `${ID}?x=1`, 'a3f8d2c1%2F', ` ${ID}`];

describe('Pluggy resources: ids checked before any request', () => {
  const calls = (http: RequestSender) => {
    const items = itemsResource(http);
    const accounts = accountsResource(http);
    const tx = transactionsResource(http);
    const inv = investmentsResource(http);
    const hooks = webhooksResource(http);
    return (id: string) => [
      () => items.getItem(id),
      () => items.updateItem(id, {}),
      () => items.deleteItem(id),
      () => items.sendItemMfa(id, { token: '1' }),
      () => accounts.getAccounts(id),
      () => accounts.getAccount(id),
      () => billsResource(http).getBills(id),
      () => identityResource(http).getIdentity(id),
      () => loansResource(http).getLoans(id),
      () => inv.getInvestments(id),
      () => inv.investmentTransactionPages(id).next(),
      () => tx.getTransaction(id),
      () => tx.getTransactionsByIds(id, [ID]),
      () => tx.getTransactionsByIds(ID, [ID, id]),
      () => hooks.updateWebhook(id, {}),
      () => hooks.deleteWebhook(id),
    ];
  };

  it('a non-UUID id is a typed invalid-request error, and nothing is sent', async () => {
    const { http, sent } = recordingSender();
    for (const bad of BAD) {
      for (const call of calls(http)(bad)) {
        // A rejection, not a synchronous throw: callers may chain .catch().
        const err = await (call() as Promise<unknown>).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, `${call} with ${JSON.stringify(bad)}`).toBeInstanceOf(PluggyError);
        expect(err).toMatchObject({ code: 'invalid-request' });
      }
    }
    expect(sent).toEqual([]);
  });

  it('a valid id goes out, path segments encoded', async () => {
    const { http, sent } = recordingSender();
    for (const call of calls(http)(ID.toUpperCase())) await (call() as Promise<unknown>).catch(() => {});
    expect(sent.length).toBeGreaterThanOrEqual(16);
    expect(sent.map((s) => s.path)).toContain(`/items/${ID.toUpperCase()}/mfa`);
  });

  it('connector ids are positive integers', async () => {
    const { http, sent } = recordingSender();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(connectorsResource(http).getConnector(bad)).rejects.toMatchObject({
        code: 'invalid-request',
      });
    }
    expect(sent).toEqual([]);
  });
});
