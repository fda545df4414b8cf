/**
 * Backfill throughput and memory: `npx tsx bench/backfill.ts [--per-account 50000] [--accounts 4]`.
 *
 * A sandbox item with 200 000 transactions (4 accounts × 50 000, 500 rows per /v2/transactions page)
 * on a fresh test database. The backfill runs in a child process of its own
 * (src/sync/testing/backfillProcess.ts → syncItem over real HTTP), so its peak RSS is the syncing
 * process alone, not the sandbox holding the data; it is sampled from /proc every 50 ms and also
 * reported by the child (getrusage maxRSS).
 *
 * Denominator: the same rows, converted from the same Pluggy JSON by the upsert's own row builder
 * (transactionRow in src/db/queries/transactions.ts), sent with `COPY transactions (…) FROM STDIN`
 * (text format, streamed through pg's copy-in protocol by a small submittable below —
 * pg-copy-streams is not installed) into the same table, emptied first
 * (TRUNCATE: same indexes, same foreign key). The COPY text is built before the clock starts, so
 * the denominator is PostgreSQL's bulk-load speed alone.
 *
 * Not a test: nothing here asserts a speed. It does check that the backfill stored every row, since
 * a fast incomplete backfill would make the figures meaningless. Prints a markdown table and writes
 * it to bench/results/backfill.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { TRANSACTION_COLUMNS, transactionRow } from '../src/db/queries/transactions.ts';
import { createTestDatabase } from '../src/db/testing.ts';
import { startSandbox, type Transaction } from '../src/sandbox/index.ts';
import { resultsDir } from './resultsDir.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type ChildLine = {
  outcome: string;
  counts: {
    rowsInserted: number;
    rowsUpdated: number;
    rowsUnchanged: number;
    rowsDeleted: number;
    pages: number;
  };
  elapsedMs: number;
  maxRssMb: number;
};

/** Runs one sync of the item in its own process; samples its RSS every 50 ms. */
async function syncInChild(databaseUrl: string, baseUrl: string, itemId: string, heapMb?: number) {
  const child = spawn(
    process.execPath,
    [
      ...(heapMb ? [`--max-old-space-size=${heapMb}`] : []),
      '--import',
      'tsx',
      path.join(ROOT, 'src/sync/testing/backfillProcess.ts'),
      databaseUrl,
      baseUrl,
      itemId,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // The child just exited.
    }
  }, 50);
  const [code] = (await once(child, 'close')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`backfill child exited with ${code}`);
  const line = JSON.parse(out.trim().split('\n').at(-1)!) as ChildLine;
  return { ...line, sampledPeakMb: Math.round(peakKb / 1024) };
}

// ------------------------------------------------------------------------------- COPY FROM STDIN

