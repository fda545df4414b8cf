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

  describe('during a rotation (current and previous secret both accepted)', () => {
    const current = 'the-new-secret-0123456789';
    const previous = 'the-old-secret-9876543210';
    const rotating = secretMatcher([current, previous]);

    it('accepts both secrets', () => {
      expect(rotating(current)).toBe(true);
      expect(rotating(previous)).toBe(true);
    });

    it('refuses a third secret and anything else', () => {
      for (const wrong of [undefined, '', 'a-third-secret-000000000', `${current}x`, previous.slice(1)]) {
        expect(rotating(wrong)).toBe(false);
      }
    });

    it('ignores an unset previous secret, and refuses an empty one', () => {
      const one = secretMatcher([current, undefined]);
      expect(one(current)).toBe(true);
      expect(one(previous)).toBe(false);
      expect(() => secretMatcher([current, ''])).toThrow();
      expect(() => secretMatcher([])).toThrow();
    });
  });
});
