import { z } from 'zod';
import { listItemViews } from '../../reads/items.ts';
import { asOfOf } from '../freshness.ts';
import { DATA_NOTICE, day, quoted } from '../render.ts';
import { AsOf } from '../schemas.ts';
import { defineTool, READ_ONLY } from '../tool.ts';

const MAX = 50;

export const listConnections = defineTool({
  name: 'list_connections',
  title: 'Conexões bancárias',
  description:
    "The person's bank connections (items): institution, status, whether it needs the person to reconnect and why, last successful sync. itemId is what refresh_connection and create_connect_link take.",
  input: z.object({}).strict(),
  output: z.object({
    asOf: AsOf,
    connections: z.array(
      z.object({
        itemId: z.string(),
        institution: z.string().nullable(),
        connectorId: z.number().int().nullable(),
        status: z.string().nullable(),
        needsReconnect: z.boolean(),
        reconnectReason: z.string().nullable(),
        lastSuccessfulSyncAt: z.string().nullable(),
        syncRunning: z.boolean(),
        consentExpiresAt: z.string().nullable(),
      }),
    ),
    truncated: z.boolean(),
  }),
  annotations: READ_ONLY,
  scope: 'read',
  async run(deps, session) {
    const items = await listItemViews(deps.pool, session.userId);
    const connections = items.slice(0, MAX).map((i) => ({
      itemId: i.id,
      institution: i.institution.name,
      connectorId: i.institution.connectorId,
      status: i.status,
      needsReconnect: i.needsReconnect,
      reconnectReason: i.reconnectReason,
      lastSuccessfulSyncAt: i.lastSuccessfulSyncAt,
      syncRunning: i.syncRunning,
      consentExpiresAt: i.consentExpiresAt,
    }));
    const lines = connections.map(
      (c) =>
        `- ${quoted(c.institution)} (itemId ${c.itemId}): ${c.status ?? '—'}, ` +
        `atualizado em ${day(c.lastSuccessfulSyncAt)}` +
        (c.needsReconnect ? `; precisa reconectar: ${c.reconnectReason}` : ''),
    );
    return {
      structured: { asOf: asOfOf(items), connections, truncated: items.length > MAX },
      text: [`${connections.length} conexão(ões). ${DATA_NOTICE}`, ...lines].join('\n'),
    };
  },
});
