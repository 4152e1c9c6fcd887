/**
 * The thread that writes the call recorder's rows to a local libSQL file (see recorder-writer.ts).
 * libSQL's file driver runs every statement on the thread that calls it; here that is not the event
 * loop that serves calls. Opens its own connection (WAL, the same busy timeout as the store's),
 * answers `ready`, then one `done` for every `write`, in order.
 * @module
 */
import { createClient } from "@libsql/client";
import { type CallRow, upsertStatements } from "./calls.ts";

export type ToThread = { kind: "open"; url: string; busyTimeoutMs: number } | { kind: "write"; seq: number; rows: CallRow[] };
export type FromThread = { kind: "ready" } | { kind: "open-failed"; message: string } | { kind: "done"; seq: number; error?: string };

const port = globalThis as unknown as { onmessage: ((e: MessageEvent<ToThread>) => void) | null; postMessage(m: FromThread): void };

let client: ReturnType<typeof createClient> | undefined;
/** writes run one after another, as the recorder sends them */
let queue: Promise<void> = Promise.resolve();

port.onmessage = ({ data }) => {
  if (data.kind === "open") {
    queue = queue.then(async () => {
      try {
        client = createClient({ url: data.url, timeout: data.busyTimeoutMs });
        await client.execute("PRAGMA synchronous = NORMAL");
        port.postMessage({ kind: "ready" });
      } catch (err) {
        port.postMessage({ kind: "open-failed", message: String(err) });
      }
    });
    return;
  }
  const { seq, rows } = data;
  queue = queue.then(async () => {
    try {
      await client!.batch(upsertStatements(rows), "write");
      port.postMessage({ kind: "done", seq });
    } catch (err) {
      port.postMessage({ kind: "done", seq, error: err instanceof Error ? err.message : String(err) });
    }
  });
};
