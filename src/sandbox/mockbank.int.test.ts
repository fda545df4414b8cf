import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from './index.ts';
import { MOCKBANK_PASSWORD, MOCKBANK_USER } from './mockbank/sessions.ts';
import { apiKey, client, startReceiver } from './test-helpers.ts';

/**
 * Open Finance consent over HTTP: an item on an Open Finance connector waits (WAITING_USER_INPUT,
 * `oauth` parameter) until the user decides at MockBank; approve → UPDATED, deny →
 * USER_AUTHORIZATION_NOT_GRANTED, no answer → USER_INPUT_TIMEOUT; the multiple-approval CPFs.
 */

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Posts the MockBank form as a browser would (urlencoded), without following the redirect. */
async function decide(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}
const approve = (url: string) =>
  decide(url, { email: MOCKBANK_USER, password: MOCKBANK_PASSWORD, decision: 'approve' });

describe('Open Finance consent (MockBank)', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof client>;
  let hub: Receiver;

  beforeAll(async () => {
    sb = await startSandbox({
      stepDelayMs: 2,
      clock: 'manual',
      now: new Date('2025-04-01T12:00:00.000Z'),
      size: { transactionsPerAccount: 30 },
      webhookRetry: { attempts: 1, delaysMs: [], timeoutMs: 20_000 },
    });
    api = client(sb.url, await apiKey(sb.url));
    hub = await startReceiver();
    await api.post('/webhooks', { event: 'all', url: `${hub.url}/all` });
  });
  afterAll(async () => {
    await sb?.close();
    await hub?.close();
  });

  /** Creates an Open Finance item and returns it once it waits for consent. */
  async function waitingItem(cpf: string, extra: Record<string, unknown> = {}) {
    const created = await api.post('/items', { connectorId: 600, parameters: { cpf }, ...extra });
    expect(created.status).toBe(200);
    return sb.admin.waitForItemStatus(created.body.id, 'WAITING_USER_INPUT');
  }

  it('waits with an oauth parameter; approving at MockBank resumes to UPDATED and redirects to oauthRedirectUri', async () => {
    const item = await waitingItem('761.092.776-73', {
      oauthRedirectUri: 'https://app.example/of/callback?x=1',
    });
    expect(item).toMatchObject({
      executionStatus: 'WAITING_USER_INPUT',
      oauthRedirectUri: 'https://app.example/of/callback?x=1',
      parameter: { name: 'oauth_code', type: 'oauth', data: expect.stringMatching(/\/mockbank\/consent\//) },
    });
    const url = item.parameter!.data!;
    expect(url.startsWith(sb.url)).toBe(true);
    await sb.admin.waitForDeliveries();
    expect(
      hub
        .events('/all')
        .filter((e) => e.itemId === item.id)
        .map((e) => e.event),
    ).toContain('item/waiting_user_input');

    const pageRes = await fetch(url);
    expect(pageRes.status).toBe(200);
    const html = await pageRes.text();
    expect(html).toContain('Sandbox Open Finance');
    expect(html).toContain('name="password"');

    // Wrong login: the page says so and the item keeps waiting.
    const wrong = await decide(url, { email: MOCKBANK_USER, password: 'nope', decision: 'approve' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('E-mail ou senha inválidos');
    expect((await api.get(`/items/${item.id}`)).body.status).toBe('WAITING_USER_INPUT');
    // The consent is not an MFA answer.
    expect((await api.post(`/items/${item.id}/mfa`, { oauth_code: 'x' })).status).toBe(400);

    const ok = await approve(url);
    expect(ok.status).toBe(302);
    const back = new URL(ok.location!);
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example/of/callback');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      x: '1',
      code: expect.any(String),
      state: item.id,
    });

    const done = await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    expect(done).toMatchObject({ executionStatus: 'SUCCESS', parameter: null, error: null });
    expect((await api.get(`/consents?itemId=${item.id}`)).body.results).toHaveLength(1);
    // The page is spent: a second decision changes nothing.
    expect((await approve(url)).html).toContain('data-state="approved"');
    // A later PATCH reuses the granted consent: no new prompt.
    await api.patch(`/items/${item.id}`, {});
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
  });

  it('takes oauthRedirectUri from the connect token when the item does not give one', async () => {
    const token = (await api.post('/connect_token', { options: { oauthRedirectUri: 'myapp://of-done' } }))
      .body.accessToken as string;
    const widget = client(sb.url, token);
    const created = await widget.post('/items', { connectorId: 600, parameters: { cpf: '761.092.776-73' } });
    const item = await sb.admin.waitForItemStatus(created.body.id, 'WAITING_USER_INPUT');
    expect(item.oauthRedirectUri).toBe('myapp://of-done');
    const ok = await approve(item.parameter!.data!);
    expect(ok.location).toMatch(/^myapp:\/\/of-done\?code=[^&]+&state=/);
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
  });

  it('denying ends in LOGIN_ERROR / USER_AUTHORIZATION_NOT_GRANTED with item/error; without a redirect URI the page says so', async () => {
    const item = await waitingItem('761.092.776-73');
    const denied = await decide(item.parameter!.data!, { decision: 'deny' });
    expect(denied.status).toBe(200);
    expect(denied.html).toContain('data-state="denied"');
    await expect(sb.admin.waitForItemStatus(item.id, 'UPDATED')).rejects.toThrow(/settled at LOGIN_ERROR/);
    const failed = (await api.get(`/items/${item.id}`)).body;
    expect(failed).toMatchObject({
      status: 'LOGIN_ERROR',
      executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED',
      error: { code: 'USER_AUTHORIZATION_NOT_GRANTED' },
      parameter: null,
    });
    await sb.admin.waitForDeliveries();
    expect(
      hub
        .events('/all')
        .filter((e) => e.itemId === item.id)
        .map((e) => e.event),
    ).toContain('item/error');
  });

  it('no decision before the prompt expires: OUTDATED / USER_INPUT_TIMEOUT, and the page is closed', async () => {
    const item = await waitingItem('761.092.776-73');
    const url = item.parameter!.data!;
    await sb.admin.advanceClock(Date.parse(item.parameter!.expiresAt!) - sb.admin.now().getTime() + 1);
    await expect(sb.admin.waitForItemStatus(item.id, 'UPDATED')).rejects.toThrow(/settled at OUTDATED/);
    expect((await api.get(`/items/${item.id}`)).body).toMatchObject({
      status: 'OUTDATED',
      executionStatus: 'USER_INPUT_TIMEOUT',
    });
    const late = await approve(url);
    expect(late.status).toBe(410);
    expect((await fetch(`${sb.url}/mockbank/consent/not-a-session`)).status).toBe(404);
  });

  it('multiple-approval CPFs: after the user approves, 238.242.640-30 is approved and 051.177.670-55 rejected', async () => {
    const yes = await waitingItem('238.242.640-30');
    const yesPage = await approve(yes.parameter!.data!);
    expect(yesPage.html).toContain('múltipla alçada');
    await sb.admin.waitForItemStatus(yes.id, 'UPDATED');

    const no = await waitingItem('051.177.670-55');
    await approve(no.parameter!.data!);
    await expect(sb.admin.waitForItemStatus(no.id, 'UPDATED')).rejects.toThrow(/settled at LOGIN_ERROR/);
    expect((await api.get(`/items/${no.id}`)).body.executionStatus).toBe('USER_AUTHORIZATION_NOT_GRANTED');
  });

  it('a revoked consent is asked for again on the next PATCH; admin.createItemNow consents on the user’s behalf', async () => {
    const item = await sb.admin.createItemNow({ connectorId: 600 });
    expect(item.status).toBe('UPDATED');
    await sb.admin.revokeConsent(item.id);
    await api.patch(`/items/${item.id}`, {});
    const waiting = await sb.admin.waitForItemStatus(item.id, 'WAITING_USER_INPUT');
    await approve(waiting.parameter!.data!);
    await sb.admin.waitForItemStatus(item.id, 'UPDATED');
    expect((await api.get(`/consents?itemId=${item.id}`)).body.results[0].revokedAt).toBeNull();
  });
});
