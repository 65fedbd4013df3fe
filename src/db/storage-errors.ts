/**
 * Errors that mean the database cannot write (disk full, I/O error, read-only), as opposed to a bad statement or a
 * conflict. They are remembered for a while so that /readyz can report a database that cannot write: a full
 * SQLite file still answers `select 1` and even in-place updates, while every insert fails.
 */
const SQLITE_STORAGE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB)/;
/** PostgreSQL SQLSTATEs: disk full, out of memory, I/O error, read-only transaction, data corrupted. */
const PG_STORAGE = new Set(['53100', '53200', '58030', '25006', 'XX001', 'XX002']);

/** The driver's code (`SQLITE_FULL`, `53100`) of a storage error, else undefined. */
export function storageErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  return SQLITE_STORAGE.test(code) || PG_STORAGE.has(code) ? code : undefined;
}

/** How long after a storage error /readyz keeps reporting it (writes that succeed in between do not clear it). */
export const STORAGE_ERROR_WINDOW_MS = 30_000;

export class WriteHealth {
  private last: { code: string; at: number } | undefined;

  /** Remembers `error` if it is a storage error; returns it unchanged either way. */
  note(error: unknown): unknown {
    const code = storageErrorCode(error);
    if (code) this.last = { code, at: Date.now() };
    return error;
  }

  /** The code of a storage error seen within the window, else undefined. */
  recentFailure(now = Date.now()): string | undefined {
    return this.last && now - this.last.at < STORAGE_ERROR_WINDOW_MS ? this.last.code : undefined;
  }
}
