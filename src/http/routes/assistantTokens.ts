import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ASSISTANT_SCOPES, MAX_ASSISTANT_TOKEN_MINUTES } from '../../domain/assistantToken.ts';
import type { Db } from '../../db/pool.ts';
import { mintAssistantToken, revokeAssistantTokenById } from '../../reads/assistantTokens.ts';
import { findPerson } from '../../reads/people.ts';

const Phone = z.object({ phone: z.string().max(40).describe('any usual writing; normalised to E.164') });
const tags = ['assistant'];

/**
 * Tokens for the MCP endpoint (/mcp), behind the API's bearer token: each is bound to one person,
 * to scopes and to a short life, and can be revoked by its id.
 */
export const assistantTokenRoutes =
  (deps: { pool: Db; secret: string }): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      '/v1/users/:phone/assistant-tokens',
      {
        schema: {
          tags,
          summary: "A short-lived token for /mcp, bound to this person and to scopes ('read' by default)",
          params: Phone,
          body: z
            .object({
              ttlMinutes: z.number().int().min(1).max(MAX_ASSISTANT_TOKEN_MINUTES).optional(),
              scopes: z
                .array(z.enum(ASSISTANT_SCOPES))
                .max(ASSISTANT_SCOPES.length)
                .optional()
                .describe('read: read tools; act: also connect links and refreshes; documents: unmasked'),
            })
            .default({}),
          response: {
            201: z.object({
              token: z.string(),
              tokenId: z.string(),
              scopes: z.array(z.enum(ASSISTANT_SCOPES)),
              expiresAt: z.iso.datetime(),
            }),
          },
        },
      },
      async (req, reply) => {
        const u = await findPerson(deps.pool, req.params.phone);
        return reply.code(201).send(mintAssistantToken(deps.secret, u.id, req.body ?? {}));
      },
    );

    app.delete(
      '/v1/users/:phone/assistant-tokens/:tokenId',
      {
        schema: {
          tags,
          summary: 'Revoke an assistant token: /mcp refuses it from now on (idempotent)',
          params: Phone.extend({ tokenId: z.string().min(1).max(100) }),
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        const u = await findPerson(deps.pool, req.params.phone);
        await revokeAssistantTokenById(deps.pool, u.id, req.params.tokenId);
        return reply.code(204).send(null);
      },
    );
  };
