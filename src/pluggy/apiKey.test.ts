import { describe, expect, it } from 'vitest';
import { createApiKeyCache, keyRefreshAt, readJwtClaims } from './apiKey.ts';
import { fakeJwt } from './testing/jwt.ts';

const HOUR = 3_600_000;

describe('readJwtClaims', () => {
  it('reads exp and iat without checking the signature', () => {
    expect(readJwtClaims(fakeJwt({ iat: 100, exp: 7300, clientId: 'x' }))).toEqual({ iat: 100, exp: 7300 });
  });

  it('yields nothing for opaque or malformed keys', () => {
    expect(readJwtClaims('opaque-api-key')).toEqual({});
    expect(readJwtClaims('a.!!!.c')).toEqual({});
    expect(readJwtClaims(fakeJwt({ exp: 'tomorrow' }))).toEqual({});
  });
});

describe('keyRefreshAt', () => {
  const now = Date.parse('2026-03-02T14:00:00.000Z');
  const iat = now / 1000;

  it('refreshes a 2-hour key one margin before exp', () => {
    expect(keyRefreshAt(fakeJwt({ iat, exp: iat + 7200 }), now, 60_000)).toBe(now + 2 * HOUR - 60_000);
  });

  it('refreshes a short-lived key half-way through its life rather than on every call', () => {
    expect(keyRefreshAt(fakeJwt({ iat, exp: iat + 10 }), now, 60_000)).toBe(now + 5_000);
  });

  it('assumes Pluggy’s 2 hours when the key has no exp', () => {
    expect(keyRefreshAt('opaque-api-key', now, 60_000)).toBe(now + 2 * HOUR - 60_000);
  });
});

describe('createApiKeyCache', () => {
  it('shares one fetch among concurrent callers and retries after a failed fetch', async () => {
    let fetches = 0;
    let failNext = true;
    const cache = createApiKeyCache({
      refreshMarginMs: 60_000,
      fetchKey: async () => {
        fetches += 1;
        if (failNext) {
          failNext = false;
          throw new Error('auth down');
        }
        return `key-${fetches}`;
      },
    });

    const first = await Promise.allSettled([cache.get(), cache.get(), cache.get()]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(fetches).toBe(1);

    expect(await Promise.all([cache.get(), cache.get()])).toEqual(['key-2', 'key-2']);
    expect(fetches).toBe(2);
  });

  it('invalidates only the key that was refused, not a newer one', async () => {
    let fetches = 0;
    const cache = createApiKeyCache({ refreshMarginMs: 60_000, fetchKey: async () => `key-${++fetches}` });
    expect(await cache.get()).toBe('key-1');
    cache.invalidate('key-1');
    expect(await cache.get()).toBe('key-2');
    cache.invalidate('key-1'); // a late refusal of the old key
    expect(await cache.get()).toBe('key-2');
    expect(fetches).toBe(2);
  });
});
