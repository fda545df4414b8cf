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
 * authentication Pluggy offers, contract part 03 §2.4). Idempotent: a webhook already registered
 * for this URL is updated (new secret, re-enabled) instead of adding another — Pluggy allows at
 * most 5 per event (§1.4).
 */
export async function registerWebhook(
  pluggy: PluggyClient,
  input: RegisterWebhookInput,
): Promise<{ action: 'created' | 'updated'; webhook: Webhook }> {
  const event = input.event ?? 'all';
  const headers = { [WEBHOOK_SECRET_HEADER]: input.secret };
  const existing = (await pluggy.listWebhooks()).find((w) => sameUrl(w.url, input.url));
  if (existing) {
    const webhook = await pluggy.updateWebhook(existing.id, {
      event,
      url: input.url,
      headers,
      enabled: true,
    });
    return { action: 'updated', webhook };
  }
  const webhook = await pluggy.createWebhook({ event, url: input.url, headers });
  return { action: 'created', webhook };
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
 * The receiver URL to register. Pluggy accepts only public HTTPS URLs (contract part 03 §1.4), so
 * anything else is refused up front — except against the local sandbox, which delivers over plain
 * HTTP on loopback. A bare origin gets the receiver path appended.
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
  if (url.pathname === '/' || url.pathname === '') url.pathname = WEBHOOK_PATH;
  return url.toString();
}
