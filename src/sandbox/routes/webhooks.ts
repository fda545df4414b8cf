/**
 * The webhook resource (docs/pluggy.md#registering-webhooks): GET/POST /webhooks, GET/PATCH/DELETE
 * /webhooks/{id}. API key only. URLs may be http://localhost or an IP here (documented local deviation:
 * Pluggy demands public HTTPS on 443).
 */
import type { SandboxContext } from '../context.ts';
import { badRequest, invalid, notFound } from '../errors.ts';
import type { Router } from '../server.ts';
import type { WebhookState } from '../store.ts';
import { isWebhookUrl, onePage, requireObjectBody, requireUuid } from './common.ts';

/** Subscribable values of `event` (pluggy-sdk 0.90.0 WEBHOOK_EVENTS). */
const WEBHOOK_EVENTS = [
  'item/created',
  'item/updated',
  'item/error',
  'item/deleted',
  'item/waiting_user_input',
  'item/waiting_user_action',
  'item/login_succeeded',
  'connector/status_updated',
  'transactions/created',
  'transactions/updated',
  'transactions/deleted',
  'payment_intent/created',
  'payment_intent/completed',
  'payment_intent/waiting_payer_authorization',
  'payment_intent/error',
  'scheduled_payment/created',
  'scheduled_payment/completed',
  'scheduled_payment/error',
  'scheduled_payment/canceled',
  'scheduled_payment/all_completed',
  'scheduled_payment/all_created',
  'boleto/updated',
  'all',
  'automatic_pix_payment/created',
  'automatic_pix_payment/completed',
  'automatic_pix_payment/error',
  'automatic_pix_payment/canceled',
  'payment_request/updated',
  'smart_transfer_preauthorization/completed',
  'smart_transfer_preauthorization/error',
  'smart_transfer_payment/completed',
  'smart_transfer_payment/error',
];
const MAX_PER_EVENT = 5;

function parseHeaders(raw: unknown): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('headers must be an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalid('each value in headers must be a string');
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw invalid(`header name ${k} is invalid`);
    out[k] = v;
  }
  return out;
}

export function webhookRoutes(router: Router, ctx: SandboxContext): void {
  const { store, clock } = ctx;
  const find = (raw: string | undefined): WebhookState => {
    const w = store.webhooks.get(requireUuid('id', raw));
    if (!w) throw notFound('WEBHOOK_NOT_FOUND', 'webhook not found');
    return w;
  };
  const checkEvent = (event: unknown) => {
    if (typeof event !== 'string' || !WEBHOOK_EVENTS.includes(event)) {
      throw invalid(`event must be one of the following values: ${WEBHOOK_EVENTS.join(', ')}`);
    }
  };
  const checkLimit = (event: string, except?: string) => {
    const same = [...store.webhooks.values()].filter((w) => w.event === event && w.id !== except);
    if (same.length >= MAX_PER_EVENT) {
      // (unverified) codeDescription; the limit of 5 per event is documented
      // (docs/pluggy.md#registering-webhooks).
      throw badRequest(
        'WEBHOOK_LIMIT_EXCEEDED',
        `At most ${MAX_PER_EVENT} webhooks can be created per event`,
      );
    }
  };

  router.add('GET', '/webhooks', 'api', () =>
    onePage([...store.webhooks.values()].map((w) => store.serializeWebhook(w))),
  );

  router.add('POST', '/webhooks', 'api', ({ body }) => {
    const b = requireObjectBody(body);
    checkEvent(b.event);
    if (!isWebhookUrl(b.url)) throw invalid('url must be a valid URL');
    const headers = parseHeaders(b.headers);
    checkLimit(b.event as string);
    const now = clock.nowMs();
    const w: WebhookState = {
      id: store.ids.uuid(),
      event: b.event as string,
      url: b.url,
      headers,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
    };
    store.webhooks.set(w.id, w);
    return store.serializeWebhook(w);
  });

  router.add('GET', '/webhooks/:id', 'api', ({ params }) => store.serializeWebhook(find(params.id)));

  router.add('PATCH', '/webhooks/:id', 'api', ({ params, body }) => {
    const w = find(params.id);
    const b = requireObjectBody(body);
    if (b.event !== undefined) {
      checkEvent(b.event);
      if (b.event !== w.event) checkLimit(b.event as string, w.id);
    }
    if (b.url !== undefined && !isWebhookUrl(b.url)) throw invalid('url must be a valid URL');
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean')
      throw invalid('enabled must be a boolean value');
    const headers = b.headers === undefined ? undefined : parseHeaders(b.headers);
    const now = clock.nowMs();
    if (b.event !== undefined) w.event = b.event as string;
    if (b.url !== undefined) w.url = b.url as string;
    if (headers !== undefined) w.headers = headers;
    if (b.enabled === false && w.disabledAt === null) w.disabledAt = now;
    if (b.enabled === true) w.disabledAt = null;
    w.updatedAt = now;
    return store.serializeWebhook(w);
  });

  router.add('DELETE', '/webhooks/:id', 'api', ({ params }) => {
    const w = find(params.id);
    store.webhooks.delete(w.id);
    // (unverified) body of a webhook delete; the SDK ignores it.
    return { count: 1 };
  });
}
