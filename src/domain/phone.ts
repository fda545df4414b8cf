import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError } from './errors.ts';

/**
 * A person is known by the number the assistant talks to them on. Every way of writing it —
 * national (`11 98765-4321`), international (`+55 (11) 98765-4321`) or bare digits with the
 * country code (`5511987654321`) — must land on the same E.164 string, or one person becomes two.
 */
export type PhoneE164 = string & { readonly __brand: 'PhoneE164' };

const DEFAULT_REGION = 'BR';

/**
 * Parses and validates; throws AppError `invalid-phone` naming `field` (the request field or path
 * parameter the caller used), so the answer says which input was wrong.
 */
export function normalizePhone(input: unknown, field = 'phone'): PhoneE164 {
  const raw = typeof input === 'string' ? input.trim() : '';
  if (raw === '' || raw.length > 40) throw invalidPhone(field, 'a phone number is required');
  const phone = parse(raw);
  if (!phone?.isValid()) throw invalidPhone(field, 'not a valid phone number');
  return phone.number as PhoneE164;
}

function parse(raw: string) {
  const digits = raw.replace(/\D/g, '');
  if (raw.startsWith('+')) return parsePhoneNumberFromString(raw);
  // Bare digits starting with Brazil's country code and long enough to carry it (12–13 digits:
  // 55 + 2-digit area + 8/9-digit number) are international without the '+': the old system's
  // clientUserId was exactly that.
  if (/^55\d{10,11}$/.test(digits)) {
    const intl = parsePhoneNumberFromString(`+${digits}`);
    if (intl?.isValid()) return intl;
  }
  return parsePhoneNumberFromString(raw, DEFAULT_REGION);
}

function invalidPhone(field: string, why: string): AppError {
  return new AppError('invalid', 'invalid-phone', `${field}: ${why} (e.g. +5511987654321)`, {
    errors: [{ field, message: why }],
  });
}

/** For logs: country code + area + first digit, then the last four (`+55119****4321`). */
export function maskPhone(phone: string): string {
  if (phone.length <= 9) return `${phone.slice(0, 3)}****`;
  return `${phone.slice(0, 6)}****${phone.slice(-4)}`;
}
