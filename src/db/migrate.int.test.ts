import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checksumOf, loadMigrations, MIGRATIONS_DIR, migrate } from './migrate.ts';
import { createTestDatabase, type TestDatabase } from './testing.ts';

describe('migrate', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  async function emptyDb(): Promise<TestDatabase> {
    const db = await createTestDatabase({ migrate: false });
    cleanup.push(db.drop);
    return db;
  }
  async function copyOfMigrations(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'pb-migrations-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  it('applies every migration once, records sha256 checksums, and a second run applies nothing', async () => {
    const db = await emptyDb();
    const files = await loadMigrations();
    expect(files.map((m) => m.name)[0]).toBe('001_init');

    const first = await migrate(db.pool);
    expect(first.applied).toEqual(files.map((m) => m.name));
    const { rows } = await db.pool.query('SELECT name, checksum FROM schema_migrations ORDER BY name');
    expect(rows).toEqual(files.map((m) => ({ name: m.name, checksum: m.checksum })));
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);

    const tables = await db.pool.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    // Later migrations add tables; these are the ones 001 promises.
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'accounts',
        'credit_card_bills',
        'identities',
        'investment_transactions',
        'investments',
        'items',
        'loans',
        'schema_migrations',
        'sync_runs',
        'sync_state',
        'transactions',
        'users',
        'webhook_events',
      ]),
    );

    expect(await migrate(db.pool)).toEqual({ applied: [] });
  });

  it('refuses to run when an applied migration file was edited, naming it', async () => {
    const db = await emptyDb();
    const dir = await copyOfMigrations();
    await migrate(db.pool, undefined, { dir });
    await writeFile(path.join(dir, '001_init.sql'), '-- edited after it was applied\nSELECT 1;\n');
    await expect(migrate(db.pool, undefined, { dir })).rejects.toThrow(
      /Migration 001_init was already applied but its file has changed/,
    );
  });

  it('applies only the new file on top, and rolls a failing migration back entirely', async () => {
    const db = await emptyDb();
    const dir = await copyOfMigrations();
    await migrate(db.pool, undefined, { dir });

    await writeFile(path.join(dir, '998_extra.sql'), 'CREATE TABLE extra_one (id int);');
    await writeFile(path.join(dir, '999_broken.sql'), 'CREATE TABLE extra_two (id int); SELECT nope;');
    await expect(migrate(db.pool, undefined, { dir })).rejects.toThrow(/Migration 999_broken failed/);
    // One transaction: 998 went back with 999.
    const after = await db.pool.query(
      "SELECT to_regclass('extra_one') AS t, count(*)::int AS n FROM schema_migrations",
    );
    expect(after.rows[0]).toEqual({ t: null, n: (await loadMigrations()).length });

    await rm(path.join(dir, '999_broken.sql'));
    expect(await migrate(db.pool, undefined, { dir })).toEqual({ applied: ['998_extra'] });
  });

  it('serializes concurrent starters: exactly one applies, the others find nothing to do', async () => {
    const db = await emptyDb();
    const results = await Promise.all([migrate(db.pool), migrate(db.pool), migrate(db.pool)]);
    const appliedBy = results.filter((r) => r.applied.length > 0);
    expect(appliedBy).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM schema_migrations');
    expect(rows[0].n).toBe((await loadMigrations()).length);
  });

  it('ignores CRLF line endings in the checksum', () => {
    expect(checksumOf('a;\r\nb;\r\n')).toBe(checksumOf('a;\nb;\n'));
  });
});
