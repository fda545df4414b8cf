import { describe, expect, it } from 'vitest';
import { AppError } from './errors.ts';
import { maskPhone, normalizePhone } from './phone.ts';

describe('phone numbers', () => {
  it('reads every usual way of writing one Brazilian mobile as one E.164 number', () => {
    for (const written of [
      '11 98765-4321',
      '(11) 98765-4321',
      '+55 (11) 98765-4321',
      '5511987654321',
      '+5511987654321',
      ' 011 98765 4321 ',
    ]) {
      expect(normalizePhone(written), written).toBe('+5511987654321');
    }
    // Landlines and other countries too, when written with their country code.
    expect(normalizePhone('(21) 2345-6789')).toBe('+552123456789');
    expect(normalizePhone('+1 415 555 2671')).toBe('+14155552671');
  });

  it('refuses what is not a phone number, naming the field', () => {
    for (const bad of ['', '   ', '123', 'abc', '+55 11 1234', '99 99999-99999999', 42, null]) {
      const err = (() => {
        try {
          normalizePhone(bad, 'phoneNumber');
        } catch (e) {
          return e;
        }
      })();
      expect(err, String(bad)).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ kind: 'invalid', code: 'invalid-phone' });
      expect((err as AppError).message).toContain('phoneNumber');
      expect((err as AppError).extra?.errors).toEqual([expect.objectContaining({ field: 'phoneNumber' })]);
    }
  });

  it('masks a number for logs, keeping only the area and the last four digits', () => {
    expect(maskPhone('+5511987654321')).toBe('+55119****4321');
    expect(maskPhone('+5511987654321')).not.toContain('98765');
  });
});
