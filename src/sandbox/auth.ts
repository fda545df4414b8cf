/**
 * API keys and connect tokens: 3-segment base64url JWTs with numeric `iat`/`exp`, HMAC-signed with a
 * per-process secret. Pluggy signs with RS256; clients never verify the signature (the Node SDK only
 * `jwt.decode`s to read `exp`), so HS256 is indistinguishable to them.
 *
 * `iat`/`exp` use the REAL wall clock, not the sandbox clock: clients compare `exp` with their own
 * clock, so a sandbox started in the past (`now` option) or advanced by hours must still hand out keys
 * they consider valid. Expiry is forced instead with the `expire-key` fault or a short apiKeyTtlSeconds.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

type ApiKeyClaims = { kind: 'api_key'; clientId: string; jti: string; iat: number; exp: number };
export type ConnectTokenClaims = {
  kind: 'connect_token';
  clientId: string;
  jti: string;
  iat: number;
  exp: number;
  clientUserId: string | null;
  webhookUrl: string | null;
  oauthRedirectUri: string | null;
  avoidDuplicates: boolean;
  itemId: string | null;
};
export type TokenClaims = ApiKeyClaims | ConnectTokenClaims;

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export class TokenIssuer {
  private readonly secret = randomBytes(32);
  private readonly revoked = new Set<string>();
  private counter = 0;

  constructor(
    private readonly clientId: string,
    private readonly apiKeyTtlSeconds: number,
    private readonly connectTokenTtlSeconds = 1800,
  ) {}

  private sign(payload: object): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(payload));
    const sig = createHmac('sha256', this.secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  private nextJti(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${this.counter}-${randomBytes(6).toString('hex')}`;
  }

  issueApiKey(): string {
    const iat = Math.floor(Date.now() / 1000);
    const claims: ApiKeyClaims = {
      kind: 'api_key',
      clientId: this.clientId,
      jti: this.nextJti('ak'),
      iat,
      exp: iat + this.apiKeyTtlSeconds,
    };
    return this.sign(claims);
  }

  issueConnectToken(opts: Omit<ConnectTokenClaims, 'kind' | 'clientId' | 'jti' | 'iat' | 'exp'>): {
    token: string;
    claims: ConnectTokenClaims;
  } {
    const iat = Math.floor(Date.now() / 1000);
    const claims: ConnectTokenClaims = {
      kind: 'connect_token',
      clientId: this.clientId,
      jti: this.nextJti('ct'),
      iat,
      exp: iat + this.connectTokenTtlSeconds,
      ...opts,
    };
    return { token: this.sign(claims), claims };
  }

  /** Claims of a valid, unexpired, unrevoked token we issued; null otherwise. */
  verify(token: string | undefined): TokenClaims | null {
    if (!token) return null;
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [head, body, sig] = parts as [string, string, string];
    const want = createHmac('sha256', this.secret).update(`${head}.${body}`).digest();
    const got = Buffer.from(sig, 'base64url');
    if (got.length !== want.length || !timingSafeEqual(got, want)) return null;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return null;
    }
    if (typeof claims.exp !== 'number' || claims.exp <= Math.floor(Date.now() / 1000)) return null;
    if (this.revoked.has(claims.jti)) return null;
    return claims;
  }

  /** Make a key answer 403 from now on, as if it had expired (the `expire-key` fault). */
  revoke(token: string | undefined): void {
    const claims = this.verify(token);
    if (claims) this.revoked.add(claims.jti);
  }
}

/** Constant-time string comparison for the client secret. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
