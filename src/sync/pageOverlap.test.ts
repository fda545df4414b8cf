import { describe, expect, it } from 'vitest';
import { prefetched, SerialWriter } from './pageOverlap.ts';

/** A promise and its resolvers, to let each write finish exactly when the test says. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('SerialWriter', () => {
  it('returns before a write finishes, yet starts the next only once it has', async () => {
    const writer = new SerialWriter();
    const log: string[] = [];
    const first = gate();
    await writer.write(
      async () => {
        log.push('first started');
        await first.promise;
        log.push('first done');
      },
      { last: false },
    );
    const second = writer.write(
      async () => {
        log.push('second started');
      },
      { last: true },
    );
    await Promise.resolve();
    expect(log).toEqual(['first started']);
    first.open();
    await second;
    expect(log).toEqual(['first started', 'first done', 'second started']);
  });

  it('surfaces a failed write at the next write, which then never runs', async () => {
    const writer = new SerialWriter();
    const first = gate();
    await writer.write(() => first.promise, { last: false });
    first.fail(new Error('commit failed'));
    let ran = false;
    await expect(
      writer.write(
        async () => {
          ran = true;
        },
        { last: true },
      ),
    ).rejects.toThrow('commit failed');
    expect(ran).toBe(false);
    await writer.settle();
  });
});

describe('prefetched', () => {
  it('asks for the next page before the current one is consumed, and yields them in order', async () => {
    const asked: number[] = [];
    async function* pages() {
      for (let i = 1; i <= 3; i++) {
        asked.push(i);
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const page of prefetched(pages())) {
      seen.push(page);
      // While page n is handled, page n+1 has already been asked for.
      await new Promise((r) => setImmediate(r));
      expect(asked.at(-1)).toBe(Math.min(page + 1, 3));
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});
