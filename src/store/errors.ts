/**
 * What the database's own failures mean to a caller: a full disk, a read-only or vanished file, a
 * lock held too long or an I/O error are the store being unable to take a write now — 503, try
 * again — not hotfn's bug. Recognised by the libSQL/SQLite result codes, wherever in the cause
 * chain Drizzle put them.
 * @module
 */
import { Busy } from "../errors.ts";

/** SQLite result codes (primary part) of a database that cannot serve now. */
const UNAVAILABLE = ["SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CORRUPT", "SQLITE_NOTADB"];

/** A Busy (503 + Retry-After) for a database that cannot take the request now, or undefined. */
export function storeUnavailable(err: unknown): Busy | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`))) {
      return new Busy(`the database cannot take this now (${code}); retry later`, 5, { cause: err });
    }
  }
  return undefined;
}
