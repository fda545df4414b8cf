import type { RequestSender } from '../http.ts';
import { collect, pagesOf } from '../pagination.ts';
import { pageOf, WebhookSchema, type Webhook } from '../schemas.ts';

export type CreateWebhookInput = { event: string; url: string; headers?: Record<string, string> | null };
export type UpdateWebhookInput = {
  event?: string;
  url?: string;
  /** `null` removes the custom headers (part 03 §1.3). */
  headers?: Record<string, string> | null;
  enabled?: boolean;
};

const webhookPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

/** Contract part 03 §1. */
export function webhooksResource(http: RequestSender) {
  return {
    listWebhooks(): Promise<Webhook[]> {
      const path = '/webhooks';
      return collect(
        pagesOf({ method: 'GET', path }, (page) =>
          http.request({ method: 'GET', path, query: page > 1 ? { page } : {} }, pageOf(WebhookSchema)),
        ),
      );
    },

    createWebhook(input: CreateWebhookInput): Promise<Webhook> {
      // At most 5 webhooks per event (part 03 §1.4): a blind retry could use up a slot.
      return http.request(
        { method: 'POST', path: '/webhooks', body: input, idempotent: false },
        WebhookSchema,
      );
    },

    updateWebhook(id: string, patch: UpdateWebhookInput): Promise<Webhook> {
      return http.request({ method: 'PATCH', path: webhookPath(id), body: patch }, WebhookSchema);
    },

    deleteWebhook(id: string): Promise<void> {
      return http.requestVoid({ method: 'DELETE', path: webhookPath(id) });
    },
  };
}