/** COPY text format: backslash escapes, \N for NULL (PostgreSQL docs, "COPY — Text Format"). */
function field(v: string | number | null): string {
  if (v === null) return '\\N';
  return String(v).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/** One transaction as a COPY line: the upsert's own row builder, so the baseline cannot drift from it. */
function copyLine(itemId: string, r: Transaction): string {
  return transactionRow(itemId, r).map(field).join('\t');
}

type CopyConnection = {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(msg: string): void;
  stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
};

/**
 * pg's Submittable for `COPY … FROM STDIN`: pg hands the active query each protocol message;
 * on CopyInResponse we stream the chunks (respecting socket back-pressure) and end the copy.
 */
class CopyFromStdin {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: Error) => void;
  private rows = 0;

  constructor(
    private readonly sql: string,
    private readonly chunks: readonly Buffer[],
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: CopyConnection): void {
    connection.query(this.sql);
  }

  handleCopyInResponse(connection: CopyConnection): void {
    void (async () => {
      for (const chunk of this.chunks) {
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      connection.endCopyFrom();
    })().catch((err: Error) => connection.sendCopyFail(err.message));
  }

  handleCommandComplete(msg: { text: string }): void {
    this.rows = Number(msg.text.split(' ').at(-1));
  }

  handleReadyForQuery(): void {
    this.resolve(this.rows);
  }

  handleError(err: Error): void {
    this.reject(err);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

async function copyRows(pool: pg.Pool, chunks: Buffer[]): Promise<{ rows: number; ms: number }> {
  const client = await pool.connect();
  try {
    const copy = new CopyFromStdin(
      `COPY transactions (${TRANSACTION_COLUMNS.join(', ')}) FROM STDIN`,
      chunks,
    );
    const started = performance.now();
    client.query(copy as unknown as pg.Submittable);
    const rows = await copy.done;
    return { rows, ms: performance.now() - started };
  } finally {
    client.release();
  }
}

/** Columns padded the way the formatter (biome) writes markdown tables: first left, second right. */
function markdownTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i]!.length)));
  const right = (i: number) => i === 1;
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = widths.map((w, i) => (right(i) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  return [line(headers), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------------------------------ main

const { values } = parseArgs({
  options: {
    'per-account': { type: 'string', default: '50000' },
    accounts: { type: 'string', default: '4' },
  },
});
const perAccount = Number(values['per-account']);
const accounts = Number(values.accounts);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const CAPPED_HEAP_MB = 48;

const db = await createTestDatabase();
const sandbox = await startSandbox({
  port: 0,
  stepDelayMs: 5,
  size: { bankAccounts: accounts - 1, cardAccounts: 1, transactionsPerAccount: perAccount },
});
try {
  const item = await sandbox.admin.createItemNow();
  await sandbox.admin.waitForItemStatus(item.id, 'UPDATED', 300_000);
  const truth = sandbox.admin.truth(item.id);
  const rows = Object.values(truth.transactionsByAccount).flat();
  const total = rows.length;
  process.stderr.write(`sandbox item ready: ${truth.accounts.length} accounts, ${fmt(total)} transactions\n`);

  const backfill = await syncInChild(db.url, sandbox.url, item.id);
  const stored = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions')).rows[0]!
    .n;
  if (stored !== total || backfill.outcome !== 'synced') {
    throw new Error(`backfill stored ${stored} of ${total} transactions (${backfill.outcome})`);
  }
  const resync = await syncInChild(db.url, sandbox.url, item.id);
  const written = resync.counts.rowsInserted + resync.counts.rowsUpdated + resync.counts.rowsDeleted;
  const tableMb = (
    await db.pool.query<{ mb: number }>(
      "SELECT round(pg_total_relation_size('transactions') / 1048576.0) AS mb",
    )
  ).rows[0]!.mb;

  // Memory stays flat: the same backfill into another fresh database, with V8's old space capped far
  // below the history's size, still completes.
  const capped = await createTestDatabase();
  let bounded: Awaited<ReturnType<typeof syncInChild>>;
  try {
    bounded = await syncInChild(capped.url, sandbox.url, item.id, CAPPED_HEAP_MB);
    const n = (await capped.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM transactions')).rows[0]!
      .n;
    if (n !== total) throw new Error(`capped backfill stored ${n} of ${total} transactions`);
  } finally {
    await capped.drop();
  }

  // The same rows from the same JSON, as COPY text, built before the clock starts.
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let size = 0;
  for (const r of rows) {
    const line = `${copyLine(item.id, r)}\n`;
    pending.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      chunks.push(Buffer.from(pending.join('')));
      pending = [];
      size = 0;
    }
  }
  if (pending.length) chunks.push(Buffer.from(pending.join('')));
  const copyMb = chunks.reduce((n, c) => n + c.length, 0) / 1048576;
  // CASCADE: category corrections point at transactions (none exist in this database).
  await db.pool.query('TRUNCATE transactions CASCADE');
  const copy = await copyRows(db.pool, chunks);
  if (copy.rows !== total) throw new Error(`COPY loaded ${copy.rows} of ${total} rows`);

  const backfillRate = total / (backfill.elapsedMs / 1000);
  const copyRate = total / (copy.ms / 1000);
  const peakMb = Math.max(backfill.maxRssMb, backfill.sampledPeakMb);
  const ratio = (backfillRate / copyRate) * 100;
  const pgVersion = (await db.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
    .rows[0]!.v;

  const table = markdownTable(
    ['measure', 'value', 'goal'],
    [
      [
        `transactions (accounts × per account)`,
        `${fmt(total)} (${truth.accounts.length} × ${fmt(perAccount)})`,
        ``,
      ],
      [
        `backfill: syncItem over HTTP from the sandbox, batched upserts`,
        `${(backfill.elapsedMs / 1000).toFixed(1)} s, **${fmt(backfillRate)} rows/s** (${fmt(backfill.counts.pages)} pages)`,
        ``,
      ],
      [
        `peak RSS of the syncing process`,
        `**${peakMb} MB** (sampled ${backfill.sampledPeakMb} MB, getrusage ${backfill.maxRssMb} MB)`,
        `< 250 MB`,
      ],
      [
        `the same backfill with V8's old space capped at ${CAPPED_HEAP_MB} MB`,
        `completes: ${fmt(total / (bounded.elapsedMs / 1000))} rows/s, peak RSS ${Math.max(bounded.maxRssMb, bounded.sampledPeakMb)} MB`,
        `memory flat`,
      ],
      [
        `raw COPY of the same rows into the same (emptied) table`,
        `${(copy.ms / 1000).toFixed(1)} s, ${fmt(copyRate)} rows/s (${copyMb.toFixed(0)} MB of COPY text)`,
        `denominator`,
      ],
      [`backfill / COPY`, `**${ratio.toFixed(0)}%**`, `≥ 30%`],
      [
        `re-sync of unchanged data`,
        `${(resync.elapsedMs / 1000).toFixed(1)} s, ${written} rows written, ${fmt(resync.counts.rowsUnchanged)} unchanged`,
        `0 written`,
      ],
      [`transactions table after backfill (with indexes)`, `${tableMb} MB`, ``],
    ],
  );
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, PostgreSQL ${pgVersion}`;
  const report = [
    '# Backfill benchmark',
    '',
    `Run ${new Date().toISOString()} on ${machine}. \`npx tsx bench/backfill.ts${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}\`.`,
    '',
    table,
    '',
    'The backfill time covers everything a real one does: fetching each v2 cursor page over HTTP (the',
    'sandbox serves them from this same machine), validating each row, converting it, and committing',
    'batched UNNEST upserts with change detection plus the per-listing sync state and run counters.',
    'The next page is fetched while the previous batch is written. COPY only loads pre-built text.',
    '',
  ].join('\n');
  process.stdout.write(`${table}\n`);
  await mkdir(resultsDir(), { recursive: true });
  await writeFile(path.join(resultsDir(), 'backfill.md'), report);
} finally {
  await sandbox.close();
  await db.drop();
}
