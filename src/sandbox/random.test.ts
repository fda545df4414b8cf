import { describe, expect, it } from 'vitest';
import { hashSeed, Rng, UUID_RE } from './random.ts';

describe('seeded randomness', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return [r.u32(), r.int(1, 100), r.uuid(), r.pick(['a', 'b', 'c', 'd'])];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws version-4-shaped UUIDs and integers inside their bounds', () => {
    const r = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      expect(r.uuid()).toMatch(UUID_RE);
      const n = r.int(-3, 3);
      expect(n >= -3 && n <= 3 && Number.isInteger(n)).toBe(true);
    }
    expect(new Rng(1).uuid()).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('derives independent streams from mixed parts', () => {
    expect(hashSeed(42, 'item', 1)).toBe(hashSeed(42, 'item', 1));
    expect(hashSeed(42, 'item', 1)).not.toBe(hashSeed(42, 'item', 2));
    expect(Rng.derive(42, 'a').uuid()).not.toBe(Rng.derive(42, 'b').uuid());
  });
});
