import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from './webhooks.ts';

describe('webhooks replay <eventId>', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  it('refuses an argument that is not an event id, before opening anything', async () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    for (const bad of ['..', '../../etc', 'ev-1', `${'x'.repeat(500)}`]) {
      stderr.length = 0;
      process.exitCode = undefined;
      await run(['replay', bad]);
      expect(process.exitCode).toBe(2);
      expect(stderr.join('')).toMatch(/is not an event id \(a UUID\)/);
      expect(stderr.join('').length).toBeLessThan(200);
    }
  });
});
