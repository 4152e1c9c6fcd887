/**
 * How every connection to a local libSQL file is set up: the store's own (libsql.ts) and the call
 * recorder's thread (recorder-thread.ts). The busy timeout is given to the client and these pragmas
 * are run on each connection, because SQLite keeps them per connection.
 * @module
 */

/** Rides out the brief lock another connection or process on the file may hold. */
export const BUSY_TIMEOUT_MS = 5000;

export const FILE_PRAGMAS = [
  // WAL lets readers (the calls API) run while the recorder writes.
  "PRAGMA journal_mode = WAL",
  "PRAGMA synchronous = NORMAL",
  // After a checkpoint the WAL file is cut back to this size instead of keeping its high-water mark.
  "PRAGMA journal_size_limit = 67108864",
];

/** A URL of a libSQL file on this machine: not `:memory:` (in any spelling), not a server. */
export function isLocalFile(url: string): boolean {
  return url.startsWith("file:") && !url.startsWith("file::memory:") && !/[?&]mode=memory\b/.test(url);
}
