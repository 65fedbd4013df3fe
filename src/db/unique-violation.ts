/** Recognises a unique-index violation on either database, so a lost race can become a clear input error. */
export function isUniqueViolation(error: unknown, indexOrColumns: string): boolean {
  const e = error as { code?: string; constraint?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code === '23505') return e.constraint === indexOrColumns || Boolean(e.message?.includes(indexOrColumns)); // PostgreSQL
  return typeof e.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') && Boolean(e.message?.includes(indexOrColumns));
}
