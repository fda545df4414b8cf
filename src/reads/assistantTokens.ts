import type { Db } from '../db/pool.ts';
import { isAssistantTokenRevoked, revokeAssistantToken } from '../db/queries/assistantTokenRevocations.ts';
import { getUserById, type UserRow } from '../db/queries/users.ts';
import {
  type AssistantScope,
  type AssistantTokenClaims,
  failure,
  MAX_ASSISTANT_TOKEN_MINUTES,
  signAssistantToken,
  verifyAssistantToken,
} from '../domain/assistantToken.ts';

export const DEFAULT_ASSISTANT_TOKEN_MINUTES = 60;

export function mintAssistantToken(
  secret: string,
  userId: string,
  opts: { ttlMinutes?: number | undefined; scopes?: AssistantScope[] | undefined },
  now = new Date(),
) {
  const minutes = opts.ttlMinutes ?? DEFAULT_ASSISTANT_TOKEN_MINUTES;
  const scopes = opts.scopes?.length ? opts.scopes : (['read'] as AssistantScope[]);
  const signed = signAssistantToken(secret, {
    userId,
    scopes,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
  });
  return { token: signed.token, tokenId: signed.tokenId, scopes, expiresAt: signed.expiresAt.toISOString() };
}

/** Signed, unexpired, not revoked, and its person still exists (an erased person's tokens are dead). */
export async function authenticateAssistantToken(
  db: Db,
  secret: string,
  token: string,
  now = new Date(),
): Promise<{ claims: AssistantTokenClaims; user: UserRow }> {
  const claims = verifyAssistantToken(secret, token, now);
  const [revoked, user] = await Promise.all([
    isAssistantTokenRevoked(db, claims.tokenId),
    getUserById(db, claims.userId),
  ]);
  if (revoked) throw failure('token-revoked');
  if (!user) throw failure('token-expired');
  return { claims, user };
}

/** By id (the mint answer gives it): no token outlives MAX minutes, so the row can say so. */
export async function revokeAssistantTokenById(db: Db, userId: string, tokenId: string, now = new Date()) {
  await revokeAssistantToken(db, {
    tokenId,
    userId,
    expiresAt: new Date(now.getTime() + MAX_ASSISTANT_TOKEN_MINUTES * 60_000),
  });
}
