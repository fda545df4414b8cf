/**
 * Progress of a sync for a person at a terminal: a one-line bar redrawn in place when the stream is
 * a TTY, plain timestamped lines otherwise (logs, CI, pipes), throttled so a long backfill does not
 * flood them. No dependency: a bar is a dozen lines.
 */

import type { SyncProgressEvent } from '../sync/progressEvents.ts';

export type ProgressStream = Pick<NodeJS.WriteStream, 'write'> & { isTTY?: boolean; columns?: number };

export type ProgressReporter = {
  /** One unit of overall work (an account, an item) finished or started. */
  setTotal(total: number): void;
  tick(done: number, label: string, detail?: string): void;
  /** A line that must be kept (item finished, an error): clears the bar, prints, redraws. */
  line(text: string): void;
  end(): void;
};

export function createProgress(
  stream: ProgressStream = process.stdout,
  opts: { plainEveryMs?: number; now?: () => number } = {},
): ProgressReporter {
  const tty = Boolean(stream.isTTY);
  const now = opts.now ?? Date.now;
  const plainEveryMs = opts.plainEveryMs ?? 2000;
  let total = 0;
  let done = 0;
  let label = '';
  let detail = '';
  let drawn = false;
  let lastPlain = 0;
  let lastPlainText = '';
  let lastDraw = 0;

  const bar = (): string => {
    const width = 24;
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const pct = total > 0 ? `${String(Math.floor(ratio * 100)).padStart(3)}%` : '   …';
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct} ${done}/${total || '?'}`;
  };

  const draw = (force = false) => {
    const t = now();
    if (!force && t - lastDraw < 80) return;
    lastDraw = t;
    const cols = Math.max(40, stream.columns ?? 100);
    const text = `${bar()} ${label}${detail ? ` · ${detail}` : ''}`;
    stream.write(`\r${text.length > cols - 1 ? `${text.slice(0, cols - 2)}…` : text}\x1b[K`);
    drawn = true;
  };

  const plain = (force = false) => {
    const text = `${total ? `${done}/${total} ` : ''}${label}${detail ? ` · ${detail}` : ''}`;
    const t = now();
    if (text === lastPlainText) return;
    if (!force && t - lastPlain < plainEveryMs) return;
    lastPlain = t;
    lastPlainText = text;
    stream.write(`${new Date().toISOString()} ${text}\n`);
  };

  return {
    setTotal(n) {
      total = n;
    },
    tick(d, l, dt = '') {
      const changedUnit = d !== done || l !== label;
      done = d;
      label = l;
      detail = dt;
      if (tty) draw(changedUnit);
      else plain(changedUnit);
    },
    line(text) {
      if (tty && drawn) stream.write('\r\x1b[K');
      stream.write(`${text}\n`);
      if (tty && drawn) draw(true);
    },
    end() {
      if (tty && drawn) {
        draw(true);
        stream.write('\n');
      }
      drawn = false;
    },
  };
}

/**
 * Turns sync events into reporter calls. One item: the bar counts its accounts. Several items
 * (`backfill --all`): the bar counts items, the detail shows the current account.
 */
export function progressListener(
  reporter: ProgressReporter,
  scope: { item: { index: number; total: number } } | { accounts: true },
): (event: SyncProgressEvent) => void {
  let accountName = '';
  let accountIndex = 0;
  let accountTotal = 0;
  const perItem = 'item' in scope;
  const short = (id: string) => id.slice(0, 8);
  return (e) => {
    switch (e.kind) {
      case 'item':
        accountTotal = e.accounts;
        if (perItem)
          reporter.tick(scope.item.index, `item ${short(e.itemId)}`, `${e.status}, ${e.accounts} accounts`);
        else {
          reporter.setTotal(e.accounts);
          reporter.tick(0, `item ${short(e.itemId)}`, `${e.status}, ${e.accounts} accounts`);
        }
        break;
      case 'account-start':
        accountName = e.name;
        accountIndex = e.index;
        if (perItem)
          reporter.tick(scope.item.index, `item ${short(e.itemId)}`, `${e.index + 1}/${e.total} ${e.name}`);
        else reporter.tick(e.index, e.name);
        break;
      case 'page': {
        const detail = `${e.rows} transactions, ${e.pages} pages`;
        if (perItem) {
          reporter.tick(
            scope.item.index,
            `item ${short(e.itemId)}`,
            `${accountIndex + 1}/${accountTotal} ${accountName}: ${detail}`,
          );
        } else reporter.tick(accountIndex, accountName, detail);
        break;
      }
      case 'account-done':
        if (!perItem) reporter.tick(e.index + 1, accountName, `${e.rows} transactions`);
        break;
      case 'product':
        if (perItem) reporter.tick(scope.item.index, `item ${short(e.itemId)}`, e.product);
        else reporter.tick(accountTotal, e.product, `${e.rows} rows`);
        break;
    }
  };
}

/** The counts of a finished run, as the one summary line a person reads. */
export function formatCounts(c: {
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  rowsUnchanged: number;
  pages: number;
}): string {
  return `${c.rowsInserted} inserted, ${c.rowsUpdated} updated, ${c.rowsDeleted} deleted, ${c.rowsUnchanged} unchanged (${c.pages} pages)`;
}
