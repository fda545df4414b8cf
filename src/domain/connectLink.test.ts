import { describe, expect, it } from 'vitest';
import { linkFromInput, signConnectLink, verifyConnectLink } from './connectLink.ts';

const SECRET = 'a-link-signing-secret-for-tests';
const userId = '6f1c1d1e-0000-4000-8000-000000000001';
const inAnHour = () => new Date(Date.now() + 3600_000);

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string; kind?: string }).kind === 'unauthorized' ? (e as { code: string }).code : e;
  }
  return 'accepted';
};

describe('connect links', () => {
  it('round-trips user, purpose and expiry; accepts the bare value or the whole URL', () => {
    const expiresAt = inAnHour();
    const link = signConnectLink(SECRET, { userId, purpose: { kind: 'connect' }, expiresAt });
    const claims = verifyConnectLink(SECRET, link);
    expect(claims).toMatchObject({ userId, purpose: { kind: 'connect' } });
    expect(claims.expiresAt.getTime()).toBe(Math.floor(expiresAt.getTime() / 1000) * 1000);
    const url = `https://bridge.example/connect?link=${encodeURIComponent(link)}`;
    expect(verifyConnectLink(SECRET, url).userId).toBe(userId);
    expect(linkFromInput(url)).toBe(link);

    const re = signConnectLink(SECRET, {
      userId,
      purpose: { kind: 'reconnect', itemId: 'item-1' },
      expiresAt,
    });
    expect(verifyConnectLink(SECRET, re, { expected: 'reconnect' }).purpose).toEqual({
      kind: 'reconnect',
      itemId: 'item-1',
    });
    expect(signConnectLink(SECRET, { userId, purpose: { kind: 'connect' }, expiresAt })).not.toBe(link);
  });

  it('says which check failed: tampered, expired, wrong purpose, malformed', () => {
    const link = signConnectLink(SECRET, { userId, purpose: { kind: 'connect' }, expiresAt: inAnHour() });
    const [body, sig] = link.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, u: 'someone-else' })).toString('base64url');
    expect(codeOf(() => verifyConnectLink(SECRET, `${forged}.${sig}`))).toBe('link-tampered');
    expect(codeOf(() => verifyConnectLink('another-secret-of-enough-length', link))).toBe('link-tampered');
    expect(codeOf(() => verifyConnectLink(SECRET, `${body}.${sig.slice(0, -2)}`))).toBe('link-tampered');

    const old = signConnectLink(SECRET, {
      userId,
      purpose: { kind: 'connect' },
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(codeOf(() => verifyConnectLink(SECRET, old))).toBe('link-expired');
    expect(codeOf(() => verifyConnectLink(SECRET, link, { now: new Date(Date.now() + 7200_000) }))).toBe(
      'link-expired',
    );
    expect(codeOf(() => verifyConnectLink(SECRET, link, { expected: 'reconnect' }))).toBe(
      'link-wrong-purpose',
    );
    for (const junk of ['', 'abc', 'a.b.c', 'https://x.example/connect', `.${sig}`]) {
      expect(
        codeOf(() => verifyConnectLink(SECRET, junk)),
        junk,
      ).toMatch(/^link-(malformed|tampered)$/);
    }
  });
});
