import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID } from './defaults.ts';
import { type Sandbox, startSandbox } from './index.ts';
import { apiKey, client, type Json, startReceiver } from './test-helpers.ts';

/**
 * Webhook deliveries: who gets what (registered webhooks with their custom headers; an item's
 * webhookUrl without them), payload shapes per event (docs/pluggy.md#webhooks), and retries.
 */

type Receiver = Awaited<ReturnType<typeof startReceiver>>;
type Event = Record<string, Json>;

describe('webhook deliveries', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof client>;
  let hub: Receiver;
  const SECRET = 'whsec-test-1234567890';

  beforeAll(async () => {
    sb = await startSandbox({
      stepDelayMs: 2,
      now: new Date('2025-03-10T15:00:00.000Z'),
      size: { transactionsPerAccount: 60 },
      // The one hanging receiver (/slow) costs one timeout; a short one would turn slow answers on a
      // busy machine into extra attempts and break the attempt counts below.
      webhookRetry: { attempts: 4, delaysMs: [5, 10, 20], timeoutMs: 5_000 },
    });
    api = client(sb.url, await apiKey(sb.url));
    hub = await startReceiver();
    const reg = await api.post('/webhooks', {
      event: 'all',
      url: `${hub.url}/registered`,
      headers: { 'X-Webhook-Secret': SECRET },
    });
    expect(reg.status).toBe(200);
  });
  afterAll(async () => {
    await sb?.close();
    await hub?.close();
  });

  /** Events about one item that reached `path`, after every delivery settled. */
  const eventsFor = async (itemId: string, path = '/registered'): Promise<Event[]> => {
    await sb.admin.waitForDeliveries();
    return hub.events(path).filter((e) => e.itemId === itemId);
  };
  const names = (events: Event[]) => events.map((e) => e.event).sort();

  it('sends item/login_succeeded and item/created to the registered webhook (with headers) and to the item webhookUrl (without)', async () => {
    const created = await api.post('/items', {
      connectorId: 2,
      parameters: { user: 'user-ok', password: 'password-ok' },
      clientUserId: 'cu-42',
      webhookUrl: `${hub.url}/item-hook?token=abc`,
    });
    await sb.admin.waitForItemStatus(created.body.id, 'UPDATED');
    const registered = await eventsFor(created.body.id);
    const direct = await eventsFor(created.body.id, '/item-hook?token=abc');
    expect(names(registered)).toEqual(['item/created', 'item/login_succeeded']);
    expect(names(direct)).toEqual(['item/created', 'item/login_succeeded']);
    // Same event, same eventId on both targets.
    expect(registered.map((e) => e.eventId).sort()).toEqual(direct.map((e) => e.eventId).sort());
    const createdEvent = registered.find((e) => e.event === 'item/created')!;
    expect(createdEvent).toEqual({
      event: 'item/created',
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      id: created.body.id,
      itemId: created.body.id,
      clientId: DEFAULT_CLIENT_ID,
      clientUserId: 'cu-42',
      triggeredBy: 'CLIENT',
    });

    const reqs = hub.received.filter((r) => r.body.itemId === created.body.id);
    for (const r of reqs) {
      expect(r.headers['content-type']).toBe('application/json');
      if (r.path === '/registered') expect(r.headers['x-webhook-secret']).toBe(SECRET);
      else expect(r.headers['x-webhook-secret']).toBeUndefined();
    }
  });

  it('sends item/waiting_user_input for a 2-step MFA and item/error with the error for a failed login', async () => {
    const mfa = await api.post('/items', {
      connectorId: 3,
      parameters: { user: 'user-ok', password: 'password-ok' },
    });
    await sb.admin.waitForItemStatus(mfa.body.id, 'WAITING_USER_INPUT');
    await api.post(`/items/${mfa.body.id}/mfa`, { token: '123456' });
    await sb.admin.waitForItemStatus(mfa.body.id, 'UPDATED');
    expect(names(await eventsFor(mfa.body.id))).toEqual([
      'item/created',
      'item/login_succeeded',
      'item/waiting_user_input',
    ]);

    const locked = await api.post('/items', {
      connectorId: 2,
      parameters: { user: 'user-locked', password: 'password-ok' },
    });
    await sb.admin.waitForItemStatus(locked.body.id, 'LOGIN_ERROR');
    const events = await eventsFor(locked.body.id);
    expect(names(events)).toEqual(['item/error']);
    expect(events[0]).toMatchObject({
      itemId: locked.body.id,
      error: { code: 'ACCOUNT_LOCKED', message: expect.any(String) },
    });
  });

  it('sends item/updated after a PATCH and item/deleted after a DELETE', async () => {
    const item = await sb.admin.createItemNow({});
    await api.patch(`/items/${item.id}`, {});
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    await api.del(`/items/${item.id}`);
    const events = await eventsFor(item.id);
    expect(names(events)).toEqual([
      'item/created',
      'item/deleted',
      'item/login_succeeded',
      'item/login_succeeded',
      'item/updated',
    ]);
  });

  it('announces new transactions with a createdTransactionsLink that returns them, backdated ones included', async () => {
    const item = await sb.admin.createItemNow({});
    await sb.admin.waitForDeliveries();
    const added = await sb.admin.addTransactions(item.id, { count: 6, backdatedDays: 5 });
    const today = sb.admin.now().toISOString().slice(0, 10);
    expect(added.filter((t) => t.date.slice(0, 10) < today).length).toBe(3);
    const [event, ...rest] = (await eventsFor(item.id)).filter((e) => e.event === 'transactions/created');
    expect(rest).toHaveLength(0);
    expect(event).toMatchObject({
      itemId: item.id,
      accountId: added[0]!.accountId,
      transactionsCount: 6,
      transactionsCreatedAtFrom: added[0]!.createdAt,
    });
    expect(event!.createdTransactionsLink).toBe(
      `${sb.url}/v2/transactions?accountId=${added[0]!.accountId}&createdAtFrom=${added[0]!.createdAt}`,
    );
    const viaLink = await api.get(event!.createdTransactionsLink.slice(sb.url.length));
    expect(viaLink.body.results.map((t: { id: string }) => t.id).sort()).toEqual(
      added.map((t) => t.id).sort(),
    );
    // What a dateFrom=today sync would have missed:
    const byDate = await api.get(`/v2/transactions?accountId=${added[0]!.accountId}&dateFrom=${today}`);
    const seen = new Set(byDate.body.results.map((t: { id: string }) => t.id));
    expect(added.filter((t) => !seen.has(t.id))).toHaveLength(3);
  });

  it('sends transactions/updated when pending rows post in place (same ids)', async () => {
    const item = await sb.admin.createItemNow({});
    const card = sb.admin.truth(item.id).accounts.find((a) => a.type === 'CREDIT')!;
    const pendingBefore = sb.admin
      .truth(item.id)
      .transactionsByAccount[card.id]!.filter((t) => t.status === 'PENDING');
    expect(pendingBefore.length).toBeGreaterThan(0);
    const ids = await sb.admin.postPending(item.id, card.id);
    expect(ids.sort()).toEqual(pendingBefore.map((t) => t.id).sort());
    const events = (await eventsFor(item.id)).filter((e) => e.event === 'transactions/updated');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ accountId: card.id, clientId: DEFAULT_CLIENT_ID });
    expect([...events[0]!.transactionIds].sort()).toEqual([...ids].sort());
    const after = await api.get(`/v2/transactions?accountId=${card.id}&ids=${ids.slice(0, 5).join(',')}`);
    expect(after.body.results.every((t: { status: string }) => t.status === 'POSTED')).toBe(true);
  });

  it('restates a card bill as transactions/deleted (old ids gone) + transactions/created (new ids)', async () => {
    const item = await sb.admin.createItemNow({});
    await sb.admin.waitForDeliveries();
    const { deleted, created } = await sb.admin.restateCardBill(item.id);
    expect(deleted.length).toBeGreaterThan(0);
    expect(created).toHaveLength(deleted.length);
    expect(created.filter((id) => deleted.includes(id))).toEqual([]);
    const events = await eventsFor(item.id);
    const del = events.find((e) => e.event === 'transactions/deleted')!;
    const cre = events.find((e) => e.event === 'transactions/created')!;
    expect([...del.transactionIds].sort()).toEqual([...deleted].sort());
    expect((await api.get(`/transactions/${deleted[0]}`)).status).toBe(404);
    const viaLink = await api.get(cre.createdTransactionsLink.slice(sb.url.length));
    expect(viaLink.body.results.map((t: { id: string }) => t.id).sort()).toEqual([...created].sort());

    await sb.admin.deleteTransactions(item.id, created.slice(0, 2));
    const more = (await eventsFor(item.id)).filter((e) => e.event === 'transactions/deleted');
    expect(more.map((e) => e.transactionIds)).toContainEqual(created.slice(0, 2));
  });

  it('sends connector/status_updated to registered webhooks only', async () => {
    const item = await sb.admin.createItemNow({ webhookUrl: `${hub.url}/only-item` });
    await sb.admin.setConnectorStatus(2, 'UNSTABLE');
    await sb.admin.waitForDeliveries();
    const status = hub.events('/registered').filter((e) => e.event === 'connector/status_updated');
    expect(status).toEqual([
      expect.objectContaining({ id: '2', data: { status: 'UNSTABLE' }, eventId: expect.any(String) }),
    ]);
    expect(hub.events('/only-item').map((e) => e.event)).not.toContain('connector/status_updated');
    expect((await api.get('/connectors/2?sandbox=true')).body.health.status).toBe('UNSTABLE');
    await sb.admin.setConnectorStatus(2, 'ONLINE');
    void item;
  });

  describe('retries', () => {
    let flaky: Receiver;
    beforeAll(async () => {
      flaky = await startReceiver();
    });
    afterAll(() => flaky?.close());

    it('retries non-2xx answers and timeouts until a 2xx, and never retries a 401', async () => {
      // /flaky fails twice then accepts; /slow hangs once (timeout) then accepts; /denied answers 401.
      flaky.setReply((r, attempt) => {
        if (r.path === '/flaky') return attempt <= 2 ? 500 : 204;
        if (r.path === '/slow') return attempt === 1 ? 'hang' : 200;
        return 401;
      });
      const items = await Promise.all(
        ['/flaky', '/slow', '/denied'].map((p) => sb.admin.createItemNow({ webhookUrl: `${flaky.url}${p}` })),
      );
      await sb.admin.waitForDeliveries();
      const byUrl = (p: string, itemId: string) =>
        sb.admin
          .deliveries()
          .filter((d) => d.url === `${flaky.url}${p}` && (d.payload as Event).itemId === itemId);
      for (const d of byUrl('/flaky', items[0]!.id))
        expect(d).toMatchObject({ attempts: 3, delivered: true, lastStatus: 204 });
      for (const d of byUrl('/slow', items[1]!.id))
        expect(d).toMatchObject({ attempts: 2, delivered: true, lastStatus: 200 });
      for (const d of byUrl('/denied', items[2]!.id))
        expect(d).toMatchObject({ attempts: 1, delivered: false, lastStatus: 401 });
      expect(
        byUrl('/flaky', items[0]!.id)
          .map((d) => d.event)
          .sort(),
      ).toEqual(['item/created', 'item/login_succeeded']);
      // The receiver saw each flaky event three times, with one eventId per event.
      const seen = flaky.received.filter((r) => r.path === '/flaky');
      expect(seen).toHaveLength(6);
      expect(new Set(seen.map((r) => r.body.eventId)).size).toBe(2);
    });

    it('gives up after the configured attempts', async () => {
      flaky.setReply(() => 503);
      const item = await sb.admin.createItemNow({ webhookUrl: `${flaky.url}/down` });
      await sb.admin.waitForDeliveries();
      const mine = sb.admin
        .deliveries()
        .filter((d) => (d.payload as Event).itemId === item.id && d.url.endsWith('/down'));
      expect(mine.length).toBe(2);
      // item/login_succeeded gets at most the first 3 attempts (docs/pluggy.md#deliveries-and-retries); other
      // events all 4.
      const byEvent = Object.fromEntries(mine.map((d) => [d.event, d]));
      expect(byEvent['item/created']).toMatchObject({ attempts: 4, delivered: false, lastStatus: 503 });
      expect(byEvent['item/login_succeeded']).toMatchObject({
        attempts: 3,
        delivered: false,
        lastStatus: 503,
      });
    });
  });
});
