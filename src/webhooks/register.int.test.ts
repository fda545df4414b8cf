import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET } from '../config.ts';
import { createPluggyClient, type PluggyClient } from '../pluggy/index.ts';
import { type Sandbox, startSandbox } from '../sandbox/index.ts';
import { startReceiver } from '../sandbox/test-helpers.ts';
import { registerWebhook } from './register.ts';

/**
 * `webhooks register` against the sandbox's webhook resource: matched by URL and event, never
 * changing an existing webhook's event, and every webhook at our URL moved to the new secret (a
 * webhook left on the old one would get 401s, which Pluggy never retries). Which secret each
 * webhook now carries is seen on a real delivery: Pluggy's `headers` are write-only.
 */
let sandbox: Sandbox;
let pluggy: PluggyClient;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    seed: 7,
    webhookRetry: { attempts: 1, delaysMs: [5], timeoutMs: 1_000 },
  });
  pluggy = createPluggyClient({
    baseUrl: sandbox.url,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: SANDBOX_CLIENT_SECRET,
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await sandbox?.close();
  await receiver?.close();
});
beforeEach(async () => {
  for (const w of await pluggy.listWebhooks()) await pluggy.deleteWebhook(w.id);
  receiver.received.length = 0;
});

const OLD = 'old-webhook-secret-0123456789';
const NEW = 'new-webhook-secret-9876543210';

/** The x-webhook-secret each path received on one connector/status_updated (sent to every webhook). */
async function secretsSeen(): Promise<Array<[string, unknown]>> {
  receiver.received.length = 0;
  await sandbox.admin.setConnectorStatus(2, 'UNSTABLE');
  await sandbox.admin.waitForDeliveries();
  await sandbox.admin.setConnectorStatus(2, 'ONLINE');
  await sandbox.admin.waitForDeliveries();
  return receiver.received
    .filter((r) => (r.body as { data?: { status?: string } }).data?.status === 'UNSTABLE')
    .map((r): [string, unknown] => [r.path, r.headers['x-webhook-secret']])
    .sort(([a], [b]) => a.localeCompare(b));
}

describe('registerWebhook', () => {
  it('creates one webhook when none points at the URL', async () => {
    const url = `${receiver.url}/ours`;
    const result = await registerWebhook(pluggy, { url, secret: NEW });
    expect(result).toMatchObject({ action: 'created', webhook: { event: 'all', url }, secretUpdated: [] });
    expect(await pluggy.listWebhooks()).toHaveLength(1);
    expect(await secretsSeen()).toEqual([['/ours', NEW]]);
  });

  it('updates the webhook with the same URL and event; others at the URL get the new secret, their event kept', async () => {
    const url = `${receiver.url}/ours`;
    const all = await pluggy.createWebhook({ event: 'all', url, headers: { 'x-webhook-secret': OLD } });
    const status = await pluggy.createWebhook({
      event: 'connector/status_updated',
      url,
      headers: { 'x-webhook-secret': OLD },
    });
    const foreign = await pluggy.createWebhook({
      event: 'all',
      url: `${receiver.url}/someone-else`,
      headers: { 'x-webhook-secret': OLD },
    });

    const result = await registerWebhook(pluggy, { url, secret: NEW });
    expect(result.action).toBe('updated');
    expect(result.webhook).toMatchObject({ id: all.id, event: 'all' });
    expect(result.secretUpdated.map((w) => [w.id, w.event])).toEqual([
      [status.id, 'connector/status_updated'],
    ]);

    const byId = new Map((await pluggy.listWebhooks()).map((w) => [w.id, w]));
    expect(byId.size).toBe(3);
    expect(byId.get(status.id)?.event).toBe('connector/status_updated');
    expect(byId.get(foreign.id)?.event).toBe('all');
    // Both of ours deliver with the new secret; the foreign webhook is untouched.
    expect(await secretsSeen()).toEqual([
      ['/ours', NEW],
      ['/ours', NEW],
      ['/someone-else', OLD],
    ]);
  });

  it('creates a webhook for a different event instead of changing the existing one, and still moves its secret', async () => {
    const url = `${receiver.url}/ours`;
    const all = await pluggy.createWebhook({ event: 'all', url, headers: { 'x-webhook-secret': OLD } });

    const result = await registerWebhook(pluggy, { url, secret: NEW, event: 'connector/status_updated' });
    expect(result.action).toBe('created');
    expect(result.webhook).toMatchObject({ event: 'connector/status_updated', url });
    expect(result.webhook.id).not.toBe(all.id);
    expect(result.secretUpdated.map((w) => [w.id, w.event])).toEqual([[all.id, 'all']]);
    expect((await pluggy.listWebhooks()).map((w) => w.event).sort()).toEqual([
      'all',
      'connector/status_updated',
    ]);
    expect(await secretsSeen()).toEqual([
      ['/ours', NEW],
      ['/ours', NEW],
    ]);
  });

  it('moves every duplicate (same URL and event) to the new secret, and re-registering changes nothing more', async () => {
    const url = `${receiver.url}/ours`;
    for (let i = 0; i < 2; i++)
      await pluggy.createWebhook({ event: 'all', url, headers: { 'x-webhook-secret': OLD } });
    const first = await registerWebhook(pluggy, { url, secret: NEW });
    expect(first.action).toBe('updated');
    expect(first.secretUpdated).toHaveLength(1);
    const again = await registerWebhook(pluggy, { url, secret: NEW });
    expect(again.action).toBe('updated');
    expect(await pluggy.listWebhooks()).toHaveLength(2);
    expect(await secretsSeen()).toEqual([
      ['/ours', NEW],
      ['/ours', NEW],
    ]);
  });
});
