import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectorCatalog } from '../../reads/connectors.ts';
import { ConnectorViewSchema, pageOf } from '../../reads/schemas.ts';

export const ConnectorQuerySchema = z.object({
  name: z.string().min(1).max(100).optional(),
  type: z.string().min(1).max(40).optional(),
  openFinance: z.enum(['true', 'false']).optional(),
});

export const connectorRoutes =
  (catalog: ConnectorCatalog): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/v1/connectors',
      {
        schema: {
          tags: ['connectors'],
          summary: "Pluggy's institutions, cached (one Pluggy call per TTL)",
          querystring: ConnectorQuerySchema,
          response: { 200: pageOf(ConnectorViewSchema) },
        },
      },
      async (req) => ({
        data: await catalog.list({
          name: req.query.name,
          type: req.query.type,
          openFinance: req.query.openFinance === undefined ? undefined : req.query.openFinance === 'true',
        }),
        nextCursor: null,
      }),
    );
  };
