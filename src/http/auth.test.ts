import { describe, expect, it } from 'vitest';
import { bearerTokenChecker, isPublicRoute } from './auth.ts';

describe('bearer tokens', () => {
  const check = bearerTokenChecker(['first-token-aaaaaaaaaaaaaaaaaaaa', 'second-token-bbbbbbbbbbbbbbbbbbb']);

  it('accepts any configured token, in the Bearer scheme only', () => {
    expect(check('Bearer first-token-aaaaaaaaaaaaaaaaaaaa')).toBe(true);
    expect(check('bearer second-token-bbbbbbbbbbbbbbbbbbb')).toBe(true);
    for (const bad of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'first-token-aaaaaaaaaaaaaaaaaaaa',
      'Basic first-token-aaaaaaaaaaaaaaaaaaaa',
      'Bearer first-token-aaaaaaaaaaaaaaaaaaa', // one character short
      'Bearer first-token-aaaaaaaaaaaaaaaaaaaaa', // one character more
      'Bearer first-token-aaaaaaaaaaaaaaaaaaaa second',
    ]) {
      expect(check(bad), String(bad)).toBe(false);
    }
  });

  it('an empty token list accepts nothing', () => {
    expect(bearerTokenChecker([])('Bearer x')).toBe(false);
    expect(bearerTokenChecker([''])('Bearer ')).toBe(false);
  });

  it('public routes are matched on the route pattern', () => {
    expect(isPublicRoute('GET', '/health/ready')).toBe(true);
    expect(isPublicRoute('POST', '/v1/connect/session')).toBe(true);
    expect(isPublicRoute('POST', '/webhooks/pluggy')).toBe(true);
    expect(isPublicRoute('GET', '/v1/users/:phone')).toBe(false);
    expect(isPublicRoute('GET', '/healthz')).toBe(false);
    expect(isPublicRoute('GET', '/metrics')).toBe(false);
    expect(isPublicRoute('GET', undefined)).toBe(false);
  });
});
