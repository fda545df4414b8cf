import { type RequestSender, secretsOf } from '../http.ts';
import { ItemSchema, type Item } from '../schemas.ts';
import { idSegment } from './ids.ts';

export type CreateItemInput = {
  connectorId: number;
  parameters: Record<string, string>;
  clientUserId?: string;
  webhookUrl?: string;
  products?: string[];
  oauthRedirectUri?: string;
  avoidDuplicates?: boolean;
};

export type UpdateItemInput = {
  parameters?: Record<string, string>;
  clientUserId?: string;
  webhookUrl?: string;
  products?: string[];
};

const itemPath = (id: string, method: string) => `/items/${idSegment('item id', id, method, '/items/{id}')}`;

/** See docs/pluggy.md#item-endpoints. */
export function itemsResource(http: RequestSender) {
  return {
    createItem(input: CreateItemInput): Promise<Item> {
      // "Not idempotent; do not auto-retry" (docs/pluggy.md#item-endpoints): a second POST makes a second
      // connection. The POST default already never resends after an ambiguous failure.
      return http.request(
        {
          method: 'POST',
          path: '/items',
          body: input,
          // Bank credentials: Pluggy's validation errors may quote them back.
          secrets: secretsOf(input.parameters, input.webhookUrl),
        },
        ItemSchema,
      );
    },

    async getItem(id: string): Promise<Item> {
      return http.request({ method: 'GET', path: itemPath(id, 'GET') }, ItemSchema);
    },

    async updateItem(id: string, input: UpdateItemInput = {}): Promise<Item> {
      // Retried like any PATCH: if a lost first attempt did start the sync, the retry answers
      // 400 ITEM_ALREADY_UPDATING, which says the same thing.
      return http.request(
        {
          method: 'PATCH',
          path: itemPath(id, 'PATCH'),
          body: input,
          secrets: secretsOf(input.parameters, input.webhookUrl),
        },
        ItemSchema,
      );
    },

    async deleteItem(id: string): Promise<void> {
      return http.requestVoid({ method: 'DELETE', path: itemPath(id, 'DELETE') });
    },

    async sendItemMfa(id: string, params: Record<string, string>): Promise<Item> {
      // An MFA code is single-use at the bank: never resend one that may have arrived (the POST
      // default).
      return http.request(
        { method: 'POST', path: `${itemPath(id, 'POST')}/mfa`, body: params, secrets: secretsOf(params) },
        ItemSchema,
      );
    },
  };
}
