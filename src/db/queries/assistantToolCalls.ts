import type { Db } from '../pool.ts';

export type AssistantToolCallIn = {
  userId: string;
  tokenId: string | null;
  tool: string;
  argsDigest: string;
  outcome: string;
};

export async function insertAssistantToolCall(db: Db, c: AssistantToolCallIn): Promise<void> {
  await db.query(
    `INSERT INTO assistant_tool_calls (user_id, token_id, tool, args_digest, outcome)
     VALUES ($1, $2, $3, $4, $5)`,
    [c.userId, c.tokenId, c.tool, c.argsDigest, c.outcome],
  );
}

export type AssistantToolCallRow = AssistantToolCallIn & { at: Date };

export async function listAssistantToolCalls(db: Db, userId: string): Promise<AssistantToolCallRow[]> {
  const res = await db.query<AssistantToolCallRow>(
    `SELECT user_id AS "userId", token_id AS "tokenId", tool, args_digest AS "argsDigest", outcome, at
     FROM assistant_tool_calls WHERE user_id = $1 ORDER BY id`,
    [userId],
  );
  return res.rows;
}

/** The person's erasure: their audit trail goes with them. */
export async function deleteToolCallsOfPerson(db: Db, userId: string): Promise<void> {
  await db.query('DELETE FROM assistant_tool_calls WHERE user_id = $1', [userId]);
}
