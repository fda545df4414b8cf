import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../config.ts';
import { commandLogger } from './queueSession.ts';
import { openDatabase } from '../db/open.ts';
import { ASSISTANT_SCOPES, type AssistantScope } from '../domain/assistantToken.ts';
import { AppError } from '../domain/errors.ts';
import { maskPhone } from '../domain/phone.ts';
import { refreshItem } from '../http/routes/itemActions.ts';
import { createMcpServer } from '../mcp/server.ts';
import { findPerson } from '../reads/people.ts';
import { pluggyForCommand } from './findPluggy.ts';

const USAGE = `usage: npm run --silent cli -- mcp --phone <phone> [--scopes read,act,documents]

The person's finances as MCP tools over stdio, for a desktop assistant that starts this command.
It runs as you (no token): --phone picks the one person every tool answers about.
  --scopes  read (default); act adds create_connect_link and refresh_connection (needs Pluggy or
            the sandbox running); documents shows account numbers and CPFs unmasked
stdout carries the protocol only; logs go to stderr.
`;

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      phone: { type: 'string' },
      scopes: { type: 'string', default: 'read' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const scopes = (values.scopes ?? 'read').split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(ASSISTANT_SCOPES as readonly string[]).includes(s));
  if (values.help || !values.phone || bad.length) {
    // Never stdout: a client reading the protocol there would choke on it.
    process.stderr.write(bad.length ? `unknown scope(s): ${bad.join(', ')}\n\n${USAGE}` : USAGE);
    if (!values.help) process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const logger = commandLogger(config);
  const db = await openDatabase(config, logger);
  const user = await findPerson(db.pool, values.phone);
  const pluggy = scopes.includes('act') ? (await pluggyForCommand(config, logger)).pluggy : undefined;
  const server = createMcpServer(
    {
      pool: db.pool,
      logger,
      pluggy,
      connect: { pool: db.pool, linkSecret: config.linkSigningSecret, publicBaseUrl: config.publicBaseUrl },
      refreshItem: async (item) => {
        // Unreachable without the act scope (the tool is refused first); said plainly if it ever is.
        if (!pluggy) throw new AppError('forbidden', 'scope-missing', 'Started without --scopes act.');
        return refreshItem({ pool: db.pool, pluggy, logger }, item);
      },
    },
    {
      userId: user.id,
      maskedPhone: maskPhone(user.phoneE164),
      tokenId: null,
      scopes: scopes as AssistantScope[],
    },
  );
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once('end', resolve);
  });
  await server.connect(transport);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => void server.close());
  await closed;
  await server.close().catch(() => {});
  await db.close();
}
