import type { z } from 'zod';
import type { Db } from '../db/pool.ts';
import type { ItemRow } from '../db/queries/items.ts';
import type { AssistantScope } from '../domain/assistantToken.ts';
import type { Logger } from '../log.ts';
import type { PluggyClient } from '../pluggy/index.ts';
import type { ConnectDeps } from '../reads/connect.ts';

/** What every tool may use; the person comes from the session, never from a tool's arguments. */
export type McpDeps = {
  pool: Db;
  logger: Logger;
  /** For create_connect_link (mint only). */
  connect: Pick<ConnectDeps, 'pool' | 'linkSecret' | 'publicBaseUrl'>;
  /** Brand names by CNPJ and consent dates for recurring_charges and get_alerts; without it they do without. */
  pluggy?: Pick<PluggyClient, 'getMerchants' | 'getConsents'> | undefined;
  /** Asks Pluggy to update the item now (the REST route's own function, passed in). */
  refreshItem(item: ItemRow): Promise<'accepted' | 'needs-person'>;
};

export type McpSession = {
  userId: string;
  /** For logs only. */
  maskedPhone: string;
  /** Null for the stdio server, which runs as the operator. */
  tokenId: string | null;
  scopes: AssistantScope[];
};

export type ToolAnnotations = {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
};

export type ToolResult<O> = { structured: O; text: string };

export type Tool<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> = {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** 'read' tools need read (or act); 'act' tools need act. */
  scope: 'read' | 'act';
  run(deps: McpDeps, session: McpSession, args: z.output<I>): Promise<ToolResult<z.output<O>>>;
};

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(t: Tool<I, O>): Tool<I, O> => t;

export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
