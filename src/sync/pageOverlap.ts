/**
 * Overlapping Pluggy's round trips with our database writes, without ever reordering the writes:
 * `prefetched` asks for the next page while the current one is handled, and SerialWriter lets one
 * batch commit while the next is being fetched, committing batches one at a time, in order.
 */

/** At most one page in flight ahead of the consumer. */
export async function* prefetched<T>(pages: AsyncGenerator<T>): AsyncGenerator<T> {
  let next = pages.next();
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = pages.next();
      // If the consumer stops (a failed commit), the in-flight fetch must not become an unhandled rejection.
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    void next.then(
      () => pages.return(undefined),
      () => {},
    );
  }
}

/**
 * Runs writes one after another, each started once the previous one finished; `write` returns
 * without waiting for its own to finish (the caller goes on fetching), `last` waits. A failed write
 * surfaces at the next `write` or `settle`, never as an unhandled rejection.
 */
export class SerialWriter {
  private inflight: Promise<void> | null = null;

  async write(run: () => Promise<void>, opts: { last: boolean }): Promise<void> {
    if (this.inflight) await this.inflight;
    const writing = run();
    this.inflight = writing;
    writing.catch(() => {});
    if (opts.last) await writing;
  }

  /** Waits for the write in flight, ignoring its failure (already reported, or being abandoned). */
  async settle(): Promise<void> {
    if (this.inflight) await this.inflight.catch(() => {});
  }
}
