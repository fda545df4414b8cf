import type { PluggyClient, Webhook } from '../pluggy/index.ts';
import { WEBHOOK_PATH, WEBHOOK_SECRET_HEADER } from './endpoint.ts';

export type RegisterWebhookInput = {
  /** Where Pluggy delivers: our receiver, e.g. https://bridge.example.com/webhooks/pluggy. */
  url: string;
  secret: string;
  /** Default 'all': one subscription for every event, the receiver decides what it handles. */
  event?: string;
};

/**
 * Points a Pluggy webhook resource at our receiver, with the secret as a custom header (the only
 * authentication Pluggy offers, docs/pluggy.md#authenticating-deliveries). Idempotent: a webhook already
 * registered for this URL AND event is updated (new secret, re-enabled) instead of adding another — Pluggy
 * allows at most 5 per event (docs/pluggy.md#registering-webhooks). A webhook for this URL with a different
 * event is never turned into this one (that would silently drop what it subscribes to); a new one is created.
 *
 * Every webhook pointing at this URL gets the new secret, whatever its event: one left with an
 * old secret would be answered 401 once the old secret is retired, and Pluggy never retries a 401
 * (docs/pluggy.md#deliveries-and-retries), so its events would be lost. (Rotation: set
 * WEBHOOK_SECRET_PREVIOUS to the old secret, WEBHOOK_SECRET to the new one, restart, register, then unset
 * WEBHOOK_SECRET_PREVIOUS.)
 */
export async function registerWebhook(
  pluggy: PluggyClient,
  input: RegisterWebhookInput,
): Promise<{
  action: 'created' | 'updated';
  webhook: Webhook;
  /** The other webhooks for this URL (other events, or duplicates) whose secret was updated. */
  secretUpdated: Webhook[];
}> {
  const event = input.event ?? 'all';
  const headers = { [WEBHOOK_SECRET_HEADER]: input.secret };
  const ours = (await pluggy.listWebhooks()).filter((w) => sameUrl(w.url, input.url));
  const match = ours.find((w) => w.event === event);
  const secretUpdated: Webhook[] = [];
  for (const other of ours) {
    if (other === match) continue;
    // Only the header: its event stays, and a webhook someone disabled stays disabled.
    secretUpdated.push(await pluggy.updateWebhook(other.id, { headers }));
  }
  if (match) {
    const webhook = await pluggy.updateWebhook(match.id, { url: input.url, headers, enabled: true });
    return { action: 'updated', webhook, secretUpdated };
  }
  const webhook = await pluggy.createWebhook({ event, url: input.url, headers });
  return { action: 'created', webhook, secretUpdated };
}

function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      return new URL(u).toString().replace(/\/+$/, '');
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}

/**
 * The receiver URL to register. Pluggy accepts only public HTTPS URLs (docs/pluggy.md#registering-webhooks:
 * scheme https, default port 443, no credentials, a DNS name rather than an IP literal, no
 * localhost or internal names), so anything else is refused up front rather than by Pluggy's 400.
 * Against the local sandbox all but the credentials rule are lifted: it delivers over plain HTTP
 * to loopback. A bare origin gets the receiver path appended.
 */
export function webhookTargetUrl(given: string, opts: { local: boolean }): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new Error('--url is not an absolute URL');
  }
  if (url.username || url.password) throw new Error('--url must not contain credentials');
  if (url.protocol !== 'https:' && !(opts.local && url.protocol === 'http:')) {
    throw new Error(
      `--url must be https (Pluggy delivers only to public HTTPS URLs; plain http is accepted only for the local sandbox): ${url.origin}`,
    );
  }
  if (!opts.local) {
    // The URL parser drops an explicit :443 on https, so any port left is another one.
    if (url.port !== '') {
      throw new Error(
        `--url must use the default https port 443 (Pluggy rejects other ports): ${url.origin}`,
      );
    }
    // The parser also normalises 2130706433, 0x7f.1 and the like to dotted IPv4.
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    if (host.startsWith('[') || /^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
      throw new Error(
        `--url must name a host, not an IP address (Pluggy rejects IP literals): ${url.origin}`,
      );
    }
    if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
      throw new Error(
        `--url must be a public DNS name (Pluggy rejects localhost and internal names; use a tunnel in development): ${url.origin}`,
      );
    }
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = WEBHOOK_PATH;
  return url.toString();
}
