import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { withTransaction } from './pool.ts';

/**
 * Numbered SQL migrations: `src/db/migrations/NNN_name.sql`, applied in order, each recorded in
 * `schema_migrations` with the sha256 of its text. All pending ones run in ONE transaction that
 * first takes a transaction-scoped advisory lock, so concurrent starters serialize (the second
 * waits, then finds nothing to do) and a failure leaves the schema as it was.
 *
 * An applied migration is history: if its file changed since, migrate refuses and names it.
 * Fix forward with a new numbered file instead.
 */

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Arbitrary constant (ASCII "pbmigrat"); advisory locks are per database. */
const MIGRATION_LOCK_KEY = '7061626d69677261';

export type Migration = { name: string; version: number; sql: string; checksum: string };

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export function checksumOf(sql: string): string {
  // Line endings normalized so a CRLF checkout does not look like an edit.
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Map<number, string>();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{3,})_[a-z0-9_]+\.sql$/.exec(file);
    if (!m) throw new MigrationError(`Migration file name must look like 001_name.sql: ${file}`);
    const version = Number(m[1]);
    const clash = seen.get(version);
    if (clash) throw new MigrationError(`Two migrations share number ${m[1]}: ${clash} and ${file}`);
    seen.set(version, file);
    const sql = await readFile(path.join(dir, file), 'utf8');
    out.push({ name: file.replace(/\.sql$/, ''), version, sql, checksum: checksumOf(sql) });
  }
  return out;
}

export async function migrate(
  pool: pg.Pool,
  logger?: Logger,
  opts: { dir?: string } = {},
): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(opts.dir);
  const applied = await withTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(x'${MIGRATION_LOCK_KEY}'::bigint)`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        name        text PRIMARY KEY,
        checksum    text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations ORDER BY name',
    );
    const done = new Map(rows.map((r) => [r.name, r.checksum]));

    for (const m of migrations) {
      const recorded = done.get(m.name);
      if (recorded !== undefined && recorded !== m.checksum) {
        throw new MigrationError(
          `Migration ${m.name} was already applied but its file has changed since ` +
            `(recorded sha256 ${recorded.slice(0, 12)}…, file ${m.checksum.slice(0, 12)}…). ` +
            'Applied migrations must not be edited: restore the file and add a new numbered migration.',
        );
      }
    }
    const known = new Set(migrations.map((m) => m.name));
    const unknown = rows.filter((r) => !known.has(r.name)).map((r) => r.name);
    if (unknown.length) {
      logger?.warn(
        { migrations: unknown },
        'database has migrations this code does not know (newer code ran?)',
      );
    }

    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
        m.name,
        m.checksum,
      ]);
      applied.push(m.name);
    }
    return applied;
  });
  if (applied.length) logger?.info({ applied }, 'database migrations applied');
  else logger?.debug({ count: migrations.length }, 'database schema up to date');
  return { applied };
}
