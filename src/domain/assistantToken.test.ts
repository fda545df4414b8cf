import { describe, expect, it } from 'vitest';
import { signConnectLink } from './connectLink.ts';
import { hasScope, signAssistantToken, verifyAssistantToken } from './assistantToken.ts';

const SECRET = 'unit-secret-0123456789abcdef';
const now = new Date('2026-01-10T12:00:00Z');
const mint = (minutes = 10, scopes: Parameters<typeof signAssistantToken>[1]['scopes'] = ['read']) =>
  signAssistantToken(SECRET, {
    userId: 'u-1',
    scopes,
    expiresAt: new Date(now.getTime() + minutes * 60_000),
  });

describe('assistant tokens', () => {
  it('round-trips person, scopes, expiry and id', () => {
    const t = mint(10, ['read', 'act']);
    expect(verifyAssistantToken(SECRET, t.token, now)).toEqual({
      tokenId: t.tokenId,
      userId: 'u-1',
      scopes: ['read', 'act'],
      expiresAt: new Date('2026-01-10T12:10:00Z'),
    });
    expect(mint().tokenId).not.toBe(mint().tokenId);
  });

  it('refuses expired, tampered, foreign-key and malformed tokens with a code for each', () => {
    const t = mint(1).token;
    const code = (tok: string, at = now, secret = SECRET) => {
      try {
        verifyAssistantToken(secret, tok, at);
        return 'ok';
      } catch (err) {
        return (err as { kind: string; code: string }).kind + ':' + (err as { code: string }).code;
      }
    };
    expect(code(t, new Date(now.getTime() + 60_000))).toBe('unauthorized:token-expired');
    expect(code(t, new Date(now.getTime() + 59_000))).toBe('ok');
    const [h, b, s] = t.split('.') as [string, string, string];
    const widened = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(b, 'base64url').toString()), s: ['read', 'act'] }),
    ).toString('base64url');
    expect(code(`${h}.${widened}.${s}`)).toBe('unauthorized:token-tampered');
    expect(code(t, now, 'another-secret-0123456789abcdef')).toBe('unauthorized:token-tampered');
    for (const bad of ['', 'abc', 'pba1..', `x.${b}.${s}`, `${t}.x`]) expect(code(bad)).toMatch(/malformed/);
    // A connect link signed with the same secret is not a token.
    const link = signConnectLink(SECRET, {
      userId: 'u-1',
      purpose: { kind: 'connect' },
      expiresAt: new Date(now.getTime() + 60_000),
    });
    expect(code(`pba1.${link}`)).not.toBe('ok');
  });

  it('act implies read; documents and act are never implied', () => {
    expect(hasScope(['act'], 'read')).toBe(true);
    expect(hasScope(['read'], 'act')).toBe(false);
    expect(hasScope(['read', 'act'], 'documents')).toBe(false);
  });
});
