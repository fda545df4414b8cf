/**
 * The stand-in for Pluggy's Connect widget (not our own Connect page), driven through the real widget SDK in real Chromium.
 *
 * A harness page on its own origin (http://localhost:<port>) bundles pluggy-connect-sdk with esbuild and
 * opens `new PluggyConnect({ url: '<sandbox>/connect', … })`, so zoid runs cross-origin exactly as with
 * connect.pluggy.ai. The test clicks and types inside the widget's iframe and reads what the parent's
 * callbacks received from `window.__result` / `__events`.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../defaults.ts';
import { startSandbox } from '../index.ts';
import { MOCKBANK_PASSWORD, MOCKBANK_USER } from '../mockbank/sessions.ts';

const CHROMIUM = '/usr/bin/chromium';
// Generous: one step of a browser on two busy cores can take seconds; a whole case, tens of seconds.
const WAIT_MS = 20_000;
// esbuild finds pluggy-connect-sdk in node_modules by walking up from here.
const here = fileURLToPath(new URL('.', import.meta.url));
const shotDir = mkdtempSync(join(tmpdir(), 'widget-standin-'));

type Item = { id: string; status: string; executionStatus?: string; parameter?: { name: string } | null };
type Credential = { name: string; validation?: string; validationMessage?: string; mfa?: boolean };
type Connector = { id: number; name: string; isSandbox: boolean; hasMFA: boolean; credentials: Credential[] };
type ConnectEvent = { event: string; timestamp: number; item?: Item; connector?: Connector | null };
type Outcome =
  | { kind: 'success'; data: { item: Item } }
  | { kind: 'error'; data: { message: string; data?: { item: Item } } }
  | { kind: 'init-failed'; data: string };
/** What the harness page keeps on `window`. */
type Harness = {
  openConnect(props: Record<string, unknown>): void;
  __result: Outcome | null;
  __events: ConnectEvent[];
  __opened: number;
  __closed: number;
};

let browser: Browser;
let sandbox: { url: string; close(): Promise<void> };
let harness: { url: string; close(): Promise<void> };
let apiKey: string;
let connectors: Connector[];

