import { z } from 'zod';
import { mintConnectLink } from '../../reads/connect.ts';
import { Id } from '../schemas.ts';
import { defineTool } from '../tool.ts';

export const createConnectLink = defineTool({
  name: 'create_connect_link',
  title: 'Link para conectar banco',
  description:
    'A link (valid 60 minutes) for the person to connect a bank, or, with reconnectItemId, to log in again to a connection that needs it. Send the url to the person; only they can use it.',
  input: z.object({ reconnectItemId: Id.optional() }).strict(),
  output: z.object({
    url: z.string(),
    expiresAt: z.string(),
    purpose: z.enum(['connect', 'reconnect']),
    itemId: z.string().nullable(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  scope: 'act',
  async run(deps, session, a) {
    const { url, expiresAt } = await mintConnectLink(deps.connect, session.userId, {
      itemId: a.reconnectItemId,
    });
    const purpose = a.reconnectItemId ? ('reconnect' as const) : ('connect' as const);
    return {
      structured: { url, expiresAt, purpose, itemId: a.reconnectItemId ?? null },
      text: `Link para ${purpose === 'reconnect' ? 'reconectar' : 'conectar um banco'} (válido até ${expiresAt}): ${url}`,
    };
  },
});
