import { describe, expect, it } from 'vitest';
import { redactUrl } from './pool.ts';

describe('redactUrl', () => {
  const cases: Array<[string, string, string]> = [
    ['userinfo', 'postgres://app:s3cret@db.example:5432/app', 'postgres://app:****@db.example:5432/app'],
    ['postgresql scheme', 'postgresql://app:s3cret@db/app', 'postgresql://app:****@db/app'],
    ['percent-encoded @', 'postgres://app:p%40ss@db/app', 'postgres://app:****@db/app'],
    ['raw @ in the password', 'postgres://app:p@ss@db:5432/app', 'postgres://app:****@db:5432/app'],
    ['raw / in the password', 'postgres://app:pa/ss@db/app', 'postgres://app:****@db/app'],
    ['digits then raw /', 'postgres://app:123/x@db/app', 'postgres://app:****@db/app'],
    ['raw ? and # in the password', 'postgres://app:p?x#y@db/app', 'postgres://app:****@db/app'],
    [
      'query password',
      'postgres://db/app?user=app&password=s3cret',
      'postgres://db/app?user=app&password=****',
    ],
    [
      'sslpassword',
      'postgres://app@db/app?sslmode=require&sslpassword=k3y',
      'postgres://app@db/app?sslmode=require&sslpassword=****',
    ],
    [
      'socket form',
      'postgresql:///app?host=/var/run/postgresql&password=s3cret',
      'postgresql:///app?host=%2Fvar%2Frun%2Fpostgresql&password=****',
    ],
    [
      'several hosts',
      'postgres://app:s3cret@h1:5432,h2:5433/app?password=s3cret',
      'postgres://app:****@h1:5432,h2:5433/app?password=****',
    ],
    ['@ inside the query', 'postgres://db/app?password=a@b', 'postgres://db/app?password=****'],
    ['no password', 'postgres://postgres@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'],
  ];
  it.each(cases)('%s', (_name, url, expected) => {
    expect(redactUrl(url)).toBe(expected);
    expect(redactUrl(url)).not.toMatch(/s3cret|p@ss|p%40ss|pa\/ss|123\/x|p\?x|k3y|a@b/);
  });

  it('does not echo a string it cannot read', () => {
    expect(redactUrl('host=db password=s3cret')).not.toContain('s3cret');
  });
});
