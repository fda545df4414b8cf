/**
 * The Connect page in real Chromium at 360 px, against the service as `npm start` wires it in local
 * mode: the page comes from web/'s production build, the widget is the real pluggy-connect-sdk (via
 * react-pluggy-connect) pointed by the session answer at the sandbox's stand-in, and every state is
 * screenshotted (test-artifacts/connect-page/) and checked with axe-core in the same browser.
 */
import { existsSync, mkdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, startApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { signConnectLink } from '../../domain/connectLink.ts';
import { createLogger } from '../../log.ts';
import { MOCKBANK_PASSWORD, MOCKBANK_USER } from '../../sandbox/mockbank/sessions.ts';

const CHROMIUM = '/usr/bin/chromium';
// Generous: the machine is shared and loaded; one browser step can take seconds.
const WAIT_MS = 30_000;
const TOKEN = 'test-api-token-0123456789abcdef';
const LINK_SECRET = 'connect-page-test-link-secret';
const WHATSAPP = '5511987650000';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts', 'connect-page');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
// Sandbox connectors (src/sandbox/README.md): 3 Pluggy Bank MFA 2-step, 0 Pluggy Bank, 600 Sandbox Open Finance.
const MFA_2_STEP = 3;
const PLUGGY_BANK = 0;
const OPEN_FINANCE = 600;

let t: TestDatabase;
let app: App;
let browser: Browser;

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
type Json = Record<string, any>;
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
}

/** A person and a connect link for them (or, with itemId, a reconnect link), as the assistant gets it. */
async function linkFor(
  phone: string,
  itemId?: string,
): Promise<{ path: string; link: string; userId: string }> {
  const person = await api('POST', '/v1/users', { phone });
  const res = await api(
    'POST',
    `/v1/users/${encodeURIComponent(phone)}/connect-links`,
    itemId ? { itemId } : {},
  );
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const url = new URL(res.json.url as string);
  // The URL the API hands out is this page's address: /connect with the link in `link`.
  expect(url.pathname).toBe('/connect');
  const link = url.searchParams.get('link') ?? '';
  expect(link).not.toBe('');
  return { path: url.pathname + url.search, link, userId: person.json.id as string };
}

type View = { page: Page; widget: FrameLocator; log: string[] };

/** The page in a fresh 360 px context; a failure carries a screenshot and the browser's console. */
async function withPage(name: string, path: string, run: (v: View) => Promise<void>) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  try {
    await page.goto(`${app.url}${path}`);
    await run({ page, widget: page.frameLocator('iframe[name^="__zoid__pluggy_connect_widget"]'), log });
  } catch (err) {
    const shot = join(ARTIFACTS, `FAILED-${name}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
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

/** Screenshot of the state, then axe-core on the page itself (the widget's frame is Pluggy's, not ours). */
async function check(page: Page, state: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${state}.png`), fullPage: true });
  // Evaluated through the debugging protocol: the page's CSP (script-src 'self') refuses an inline <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is injected at run time
    const axe = (window as any).axe;
    const result = await axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return (
      result.violations as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>
    ).map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad, `${state}: ${JSON.stringify(bad)}`).toEqual([]);
}

const phase = (page: Page, kind: string) =>
  page.locator(`main[data-phase="${kind}"]`).waitFor({ timeout: WAIT_MS });

/** Waits for the widget (the sandbox's stand-in, framed by the SDK) to show its connector list or form. */
async function widgetReady(widget: FrameLocator) {
  await widget.getByText('Sandbox — not Pluggy').waitFor({ timeout: WAIT_MS });
}

async function login(widget: FrameLocator, connectorId: number, values: Record<string, string>) {
  await widget.locator(`button[data-connector-id="${connectorId}"]`).click({ timeout: WAIT_MS });
  for (const [name, value] of Object.entries(values)) {
    await widget.locator(`[name="${name}"]`).fill(value, { timeout: WAIT_MS });
  }
  await widget.getByRole('button', { name: 'Connect' }).click({ timeout: WAIT_MS });
}

/** Accounts shown for the item equal the ones the API holds; the chart shows the API's categories. */
async function expectConnected(page: Page, link: string, itemId?: string) {
  await phase(page, 'done');
  const progress = (await (
    await fetch(`${app.url}/v1/connect/progress?link=${encodeURIComponent(link)}`)
  ).json()) as Json;
  const item = itemId ? progress.items.find((i: Json) => i.id === itemId) : progress.items.at(-1);
  expect(item?.accounts.length).toBeGreaterThan(0);
  const shown = await page
    .locator('.account')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-account-id')));
  expect(shown.sort()).toEqual(item.accounts.map((a: Json) => a.id).sort());
  const categories = progress.spending.categories.filter((c: Json) => Number(c.total) > 0);
  expect(categories.length, 'the sandbox person spent something in 30 days').toBeGreaterThan(0);
  const labels = await page.locator('.chart .chart-label').allTextContents();
  expect(labels).toEqual(categories.map((c: Json) => c.category));
  await expect(page.locator('a.whatsapp').getAttribute('href')).resolves.toBe(`https://wa.me/${WHATSAPP}`);
  return item as Json;
}

