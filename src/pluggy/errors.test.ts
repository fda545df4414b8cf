import { describe, expect, it } from 'vitest';
import { codeForStatus, createRedactor } from './errors.ts';
import { fakeApiKey } from './testing/jwt.ts';

describe('codeForStatus', () => {
  it('maps statuses the way docs/pluggy.md describes them', () => {
    const cases: [number, string][] = [
      [400, 'invalid-request'],
      [409, 'invalid-request'],
      [410, 'invalid-request'],
      [422, 'invalid-request'],
      [401, 'auth'],
      [403, 'auth'],
      [404, 'not-found'],
      [429, 'rate-limited'],
      [500, 'unavailable'],
      [503, 'unavailable'],
    ];
    expect(cases.map(([s]) => [s, codeForStatus(s)])).toEqual(cases);
  });
});

describe('createRedactor', () => {
  it('blanks known secrets and anything JWT-shaped, deep inside objects', () => {
    const stranger = fakeApiKey(7);
    const redactor = createRedactor(() => ['super-secret-value', 'opaque-key-123']);
    const out = redactor.deep({
      message: 'bad super-secret-value',
      details: [{ message: `token ${stranger} and opaque-key-123`, n: 3 }],
      payloadOnly: stranger.split('.')[1],
    });
    expect(JSON.stringify(out)).not.toMatch(/super-secret-value|opaque-key-123|eyJ/);
    expect(out.details[0]?.n).toBe(3);
  });
});
