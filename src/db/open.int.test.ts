import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { DatabaseUnreachableError, openDatabase } from './open.ts';

describe('openDatabase with a wrong DATABASE_URL', () => {
  it.each([
    ['nothing listens', 'postgres://app:s3cret-pw@127.0.0.1:1/app', /ECONNREFUSED/],
    ['no such database', 'postgres://postgres:s3cret-pw@127.0.0.1:5432/pb_no_such_db', /does not exist/],
  ])('%s: one message that names the cause and what to do, never the password', async (_, url, cause) => {
    const err = await openDatabase(loadConfig({ DATABASE_URL: url }), createLogger('silent')).catch((e) => e);
    expect(err).toBeInstanceOf(DatabaseUnreachableError);
    expect(err.message).toMatch(cause);
    expect(err.message).toContain('Check DATABASE_URL');
    expect(err.message).not.toContain('s3cret-pw');
  });
});