async function pluggy<T>(method: string, path: string, body?: unknown, key = apiKey): Promise<T> {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

const connectToken = async (body: object = { options: { clientUserId: 'u1' } }) =>
  (await pluggy<{ accessToken: string }>('POST', '/connect_token', body)).accessToken;

/** The parent page: the real SDK, bundled for the browser, with callbacks that record what they get. */
async function startHarness() {
  const bundle = await build({
    stdin: {
      contents: "import { PluggyConnect } from 'pluggy-connect-sdk'; window.PluggyConnect = PluggyConnect;",
      resolveDir: here,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'silent',
  });
  const sdk = bundle.outputFiles[0]?.text ?? '';
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>harness</title></head><body>
<div id="connect"></div>
<script src="/sdk.js"></script>
<script>
  window.__result = null; window.__events = []; window.__opened = 0; window.__closed = 0;
  window.openConnect = function (props) {
    var connect = new PluggyConnect(Object.assign({}, props, {
      onSuccess: function (data) { window.__result = { kind: 'success', data: data }; },
      onError: function (error) { window.__result = { kind: 'error', data: error }; },
      onEvent: function (payload) { window.__events.push(payload); },
      onOpen: function () { window.__opened += 1; },
      onClose: function () { window.__closed += 1; }
    }));
    connect.init(document.getElementById('connect')).catch(function (err) {
      window.__result = { kind: 'init-failed', data: String(err) };
    });
  };
</script></body></html>`;
  const server = createServer((req, res) => {
    const [type, body] =
      req.url === '/sdk.js' ? ['text/javascript', sdk] : ['text/html; charset=utf-8', html];
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    // "localhost" rather than 127.0.0.1: a different site from the sandbox, like a real app and connect.pluggy.ai.
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One widget in a fresh browser context; failures carry a screenshot path and the page's console. */
async function withWidget(
  name: string,
  props: Record<string, unknown>,
  run: (w: { page: Page; frame: FrameLocator }) => Promise<void>,
) {
  const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(harness.url);
    await page.evaluate((p) => (window as unknown as Harness).openConnect(p), {
      url: `${sandbox.url}/connect`,
      includeSandbox: true,
      ...props,
    });
    const frame = page.frameLocator('iframe[name^="__zoid__pluggy_connect_widget"]');
    await frame.getByText('Sandbox — not Pluggy').waitFor({ timeout: WAIT_MS });
    await run({ page, frame });
  } catch (err) {
    const shot = join(shotDir, `${name.replace(/\W+/g, '-')}.png`);
    await page.screenshot({ path: shot }).catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `${name}: ${message}\nscreenshot: ${shot}\nbrowser console:\n${log.join('\n') || '(empty)'}`,
      {
        cause: err,
      },
    );
  } finally {
    await context.close();
  }
}

/** One line for assertion messages (the whole item would bury the point). */
function summary(o: Outcome): string {
  if (o.kind === 'init-failed') return `init() failed: ${o.data}`;
  const item = o.kind === 'success' ? o.data.item : o.data.data?.item;
  const what = o.kind === 'success' ? 'onSuccess' : `onError "${o.data.message}"`;
  return `${what} with item ${item?.id} ${item?.status}/${item?.executionStatus}`;
}

/** Waits until a parent callback (onSuccess / onError) has fired, and returns what it received. */
async function outcome(page: Page): Promise<Outcome> {
  await page.waitForFunction(() => (window as unknown as Harness).__result !== null, undefined, {
    timeout: WAIT_MS,
  });
  return page.evaluate(() => (window as unknown as Harness).__result as Outcome);
}

async function events(page: Page): Promise<ConnectEvent[]> {
  return page.evaluate(() => (window as unknown as Harness).__events);
}

/** Picks a connector in the list and fills its credential form (fields found by credential name). */
async function login(frame: FrameLocator, connector: Connector, values: Record<string, string>) {
  const button = frame.locator(`button[data-connector-id="${connector.id}"]`);
  await button.click({ timeout: WAIT_MS });
  for (const cred of connector.credentials) {
    await frame.locator(`[name="${cred.name}"]`).fill(values[cred.name] ?? '', { timeout: WAIT_MS });
  }
}

const byName = (name: string) => {
  const found = connectors.find((c) => c.name === name);
  if (!found) throw new Error(`no connector named ${name} in ${connectors.map((c) => c.name).join(', ')}`);
  return found;
};

describe('Connect widget stand-in, driven by the real pluggy-connect-sdk', { timeout: 120_000 }, () => {
  // A setup failure (no Chromium, sandbox down) is reported by every test as a failure, never a skip.
  let setupError: unknown;
  beforeEach(() => {
    if (setupError) throw setupError;
  });

  beforeAll(async () => {
    try {
      await setUp();
    } catch (err) {
      setupError = err;
    }
  });

  async function setUp() {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}; install it with: apt-get install chromium`);
    }
    [browser, sandbox, harness] = await Promise.all([
      chromium.launch({
        executablePath: CHROMIUM,
        // Playwright gives each launch a fresh temporary profile (the probe's fresh --user-data-dir).
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
      startSandbox({ port: 0, stepDelayMs: 5 }),
      startHarness(),
    ]);
    apiKey = (
      await pluggy<{ apiKey: string }>(
        'POST',
        '/auth',
        { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET },
        '',
      )
    ).apiKey;
    connectors = (await pluggy<{ results: Connector[] }>('GET', '/connectors?sandbox=true')).results;
  }

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), sandbox?.close(), harness?.close()]);
  });

  let createdItemId = '';

  it('lists sandbox connectors; Pluggy Bank with user-ok / password-ok ends in onSuccess with an UPDATED item', async () => {
    const bank = byName('Pluggy Bank');
    await withWidget(
      'pluggy-bank-success',
      { connectToken: await connectToken() },
      async ({ page, frame }) => {
        for (const c of connectors.filter((x) => x.isSandbox)) {
          await expect(
            frame.locator(`button[data-connector-id="${c.id}"]`).textContent({ timeout: WAIT_MS }),
          ).resolves.toContain(c.name);
        }
        await login(frame, bank, { user: 'x', password: 'password-ok' });
        // Inline validation from the connector's own regex and message, before anything is sent.
        const userCred = bank.credentials.find((c) => c.name === 'user');
        if (userCred?.validation) {
          await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });
          await expect(frame.locator('#field-user-error').textContent({ timeout: WAIT_MS })).resolves.toBe(
            userCred.validationMessage,
          );
        }
        await frame.locator('[name="user"]').fill('user-ok');
        const shot = join(shotDir, 'credential-form.png');
        await page.screenshot({ path: shot });
        console.info(`credential form screenshot: ${shot}`);
        await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });

        const result = await outcome(page);
        expect(result.kind, summary(result)).toBe('success');
        const item = (result as Extract<Outcome, { kind: 'success' }>).data.item;
        expect(item.status).toBe('UPDATED');
        const stored = await pluggy<Item>('GET', `/items/${item.id}`);
        expect(stored).toMatchObject({ id: item.id, status: 'UPDATED' });
        createdItemId = item.id;

        const seen = await events(page);
        const names = seen.map((e) => e.event);
        expect(names).toEqual(
          expect.arrayContaining([
            'SELECTED_INSTITUTION',
            'SUBMITTED_LOGIN',
            'ITEM_RESPONSE',
            'LOGIN_SUCCESS',
          ]),
        );
        expect(seen.every((e) => typeof e.timestamp === 'number' && e.timestamp > 0)).toBe(true);
        expect(seen.find((e) => e.event === 'SELECTED_INSTITUTION')?.connector?.id).toBe(bank.id);
        expect(names.indexOf('SUBMITTED_LOGIN')).toBeLessThan(names.indexOf('LOGIN_SUCCESS'));

        // The success screen's Done closes the widget: the parent sees onOpen once and onClose once.
        await frame.getByRole('button', { name: 'Done' }).click({ timeout: WAIT_MS });
        await page.waitForFunction(() => (window as unknown as Harness).__closed > 0, undefined, {
          timeout: WAIT_MS,
        });
        const state = await page.evaluate(() => {
          const w = window as unknown as Harness;
          return { opened: w.__opened, closed: w.__closed };
        });
        expect(state).toEqual({ opened: 1, closed: 1 });
      },
    );
  });

  it('2-step MFA connector: asks for the token, 123456 ends in onSuccess', async () => {
    const mfa = connectors.find((c) => c.isSandbox && c.hasMFA && !c.credentials.some((cred) => cred.mfa));
    if (!mfa)
      throw new Error(`no 2-step MFA sandbox connector in ${connectors.map((c) => c.name).join(', ')}`);
    await withWidget('mfa-2-step', { connectToken: await connectToken() }, async ({ page, frame }) => {
      await login(frame, mfa, { user: 'user-ok', password: 'password-ok' });
      await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });
      // The prompt's field name comes from item.parameter, which the parent also saw in ITEM_RESPONSE.
      const handle = await page.waitForFunction(
        () =>
          (window as unknown as Harness).__events.find((e) => e.item?.status === 'WAITING_USER_INPUT')?.item
            ?.parameter?.name,
        undefined,
        { timeout: WAIT_MS },
      );
      const parameterName = (await handle.jsonValue()) as string;
      await frame.locator(`[name="${parameterName}"]`).fill('123456', { timeout: WAIT_MS });
      await frame.getByRole('button', { name: 'Continue' }).click();

      const result = await outcome(page);
      expect(result.kind, summary(result)).toBe('success');
      expect((result as Extract<Outcome, { kind: 'success' }>).data.item.status).toBe('UPDATED');
      const names = (await events(page)).map((e) => e.event);
      expect(names).toEqual(expect.arrayContaining(['SUBMITTED_MFA', 'LOGIN_MFA_SUCCESS']));
    });
  });

  it('1-step MFA connector: the token is a field of the login form; 123456 ends in onSuccess', async () => {
    const oneStep = connectors.find((c) => c.isSandbox && c.credentials.some((cred) => cred.mfa));
    if (!oneStep)
      throw new Error(`no 1-step MFA sandbox connector in ${connectors.map((c) => c.name).join(', ')}`);
    const token = oneStep.credentials.find((cred) => cred.mfa)?.name ?? '';
    await withWidget('mfa-1-step', { connectToken: await connectToken() }, async ({ page, frame }) => {
      await login(frame, oneStep, { user: 'user-ok', password: 'password-ok', [token]: '123456' });
      await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });
      const result = await outcome(page);
      expect(result.kind, summary(result)).toBe('success');
      expect((result as Extract<Outcome, { kind: 'success' }>).data.item.status).toBe('UPDATED');
    });
  });

  it('wrong password ends in onError carrying the LOGIN_ERROR item', async () => {
    const bank = byName('Pluggy Bank');
    await withWidget('wrong-password', { connectToken: await connectToken() }, async ({ page, frame }) => {
      await login(frame, bank, { user: 'user-ok', password: 'password-wrong' });
      await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });

      const result = await outcome(page);
      expect(result.kind, summary(result)).toBe('error');
      const error = (result as Extract<Outcome, { kind: 'error' }>).data;
      expect(error.message).toEqual(expect.any(String));
      expect(error.data?.item.status).toBe('LOGIN_ERROR');
      await frame.getByRole('button', { name: 'Try again' }).waitFor({ timeout: WAIT_MS });
    });
  });

  /** Opens the consent window from the widget and decides there as the user. */
  async function consentAtMockBank(page: Page, frame: FrameLocator, decision: 'Autorizar' | 'Negar') {
    const of = byName('Sandbox Open Finance');
    await login(frame, of, { cpf: '761.092.776-73' });
    await frame.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });
    const go = frame.getByRole('button', { name: `Go to ${of.name}` });
    await go.waitFor({ timeout: WAIT_MS });
    const [popup] = await Promise.all([
      page.context().waitForEvent('page', { timeout: WAIT_MS }),
      go.click(),
    ]);
    await popup.waitForLoadState('domcontentloaded', { timeout: WAIT_MS });
    expect(popup.url()).toContain('/mockbank/consent/');
    if (decision === 'Autorizar') {
      await popup.locator('#email').fill(MOCKBANK_USER, { timeout: WAIT_MS });
      await popup.locator('#password').fill(MOCKBANK_PASSWORD, { timeout: WAIT_MS });
    }
    await popup.getByRole('button', { name: decision }).click({ timeout: WAIT_MS });
    await popup.getByTestId('mockbank-result').waitFor({ timeout: WAIT_MS });
  }

  it('Open Finance: the widget opens the MockBank consent window; approving there ends in onSuccess', async () => {
    await withWidget(
      'open-finance-approve',
      { connectToken: await connectToken() },
      async ({ page, frame }) => {
        await consentAtMockBank(page, frame, 'Autorizar');
        const result = await outcome(page);
        expect(result.kind, summary(result)).toBe('success');
        expect((result as Extract<Outcome, { kind: 'success' }>).data.item.status).toBe('UPDATED');
      },
    );
  });

  it('Open Finance: denying at MockBank ends in onError with USER_AUTHORIZATION_NOT_GRANTED', async () => {
    await withWidget('open-finance-deny', { connectToken: await connectToken() }, async ({ page, frame }) => {
      await consentAtMockBank(page, frame, 'Negar');
      const result = await outcome(page);
      expect(result.kind, summary(result)).toBe('error');
      expect((result as Extract<Outcome, { kind: 'error' }>).data.data?.item).toMatchObject({
        status: 'LOGIN_ERROR',
        executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED',
      });
    });
  });

  it('update mode: updateItem shows the form directly and PATCHes the same item', async () => {
    expect(createdItemId, 'needs the item from the first case').not.toBe('');
    const token = await connectToken({ itemId: createdItemId, options: { clientUserId: 'u1' } });
    const bank = byName('Pluggy Bank');
    await withWidget(
      'update-mode',
      { connectToken: token, updateItem: createdItemId },
      async ({ page, frame }) => {
        for (const cred of bank.credentials) {
          await frame
            .locator(`[name="${cred.name}"]`)
            .fill(cred.name === 'user' ? 'user-ok' : 'password-ok', { timeout: WAIT_MS });
        }
        await frame.getByRole('button', { name: 'Update' }).click({ timeout: WAIT_MS });
        const result = await outcome(page);
        expect(result.kind, summary(result)).toBe('success');
        expect((result as Extract<Outcome, { kind: 'success' }>).data.item).toMatchObject({
          id: createdItemId,
          status: 'UPDATED',
        });
      },
    );
  });
});
