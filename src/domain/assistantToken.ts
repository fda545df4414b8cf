import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * The only credential /mcp accepts: a short-lived token bound to one person and to scopes, minted
 * by the assistant's back end (behind the API's bearer token). The person is in the signed payload,
 * never in a tool's arguments, so nothing a model is told can point it at someone else.
 * `pba1.<payload>.<signature>`, base64url, HMAC-SHA256; signed, not sealed (nothing secret inside).
 */
export const ASSISTANT_SCOPES = ['read', 'act', 'documents'] as const;
/** read: the read tools; act: also connect links and refreshes; documents: account numbers unmasked. */
export type AssistantScope = (typeof ASSISTANT_SCOPES)[number];

export type AssistantTokenClaims = {
  tokenId: string;
  userId: string;
  scopes: AssistantScope[];
  expiresAt: Date;
};

export const MAX_ASSISTANT_TOKEN_MINUTES = 24 * 60;
const PREFIX = 'pba1';

type Payload = { u: string; s: string[]; e: number; j: string };

export function signAssistantToken(
  secret: string,
  claims: { userId: string; scopes: readonly AssistantScope[]; expiresAt: Date },
): { token: string; tokenId: string; expiresAt: Date } {
  const tokenId = randomBytes(12).toString('base64url');
  const e = Math.floor(claims.expiresAt.getTime() / 1000);
  const payload: Payload = { u: claims.userId, s: [...new Set(claims.scopes)], e, j: tokenId };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return { token: `${PREFIX}.${body}.${mac(secret, body)}`, tokenId, expiresAt: new Date(e * 1000) };
}

/** Signature first, then shape, then expiry; every failure is 401 with a code saying which. */
export function verifyAssistantToken(secret: string, token: string, now = new Date()): AssistantTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) throw failure('token-malformed');
  const [, body, sig] = parts as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const want = Buffer.from(mac(secret, body), 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw failure('token-tampered');
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch {
    throw failure('token-malformed');
  }
  if (
    typeof p?.u !== 'string' ||
    typeof p.e !== 'number' ||
    typeof p.j !== 'string' ||
    !Array.isArray(p.s) ||
    !p.s.every((s) => (ASSISTANT_SCOPES as readonly string[]).includes(s))
  ) {
    throw failure('token-malformed');
  }
  if (now.getTime() >= p.e * 1000) throw failure('token-expired');
  return { tokenId: p.j, userId: p.u, scopes: p.s as AssistantScope[], expiresAt: new Date(p.e * 1000) };
}

/** 'act' implies 'read': a token that may refresh may also look. */
export function hasScope(scopes: readonly AssistantScope[], wanted: AssistantScope): boolean {
  return scopes.includes(wanted) || (wanted === 'read' && scopes.includes('act'));
}

function mac(secret: string, body: string): string {
  // Its own domain string: a connect link signed with the same secret is never a valid token.
  return createHmac('sha256', secret).update(`pluggy-bridge/assistant-token/v1.${body}`).digest('base64url');
}

const MESSAGES = {
  'token-malformed': 'This is not an assistant token.',
  'token-tampered': 'This assistant token was altered or signed with another key.',
  'token-expired': 'This assistant token has expired; ask for a new one.',
  'token-revoked': 'This assistant token was revoked.',
} as const;

export function failure(code: keyof typeof MESSAGES): AppError {
  return new AppError('unauthorized', code, MESSAGES[code]);
}
