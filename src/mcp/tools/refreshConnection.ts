import { z } from 'zod';
import { mintConnectLink } from '../../reads/connect.ts';
import { requirePersonItem } from '../../reads/items.ts';
import { Id } from '../schemas.ts';
import { defineTool } from '../tool.ts';

export const refreshConnection = defineTool({
  name: 'refresh_connection',
  title: 'Atualizar conexão',
  description:
    'Asks the bank for fresh data for one connection (itemId from list_connections). When only the person can do it (a code or a new login), answers needs-person with a reconnect link to send them.',
  input: z.object({ itemId: Id }).strict(),
  output: z.object({
    status: z.enum(['accepted', 'needs-person']),
    itemId: z.string(),
    reconnect: z.object({ url: z.string(), expiresAt: z.string() }).nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  scope: 'act',
  async run(deps, session, a) {
    const item = await requirePersonItem(deps.pool, session.userId, a.itemId);
    const outcome = await deps.refreshItem(item);
    if (outcome === 'accepted') {
      return {
        structured: { status: 'accepted' as const, itemId: item.id, reconnect: null },
        text: `Atualização pedida ao banco para ${item.id}; os dados chegam em alguns minutos.`,
      };
    }
    const { url, expiresAt } = await mintConnectLink(deps.connect, session.userId, { itemId: item.id });
    return {
      structured: { status: 'needs-person' as const, itemId: item.id, reconnect: { url, expiresAt } },
      text: `Só a pessoa pode atualizar ${item.id}: envie-lhe este link (válido até ${expiresAt}): ${url}`,
    };
  },
});