describe('Connect page in Chromium at 360 px', { timeout: 180_000 }, () => {
  let setupError: unknown;
  beforeEach(() => {
    if (setupError) throw setupError;
  });

  beforeAll(async () => {
    try {
      if (!existsSync(CHROMIUM))
        throw new Error(`Chromium is missing at ${CHROMIUM} (apt-get install chromium)`);
      mkdirSync(ARTIFACTS, { recursive: true });
      // The page is served from web/'s production build; build it here if missing or stale, as npm start does.
      const buildScript: string = join(ROOT, 'scripts', 'build.mjs');
      const { ensureWebBuilt } = (await import(buildScript)) as { ensureWebBuilt(): void };
      ensureWebBuilt();
      t = await createTestDatabase();
      const config = loadConfig({
        DATABASE_URL: t.url,
        PORT: '0',
        SANDBOX_PORT: '0',
        API_TOKENS: TOKEN,
        LINK_SIGNING_SECRET: LINK_SECRET,
        WHATSAPP_NUMBER: WHATSAPP,
        LOG_LEVEL: 'silent',
      });
      [app, browser] = await Promise.all([
        startApp(config, createLogger('silent')),
        chromium.launch({
          executablePath: CHROMIUM,
          // playwright gives each launch a fresh temporary user-data-dir.
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
      ]);
    } catch (err) {
      setupError = err;
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), app?.stop()]);
    await t?.drop();
  });

  let connected: { itemId: string; phone: string } | undefined;

  it('link → Pluggy Bank MFA (user-ok, then the code) → accounts and the 30-day chart', async () => {
    const phone = '+55 11 91234-0001';
    const { path, link } = await linkFor(phone);
    await withPage('mfa-connect', path, async ({ page, widget }) => {
      await widgetReady(widget);
      await check(page, '01-widget-open');
      await login(widget, MFA_2_STEP, { user: 'user-ok', password: 'password-ok' });
      const code = widget.locator('form input:visible').first();
      await widget.getByRole('button', { name: 'Continue' }).waitFor({ timeout: WAIT_MS });
      await code.fill('123456');
      await widget.getByRole('button', { name: 'Continue' }).click();
      await phase(page, 'syncing');
      const item = await expectConnected(page, link);
      connected = { itemId: item.id as string, phone };
      await check(page, '02-connected');
      await page.screenshot({ path: join(ROOT, 'docs', 'connect-page.png'), fullPage: true });
      // English by choice: the category names come again from the API, in English.
      await page.getByRole('button', { name: 'Switch to English' }).click();
      const en = (await (
        await fetch(`${app.url}/v1/connect/progress?link=${encodeURIComponent(link)}&lang=en`)
      ).json()) as Json;
      const enNames = en.spending.categories
        .filter((c: Json) => Number(c.total) > 0)
        .map((c: Json) => c.category);
      await expect
        .poll(() => page.locator('.chart .chart-label').allTextContents(), { timeout: WAIT_MS })
        .toEqual(enNames);
      await expect(page.locator('h1').textContent()).resolves.toContain('Done');
      await check(page, '02-connected-en');
    });
  });

  it('Open Finance connector → consent at MockBank → accounts shown', async () => {
    const { path, link } = await linkFor('+55 21 91234-0002');
    await withPage('open-finance-approve', path, async ({ page, widget }) => {
      await widgetReady(widget);
      await login(widget, OPEN_FINANCE, { cpf: '761.092.776-73' });
      const go = widget.getByRole('button', { name: /^Go to / });
      await go.waitFor({ timeout: WAIT_MS });
      await page.locator('[data-notice="oauth"]').waitFor({ timeout: WAIT_MS });
      await check(page, '03-open-finance-consent-pending');
      const [popup] = await Promise.all([
        page.context().waitForEvent('page', { timeout: WAIT_MS }),
        go.click(),
      ]);
      await popup.waitForLoadState('domcontentloaded', { timeout: WAIT_MS });
      expect(popup.url()).toContain('/mockbank/consent/');
      await popup.locator('#email').fill(MOCKBANK_USER, { timeout: WAIT_MS });
      await popup.locator('#password').fill(MOCKBANK_PASSWORD, { timeout: WAIT_MS });
      await popup.getByRole('button', { name: 'Autorizar' }).click({ timeout: WAIT_MS });
      await expectConnected(page, link);
      await check(page, '04-open-finance-connected');
    });
  });

  it('denying the consent at MockBank → a message saying nothing was connected', async () => {
    const { path } = await linkFor('+55 21 91234-0003');
    await withPage('open-finance-deny', path, async ({ page, widget }) => {
      await widgetReady(widget);
      await login(widget, OPEN_FINANCE, { cpf: '761.092.776-73' });
      const go = widget.getByRole('button', { name: /^Go to / });
      const [popup] = await Promise.all([
        page.context().waitForEvent('page', { timeout: WAIT_MS }),
        go.click(),
      ]);
      await popup.getByRole('button', { name: 'Negar' }).click({ timeout: WAIT_MS });
      const notice = page.locator('[data-notice="consentDenied"]');
      await notice.waitFor({ timeout: WAIT_MS });
      await expect(notice.textContent()).resolves.toContain('autorização não foi concedida');
      await check(page, '05-consent-denied-widget');
      // On a phone the widget covers the page; once closed, the page itself says what happened.
      await widget.locator('#close').click({ timeout: WAIT_MS });
      await page.locator('main[data-reason="consentDenied"]').waitFor({ timeout: WAIT_MS });
      await expect(page.locator('h1').textContent()).resolves.toContain('autorização não foi concedida');
      await check(page, '05-consent-denied');
    });
  });

  it('wrong password → a message about the credentials', async () => {
    const { path } = await linkFor('+55 31 91234-0004');
    await withPage('wrong-password', path, async ({ page, widget }) => {
      await widgetReady(widget);
      await login(widget, PLUGGY_BANK, { user: 'user-ok', password: 'password-wrong' });
      const notice = page.locator('[data-notice="wrongCredentials"]');
      await notice.waitFor({ timeout: WAIT_MS });
      await expect(notice.getAttribute('role')).resolves.toBe('alert');
      await widget.locator('#close').click({ timeout: WAIT_MS });
      await page.locator('main[data-reason="wrongCredentials"]').waitFor({ timeout: WAIT_MS });
      await expect(page.locator('h1').textContent()).resolves.toContain('incorretos');
      await check(page, '06-wrong-password');
      // Trying again opens a fresh widget (a new connect token, so a remount).
      await page.getByRole('button', { name: 'Tentar de novo' }).click();
      await widgetReady(widget);
    });
  });

  it('closing the widget midway → a message and a button that opens it again', async () => {
    const { path } = await linkFor('+55 31 91234-0005');
    await withPage('closed', path, async ({ page, widget }) => {
      await widgetReady(widget);
      await widget.locator('#close').click({ timeout: WAIT_MS });
      await page.locator('main[data-reason="closed"]').waitFor({ timeout: WAIT_MS });
      await check(page, '07-closed');
      await page.getByRole('button', { name: 'Abrir de novo' }).click();
      await widgetReady(widget);
    });
  });

  it('Connect not loading within the time limit → a message and a retry that opens it', async () => {
    const { path } = await linkFor('+55 31 91234-0008');
    // The widget's page hangs (longer than the page's 30 s limit) once, then loads normally.
    const fault = app.sandbox!.admin.addFault({
      method: 'GET',
      path: '/connect',
      kind: 'latency',
      ms: 60_000,
      times: 1,
    });
    try {
      await withPage('load-timeout', path, async ({ page, widget }) => {
        await page.locator('main[data-reason="loadTimeout"]').waitFor({ timeout: 60_000 });
        await check(page, '08-load-timeout');
        await page.getByRole('button', { name: 'Tentar de novo' }).click();
        await widgetReady(widget);
      });
    } finally {
      app.sandbox!.admin.removeFault(fault);
    }
  });

  it('an expired link → its message (Portuguese by default, English by the toggle), no widget', async () => {
    const { userId } = await linkFor('+55 41 91234-0006');
    const expired = signConnectLink(LINK_SECRET, {
      userId,
      purpose: { kind: 'connect' },
      expiresAt: new Date(Date.now() - 60_000),
    });
    await withPage('expired', `/connect?link=${encodeURIComponent(expired)}`, async ({ page }) => {
      await page.locator('main[data-reason="expired"]').waitFor({ timeout: WAIT_MS });
      await expect(page.locator('h1').textContent()).resolves.toContain('expirou');
      await expect(page.locator('a.whatsapp').getAttribute('href')).resolves.toBe(
        `https://wa.me/${WHATSAPP}`,
      );
      await expect(page.locator('iframe').count()).resolves.toBe(0);
      await check(page, '09-expired');
      // Keyboard: focus starts on the message (the heading); Tab reaches the WhatsApp link, Shift+Tab
      // the language toggle, each with a visible focus ring.
      for (const [key, expected] of [
        ['Tab', 'A'],
        ['Shift+Tab', 'BUTTON'],
      ] as const) {
        await page.keyboard.press(key);
        const focused = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          const style = getComputedStyle(el);
          return {
            tag: el.tagName,
            outline: style.outlineStyle,
            width: Number.parseFloat(style.outlineWidth),
          };
        });
        expect(focused.tag).toBe(expected);
        expect(focused.outline).not.toBe('none');
        expect(focused.width).toBeGreaterThanOrEqual(2);
      }
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await expect(page.locator('h1').textContent()).resolves.toContain('expired');
      expect(new URL(page.url()).searchParams.get('lang')).toBe('en');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await check(page, '10-expired-en');
    });
  });

  it('a tampered link → its message', async () => {
    const { link } = await linkFor('+55 41 91234-0007');
    // One character of the signature changed (not the last: its low bits are base64 padding).
    const at = link.indexOf('.') + 5;
    const tampered = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
    await withPage('tampered', `/connect?link=${encodeURIComponent(tampered)}&lang=en`, async ({ page }) => {
      await page.locator('main[data-reason="tampered"]').waitFor({ timeout: WAIT_MS });
      await expect(page.locator('h1').textContent()).resolves.toContain('not valid');
      await check(page, '11-tampered');
    });
  });

  it('a reconnect link opens update mode and repairs a LOGIN_ERROR item', async () => {
    expect(connected, 'needs the item of the first case').toBeDefined();
    const { itemId, phone } = connected!;
    const itemOf = async () =>
      (await api('GET', `/v1/users/${encodeURIComponent(phone)}/items`)).json.data.find(
        (i: Json) => i.id === itemId,
      ) as Json;
    await app.sandbox!.admin.requireRelogin(itemId);
    await expect.poll(async () => (await itemOf()).status, { timeout: WAIT_MS }).toBe('LOGIN_ERROR');
    const { path, link } = await linkFor(phone, itemId);
    await withPage('reconnect', path, async ({ page, widget }) => {
      await page.locator('main[data-mode="update"]').waitFor({ timeout: WAIT_MS });
      await widget.getByRole('button', { name: 'Update' }).waitFor({ timeout: WAIT_MS });
      await check(page, '12-update-mode');
      await widget.locator('[name="user"]').fill('user-ok');
      await widget.locator('[name="password"]').fill('password-ok');
      await widget.getByRole('button', { name: 'Update' }).click();
      // 2-step MFA connector: the code again.
      await widget.getByRole('button', { name: 'Continue' }).waitFor({ timeout: WAIT_MS });
      await widget.locator('form input:visible').first().fill('123456');
      await widget.getByRole('button', { name: 'Continue' }).click();
      await expectConnected(page, link, itemId);
      await check(page, '13-reconnected');
    });
    await expect
      .poll(
        async () => {
          const it = await itemOf();
          return [it.status, it.needsReconnect];
        },
        { timeout: WAIT_MS },
      )
      .toEqual(['UPDATED', false]);
  });

  it('a web/ build older than its sources is rebuilt by the next start (ensureWebBuilt, as npm start calls it)', async () => {
    const stamp = join(ROOT, 'web', 'dist', '.built');
    utimesSync(stamp, new Date(0), new Date(0));
    const buildScript: string = join(ROOT, 'scripts', 'build.mjs');
    const { ensureWebBuilt } = (await import(buildScript)) as { ensureWebBuilt(): void };
    ensureWebBuilt();
    expect(statSync(stamp).mtimeMs).toBeGreaterThan(Date.now() - 120_000);
    expect(existsSync(join(ROOT, 'web', 'dist', 'index.html'))).toBe(true);
  });

  it('/widget/ redirects to /connect with its query; the page and its assets need no token', async () => {
    const res = await fetch(`${app.url}/widget/?link=abc`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/connect?link=abc');
    const page = await fetch(`${app.url}/connect`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain(
      `frame-src ${new URL(app.sandbox!.url).origin}`,
    );
    const html = await page.text();
    expect(html).toContain(`<meta name="whatsapp-number" content="${WHATSAPP}"`);
    const script = /src="(\/connect\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${app.url}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${app.url}/connect/assets/nope.js`)).status).toBe(404);
  });
});
