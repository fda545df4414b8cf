/**
 * One line for operators, stored on a failed sync run or webhook event and logged: error class,
 * Pluggy code when any, message (our errors are secret-free by construction). Capped at 2000
 * characters, so a huge upstream body cannot bloat a row or a log line.
 */
export function describeError(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  const text = `${e?.name ?? 'Error'}${e?.code ? ` [${e.code}]` : ''}: ${e?.message ?? String(err)}`;
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
