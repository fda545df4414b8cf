import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';
import { createPool } from './pool.ts';
import { upsertUserByPhone, getUserByPhone } from './queries/users.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('embedded PostgreSQL (the default without DATABASE_URL)', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts in an empty folder, migrates, keeps data across stop and restart', async () => {
    // mkdtemp makes a 0700 folder: the start must make it reachable for the postgres user itself.
    dir = await mkdtemp(path.join(tmpdir(), 'pb-embedded-'));
    const dataDir = path.join(dir, 'data', 'pg');
    const port = await freePort();

    const first = await startEmbeddedPostgres({ dataDir, port });
    let pool = createPool(first.url, { max: 2 });
    try {
      expect((await migrate(pool)).applied).toContain('001_init');
      const enc = await pool.query('SHOW server_encoding');
      expect(enc.rows[0].server_encoding).toBe('UTF8');
      await upsertUserByPhone(pool, '+5511912345678');
    } finally {
      await pool.end();
      await first.stop();
    }

    const again = await startEmbeddedPostgres({ dataDir, port });
    pool = createPool(again.url, { max: 2 });
    try {
      expect((await migrate(pool)).applied).toEqual([]);
      expect((await getUserByPhone(pool, '+5511912345678'))?.phoneE164).toBe('+5511912345678');
    } finally {
      await pool.end();
      await again.stop();
    }
  });
});
