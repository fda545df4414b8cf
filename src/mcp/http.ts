import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { failure } from '../domain/assistantToken.ts';
import { maskPhone } from '../domain/phone.ts';
import { authenticateAssistantToken } from '../reads/assistantTokens.ts';
import { createMcpServer } from './server.ts';
import type { McpDeps } from './tool.ts';

export const MCP_PATH = '/mcp';
/** A tool call is a small JSON-RPC message. */
const MCP_BODY_LIMIT = 64 * 1024;

/**
 * /mcp: the MCP Streamable HTTP transport on the service's own server, authorised by an assistant
 * token alone (the API's bearer token is not accepted here; src/http/auth.ts lists /mcp as public).
 * Stateless and JSON: each POST carries its token, gets its own server bound to that token's
 * person, and is answered with one JSON body — no session to steal, no long-lived event stream for
 * the server's idle-connection timeout to cut (a GET for one is answered 405).
 */
export function mcpRoutes(deps: McpDeps & { secret: string }): FastifyPluginAsync {
  return async (app) => {
    // Fastify refuses a body with a "__proto__" key outright (a 400 before any code of ours), which
    // would make such tool arguments a transport failure. JSON.parse keeps it as a plain own key
    // (it never touches a prototype), so the tool's strict schema refuses it as a tool error.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m?.[1]) {
        reply.header('www-authenticate', 'Bearer');
        throw failure('token-malformed');
      }
      let auth: Awaited<ReturnType<typeof authenticateAssistantToken>>;
      try {
        auth = await authenticateAssistantToken(deps.pool, deps.secret, m[1]);
      } catch (err) {
        reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw err;
      }
      const server = createMcpServer(deps, {
        userId: auth.user.id,
        maskedPhone: maskPhone(auth.user.phoneE164),
        tokenId: auth.claims.tokenId,
        scopes: auth.claims.scopes,
      });
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        // Hijacked: Fastify's error handler can no longer answer, so this does (tool failures never
        // get here; they are tool results).
        req.log.error({ err }, 'mcp transport failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(
            JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } }),
          );
        } else reply.raw.destroy();
      }
    };
    const opts = { bodyLimit: MCP_BODY_LIMIT, schema: { hide: true } };
    app.post(MCP_PATH, opts, handle);
    app.get(MCP_PATH, opts, handle);
    app.delete(MCP_PATH, opts, handle);
  };
}
