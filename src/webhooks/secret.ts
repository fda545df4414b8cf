import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * A constant-time check of presented webhook secrets against the accepted ones: the current secret,
 * plus the previous one while a rotation is under way (docs/pluggy.md#authenticating-deliveries: rotate by
 * accepting old and new, then PATCH each webhook's headers — Pluggy never retries a 401, so a delivery still
 * carrying the old header would be lost). Both sides are hashed first so each comparison takes the
 * same time whatever the presented length (a plain `timingSafeEqual` throws on unequal lengths,
 * which would leak the secret's length), and every accepted secret is compared, with no early exit.
 */
export function secretMatcher(
  accepted: string | readonly (string | undefined)[],
): (presented: string | undefined) => boolean {
  const secrets = (typeof accepted === 'string' ? [accepted] : accepted).filter(
    (s): s is string => s !== undefined,
  );
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) {
    throw new Error('a webhook secret must not be empty');
  }
  const wants = secrets.map(digest);
  return (presented) => {
    if (typeof presented !== 'string' || presented.length === 0) return false;
    const got = digest(presented);
    let ok = false;
    for (const want of wants) ok = timingSafeEqual(got, want) || ok;
    return ok;
  };
}
