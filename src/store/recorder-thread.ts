/**
 * The thread that writes the call recorder's rows to a local libSQL file (see recorder-writer.ts).
 * libSQL's file driver runs every statement on the thread that calls it; here that is not the event
 * loop that serves calls. Opens its own connection, set up as the store's (sqlite-file.ts), answers
 * `ready`, then one `done` for every `write`, in order; `close` closes the connection, then `closed`.
 * @module
 */
import { createClient, type InStatement } from "@libsql/client";
import { BUSY_TIMEOUT_MS, FILE_PRAGMAS } from "./sqlite-file.ts";

/**
 * A write carries the statements, not the rows: a structured clone of their plain values costs the
 * sending event loop about half what row objects with Dates cost (100 against 200 µs for 275 rows,
 * measured alone; a message goes every few milliseconds under load).
 */
export type ToThread = { kind: "open"; url: string } | { kind: "write"; seq: number; statements: InStatement[] } | { kind: "close" };
export type FromThread = { kind: "ready" } | { kind: "open-failed"; message: string } | { kind: "done"; seq: number; error?: string } | { kind: "closed" };

const port = globalThis as unknown as { onmessage: ((e: MessageEvent<ToThread>) => void) | null; postMessage(m: FromThread): void };

let client: ReturnType<typeof createClient> | undefined;
/** one message at a time, in the order the recorder sent them */
let queue: Promise<void> = Promise.resolve();

const handle = async (m: ToThread): Promise<FromThread> => {
  switch (m.kind) {
    case "open":
      try {
        client = createClient({ url: m.url, timeout: BUSY_TIMEOUT_MS });
        for (const pragma of FILE_PRAGMAS) await client.execute(pragma);
        return { kind: "ready" };
      } catch (err) {
        return { kind: "open-failed", message: String(err) };
      }
    case "write":
      try {
        await client!.batch(m.statements, "write");
        return { kind: "done", seq: m.seq };
      } catch (err) {
        return { kind: "done", seq: m.seq, error: err instanceof Error ? err.message : String(err) };
      }
    case "close":
      client?.close();
      return { kind: "closed" };
  }
};

port.onmessage = ({ data }) => {
  queue = queue.then(async () => port.postMessage(await handle(data)));
};
