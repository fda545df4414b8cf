import { spawn } from 'node:child_process';
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

  it('a second process on the same folder (a CLI beside the running service) shares the server', async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'pb-embedded-shared-'));
    const dataDir = path.join(own, 'pg');
    const port = await freePort();
    // The "service": another Node process that starts the embedded server and keeps it.
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${path.resolve('src/db/embedded.ts')}').then(async (m) => {
           const db = await m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port} });
           console.log('READY');
           process.on('SIGTERM', () => db.stop().then(() => process.exit(0)));
         })`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        owner.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
        owner.once('exit', (code) => reject(new Error(`owner exited early (${code})`)));
      });
      const shared = await startEmbeddedPostgres({ dataDir, port: port + 1 });
      expect(new URL(shared.url).port).toBe(String(port)); // the running server's port, not ours
      const pool = createPool(shared.url, { max: 1 });
      await migrate(pool);
      await upsertUserByPhone(pool, '+5511955554444');
      await pool.end();
      await shared.stop(); // must leave the owner's server alone
      const check = createPool(shared.url, { max: 1 });
      expect((await getUserByPhone(check, '+5511955554444'))?.phoneE164).toBe('+5511955554444');
      await check.end();
    } finally {
      const exited = new Promise((r) => owner.once('exit', r));
      owner.kill('SIGTERM');
      await exited;
      await rm(own, { recursive: true, force: true });
    }
  });
});
