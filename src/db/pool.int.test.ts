import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl, withTransaction } from './pool.ts';
import { getUserByPhone, upsertUserByPhone } from './queries/users.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

describe('pool', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('withTransaction commits on success and rolls back everything on a throw', async () => {
    const id = await withTransaction(
      t.pool,
      async (c) => (await upsertUserByPhone(c, '+5511900000001')).user.id,
    );
    expect((await getUserByPhone(t.pool, '+5511900000001'))?.id).toBe(id);

    await expect(
      withTransaction(t.pool, async (c) => {
        await upsertUserByPhone(c, '+5511900000002');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await getUserByPhone(t.pool, '+5511900000002')).toBeNull();
    // The connection went back clean: no transaction left open on it.
    expect(t.pool.idleCount).toBeGreaterThan(0);
    const { rows } = await t.pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('redacts the password of a connection URL', () => {
    expect(redactUrl('postgres://app:s3cr%40t@127.0.0.1:54329/app')).toBe(
      'postgres://app:****@127.0.0.1:54329/app',
    );
    expect(redactUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
  });

  it('a checked-out connection that dies mid-transaction fails that transaction, not the process', async () => {
    const failure = withTransaction(t.pool, async (c) => {
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // Another session kills this one while the client is checked out and idle between queries.
      await t.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((r) => setTimeout(r, 100));
      await c.query('SELECT 1');
    });
    await expect(failure).rejects.toThrow();
    // The pool replaced the broken connection and keeps working.
    const { rows } = await t.pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows[0]!.ok).toBe(1);
  });
});
