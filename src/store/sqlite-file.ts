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

/**
 * The file on this machine that a plain `file:` URL names, as @libsql/client reads it
 * (`file:data/hotfn.db` is relative, `file:/abs` and `file:///abs` are not; percent escapes
 * decoded), for a connection opened on the driver itself (recorder-thread.ts). Undefined for
 * `:memory:`, a server, and a URL with a query or fragment: the client reads those as connection
 * options, and a connection that read them otherwise would open another file.
 */
export function localFilePath(url: string): string | undefined {
  if (!url.startsWith("file:") || url.startsWith("file::memory:") || /[?#]/.test(url)) return undefined;
  const rest = url.slice("file:".length);
  // an empty authority (`file:///abs`) or `localhost`, as the client allows
  const path = rest.startsWith("//") ? rest.replace(/^\/\/(localhost)?(?=\/)/, "") : rest;
  if (path.startsWith("//")) return undefined;
  return decodeURIComponent(path);
}
