/**
 * Unsigned JWT-shaped strings for tests. Pluggy's keys and connect tokens are JWTs that clients
 * decode without verifying (docs/pluggy.md#auth-and-api-keys), so only the payload matters here.
 */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('test-signature').toString('base64url')}`;
}

/** A key issued now that lives `ttlSeconds` (Pluggy: 7200). `serial` makes each key distinct. */
export function fakeApiKey(serial: number, ttlSeconds = 7200, issuedAtMs = Date.now()): string {
  const iat = Math.floor(issuedAtMs / 1000);
  return fakeJwt({ clientId: 'test-client', serial, iat, exp: iat + ttlSeconds });
}
