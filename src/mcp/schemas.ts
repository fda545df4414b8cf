import { z } from 'zod';
import { Money } from '../reads/schemas.ts';

/** Pieces the tools' output schemas share. */
export const AsOf = z
  .string()
  .nullable()
  .describe('ISO 8601: the oldest last successful sync of the connections behind this answer');
export const Decimal = Money.describe('BRL (or currencyCode) as a decimal string, e.g. "-1234.56"');
export const Id = z.string().min(1).max(100);
