/**
 * The thread that writes the call recorder's rows to a local libSQL file (see recorder-writer.ts).
 * libSQL's file driver runs every statement on the thread that calls it; here that is not the event
 * loop that serves calls. Opens its own connection, set up as the store's (sqlite-file.ts), answers
 * `ready`, then one `done` for every `write`, in order; `close` closes the connection, then `closed`.
 *
 * It drives `libsql` (the driver under @libsql/client) itself, to prepare the one upsert once: the
 * client prepares every statement it runs anew, and wraps a batch in BEGIN and COMMIT, each prepared
 * too. In writes of 50 rows that was 17 µs of this thread's CPU a row against 12 µs, and on a
 * 2-core machine this thread's CPU is taken from the hot calls' tail (bench/README.md "Issue 10").
 * @module
 */
import { setPriority } from "node:os";
import Database from "libsql";
import { UPSERT } from "./calls.ts";
import { BUSY_TIMEOUT_MS, FILE_PRAGMAS } from "./sqlite-file.ts";

/**
 * A write carries the rows as UPSERT's one parameter, the JSON text of their array (upsertParam):
 * one string is the cheapest message there is for the sending event loop.
 */
export type ToThread = { kind: "open"; path: string } | { kind: "write"; seq: number; rows: string } | { kind: "close" };
export type FromThread = { kind: "ready" } | { kind: "open-failed"; message: string } | { kind: "done"; seq: number; error?: string } | { kind: "closed" };

const port = globalThis as unknown as { onmessage: ((e: MessageEvent<ToThread>) => void) | null; postMessage(m: FromThread): void };

/**
 * This thread's niceness. On Linux a thread has its own, and setting it here leaves the event loop's
 * at what it was. The writes are never urgent, while a serving thread that wakes on the core this
 * one holds waits its turn, on a 2-core machine for milliseconds: that was a good part of the hot
 * calls' tail (bench/README.md "Issue 10", item 9). At 5 this thread still gets about a quarter of
 * a core against a busy event loop, several times what it needs at the highest call rates, so the
 * rows never pile up.
 */
const NICENESS = 5;
try {
  setPriority(NICENESS);
} catch {
  // A runtime that cannot set it writes at the process's priority: slower in the tail, not wrong.
}

let db: Database.Database | undefined;
let upsert: Database.Statement | undefined;

const handle = (m: ToThread): FromThread => {
  switch (m.kind) {
    case "open":
      try {
        // The file as the store's client reads its URL (sqlite-file.ts localFilePath).
        db = new Database(m.path, { timeout: BUSY_TIMEOUT_MS });
        for (const pragma of FILE_PRAGMAS) db.exec(pragma);
        upsert = db.prepare(UPSERT);
        return { kind: "ready" };
      } catch (err) {
        return { kind: "open-failed", message: String(err) };
      }
    case "write":
      try {
        // One statement is its own transaction: every row of the write, or none.
        upsert!.run(m.rows);
        return { kind: "done", seq: m.seq };
      } catch (err) {
        return { kind: "done", seq: m.seq, error: err instanceof Error ? err.message : String(err) };
      }
    case "close":
      db?.close();
      return { kind: "closed" };
  }
};

// The driver is synchronous: each message is handled whole before the next, in the order sent.
port.onmessage = ({ data }) => port.postMessage(handle(data));
