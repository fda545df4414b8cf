/**
 * Whether an error means the database cannot be reached right now (connection refused, dropped,
 * shutting down, out of connections) rather than a problem with what we asked of it. The HTTP mapping
 * answers such errors 503 with Retry-After; the webhook receiver fails a whole batch on them instead
 * of retrying event by event against a database already in trouble.
 */
/** PostgreSQL/driver failures that mean "the database is not there right now", not "bad input". */
const DB_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
  '53300', // too_many_connections
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && DB_DOWN_CODES.has(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message ?? '',
  );
}
