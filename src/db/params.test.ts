import { describe, expect, it } from 'vitest';
import { clampLimit } from './params.ts';

describe('clampLimit', () => {
  it('keeps a page size within [1, max], falling back when absent or not a number', () => {
    expect(clampLimit(undefined, 50, 500)).toBe(50);
    expect(clampLimit(Number.NaN, 50, 500)).toBe(50);
    expect(clampLimit(Number.POSITIVE_INFINITY, 50, 500)).toBe(50);
    expect(clampLimit(0, 50, 500)).toBe(1);
    expect(clampLimit(12.9, 50, 500)).toBe(12);
    expect(clampLimit(10_000, 50, 500)).toBe(500);
  });
});
