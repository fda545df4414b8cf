import { type RequestSender, secretsOf } from '../http.ts';
import { listAll } from '../pagination.ts';
import { WebhookSchema, type Webhook } from '../schemas.ts';
import { idSegment } from './ids.ts';

export type CreateWebhookInput = { event: string; url: string; headers?: Record<string, string> | null };
export type UpdateWebhookInput = {
  event?: string;
  url?: string;
  /** `null` removes the custom headers (docs/pluggy.md#registering-webhooks). */
  headers?: Record<string, string> | null;
  enabled?: boolean;
};

const webhookPath = (id: string, method: string) =>
  `/webhooks/${idSegment('webhook id', id, method, '/webhooks/{id}')}`;

/** See docs/pluggy.md#registering-webhooks. */
export function webhooksResource(http: RequestSender) {
  return {
    listWebhooks(): Promise<Webhook[]> {
      // One page in practice; `page` is sent only if Pluggy ever says there is more.
      return listAll(http, { path: '/webhooks' }, WebhookSchema);
    },

    createWebhook(input: CreateWebhookInput): Promise<Webhook> {
      // At most 5 webhooks per event (docs/pluggy.md#registering-webhooks): a blind retry could use up a
      // slot, so this POST is not resent after an ambiguous failure (the POST default). Header values are
      // typically shared secrets and the URL may carry a token: keep both out of errors.
      return http.request(
        { method: 'POST', path: '/webhooks', body: input, secrets: secretsOf(input.headers, input.url) },
        WebhookSchema,
      );
    },

    async updateWebhook(id: string, patch: UpdateWebhookInput): Promise<Webhook> {
      return http.request(
        {
          method: 'PATCH',
          path: webhookPath(id, 'PATCH'),
          body: patch,
          secrets: secretsOf(patch.headers, patch.url),
        },
        WebhookSchema,
      );
    },

    async deleteWebhook(id: string): Promise<void> {
      return http.requestVoid({ method: 'DELETE', path: webhookPath(id, 'DELETE') });
    },
  };
}
