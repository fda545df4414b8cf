import { describe, expect, it } from 'vitest';
import { secretMatcher } from './secret.ts';

describe('secretMatcher', () => {
  const matches = secretMatcher('s3cret-value-of-some-length');

  it('accepts exactly the configured secret', () => {
    expect(matches('s3cret-value-of-some-length')).toBe(true);
  });

  it('refuses anything else, whatever its length, without throwing', () => {
    for (const wrong of [
      undefined,
      '',
      's3cret',
      's3cret-value-of-some-lengtH',
      's3cret-value-of-some-length ',
      'x'.repeat(10_000),
    ]) {
      expect(matches(wrong)).toBe(false);
    }
  });

  it('refuses to be configured with an empty secret', () => {
    expect(() => secretMatcher('')).toThrow();
  });
});
