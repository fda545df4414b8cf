import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A constant-time check of presented webhook secrets against the configured one. Both sides are
 * hashed first so the comparison takes the same time whatever the presented length (a plain
 * `timingSafeEqual` throws on unequal lengths, which would leak the secret's length).
 */
export function secretMatcher(expected: string): (presented: string | undefined) => boolean {
  if (expected.length === 0) throw new Error('the webhook secret must not be empty');
  const want = digest(expected);
  return (presented) =>
    typeof presented === 'string' && presented.length > 0 && timingSafeEqual(digest(presented), want);
}
