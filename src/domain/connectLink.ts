import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from './errors.ts';

/**
 * The only way to a connect token: the back end asks for a link for a person, the person opens it,
 * and the Connect page exchanges it. Knowing a phone number is not enough (the old system minted
 * tokens for any number it was given). The link is `<payload>.<signature>`, both base64url; the
 * payload names the user (our opaque id), the purpose and the expiry, and is signed with
 * HMAC-SHA256 under LINK_SIGNING_SECRET. Nothing secret is in the payload: it is signed, not sealed.
 */
export type LinkPurpose = { kind: 'connect' } | { kind: 'reconnect'; itemId: string };

export type ConnectLinkClaims = {
  userId: string;
  purpose: LinkPurpose;
  expiresAt: Date;
  /** Random per link: the rate limiter's key, and two links minted in one second differ. */
  nonce: string;
};

type Payload = { v: 1; u: string; p: 'connect' | 'reconnect'; i?: string; e: number; n: string };

export type LinkFailure = 'link-malformed' | 'link-tampered' | 'link-expired' | 'link-wrong-purpose';

export function signConnectLink(
  secret: string,
  claims: { userId: string; purpose: LinkPurpose; expiresAt: Date },
): string {
  const payload: Payload = {
    v: 1,
    u: claims.userId,
    p: claims.purpose.kind,
    ...(claims.purpose.kind === 'reconnect' ? { i: claims.purpose.itemId } : {}),
    e: Math.floor(claims.expiresAt.getTime() / 1000),
    n: randomBytes(9).toString('base64url'),
  };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

/**
 * Checks the signature first (so an attacker learns nothing about a forged payload), then expiry,
 * then purpose. Throws AppError kind 'unauthorized' whose code says which check failed.
 * `expected`: 'connect' or 'reconnect' to demand one purpose; omitted accepts either.
 */
export function verifyConnectLink(
  secret: string,
  link: string,
  opts: { now?: Date; expected?: LinkPurpose['kind'] } = {},
): ConnectLinkClaims {
  const token = linkFromInput(link);
  const dot = token.indexOf('.');
  if (dot < 1 || dot !== token.lastIndexOf('.')) throw failure('link-malformed');
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = Buffer.from(mac(secret, body), 'base64url');
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw failure('link-tampered');
  let p: Payload;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
  } catch {
    throw failure('link-malformed');
  }
  if (
    p?.v !== 1 ||
    typeof p.u !== 'string' ||
    typeof p.e !== 'number' ||
    typeof p.n !== 'string' ||
    (p.p !== 'connect' && p.p !== 'reconnect') ||
    (p.p === 'reconnect' && typeof p.i !== 'string')
  ) {
    throw failure('link-malformed');
  }
  const now = opts.now ?? new Date();
  if (now.getTime() >= p.e * 1000) throw failure('link-expired');
  if (opts.expected && opts.expected !== p.p) throw failure('link-wrong-purpose');
  return {
    userId: p.u,
    purpose: p.p === 'reconnect' ? { kind: 'reconnect', itemId: p.i as string } : { kind: 'connect' },
    expiresAt: new Date(p.e * 1000),
    nonce: p.n,
  };
}

/** The Connect page may send the `link` value or the whole URL it was opened with. */
export function linkFromInput(input: string): string {
  const s = input.trim();
  if (/^https?:\/\//i.test(s)) {
    try {
      return new URL(s).searchParams.get('link') ?? '';
    } catch {
      return '';
    }
  }
  return s;
}

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`pluggy-bridge/connect-link/v1.${body}`).digest('base64url');
}

const MESSAGES: Record<LinkFailure, string> = {
  'link-malformed': 'This is not a connect link.',
  'link-tampered': 'This connect link was altered or signed with another key.',
  'link-expired': 'This connect link has expired; ask for a new one.',
  'link-wrong-purpose': 'This connect link is not for this action.',
};

function failure(code: LinkFailure): AppError {
  return new AppError('unauthorized', code, MESSAGES[code]);
}
