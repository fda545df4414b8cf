/**
 * Deterministic randomness: a small seeded PRNG (sfc32, seeded through splitmix32) and UUIDs drawn
 * from it, so the same seed yields the same ids, amounts and descriptions on every run.
 */

/** Stable 32-bit hash of any mix of numbers and strings (FNV-1a over the joined text). */
export function hashSeed(...parts: (string | number)[]): number {
  const text = parts.join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads one 32-bit seed over the four words of sfc32's state.
    let s = seed >>> 0;
    const split = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** The generator's position (sandbox state files): a restored one continues the same sequence. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  setState([a, b, c, d]: readonly number[]): void {
    this.a = a ?? 0;
    this.b = b ?? 0;
    this.c = c ?? 0;
    this.d = d ?? 0;
  }

  static fromState(state: readonly number[]): Rng {
    const rng = new Rng(0);
    rng.setState(state);
    return rng;
  }

  /** Derive an independent generator, e.g. one per item or per purpose. */
  static derive(...parts: (string | number)[]): Rng {
    return new Rng(hashSeed(...parts));
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Pick by weight: entries are [weight, value]. */
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    let total = 0;
    for (const [w] of entries) total += w;
    let r = this.next() * total;
    for (const [w, v] of entries) {
      r -= w;
      if (r < 0) return v;
    }
    return entries[entries.length - 1]![1];
  }

  /** Digits string of the given length (leading zeros allowed). */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** RFC 4122 version-4-shaped UUID drawn from this generator (deterministic, not secret). */
  uuid(): string {
    const w0 = this.u32();
    const w1 = this.u32();
    const w2 = this.u32();
    const w3 = this.u32();
    const b = (w: number, shift: number) => HEX[(w >>> shift) & 0xff]!;
    return (
      b(w0, 24) +
      b(w0, 16) +
      b(w0, 8) +
      b(w0, 0) +
      '-' +
      b(w1, 24) +
      b(w1, 16) +
      '-' +
      HEX[0x40 | ((w1 >>> 8) & 0x0f)]! +
      b(w1, 0) +
      '-' +
      HEX[0x80 | ((w2 >>> 24) & 0x3f)]! +
      b(w2, 16) +
      '-' +
      b(w2, 8) +
      b(w2, 0) +
      b(w3, 24) +
      b(w3, 16) +
      b(w3, 8) +
      b(w3, 0)
    );
  }
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
