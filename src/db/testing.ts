import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from './migrate.ts';
import { createPool } from './pool.ts';

/**
 * A fresh, migrated database per call on the test server, so test files running in parallel never
 * see each other's rows: `pb_test_<random>` on TEST_DATABASE_URL (default: the local PostgreSQL
 * with trust auth). `drop()` ends the pool and drops the database, even with connections left open.
 *
 * This is the one module besides src/config.ts that reads process.env (tests only).
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabase = { url: string; name: string; pool: pg.Pool; drop(): Promise<void> };

export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `pb_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = createPool(url, { max: 5 });
  pool.on('error', () => {}); // dropped WITH (FORCE) while idle clients may linger
  let dropped: Promise<void> | undefined;
  const drop = () => {
    dropped ??= (async () => {
      await pool.end().catch(() => {});
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    })();
    return dropped;
  };
  if (opts.migrate !== false) {
    try {
      await migrate(pool);
    } catch (err) {
      await drop();
      throw err;
    }
  }
  return { url, name, pool, drop };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
