/**
 * Where the call recorder's rows go: for a local libSQL file, a thread of their own
 * (recorder-thread.ts) with its own connection, so the writes — and the WAL checkpoints SQLite runs
 * inside a commit — never hold the event loop that serves calls. They took about 1 ms of hot calls'
 * p99 at one connection (bench/README.md "Issue 10"). Without the thread (a runtime or build that
 * cannot start it) the rows are written in-process, as before.
 * @module
 */
import type { Logger } from "../log.ts";
import type { CallRepo, CallRow } from "./calls.ts";
import type { FromThread, ToThread } from "./recorder-thread.ts";

export interface RowWriter {
  upsertMany(rows: CallRow[]): Promise<void>;
  /** Ends the thread (after the recorder's last flush). */
  close(): void;
}

/** Time for the thread to open its connection before hotfn writes in-process instead. */
const START_TIMEOUT_MS = 5000;

/**
 * Starts the writer thread (the module `threadUrl`) on the libSQL file `url`; the in-process `repo`
 * (logged) when it cannot start. Should the thread die later, writes go to `repo` from then on.
 */
export async function startRowWriter(threadUrl: string, url: string, busyTimeoutMs: number, repo: Pick<CallRepo, "upsertMany">, log: Logger): Promise<RowWriter> {
  const inProcess: RowWriter = { upsertMany: (rows) => repo.upsertMany(rows), close() {} };
  let worker: Worker;
  try {
    worker = new Worker(threadUrl, { type: "module" });
  } catch (err) {
    log.warn("call records are written on the event loop: no writer thread", { err });
    return inProcess;
  }
  const waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  let seq = 0;
  let dead = false;
  const die = (why: string) => {
    if (dead) return;
    dead = true;
    worker.terminate();
    // The recorder keeps a failed batch and writes it again: it goes in-process then.
    for (const w of waiting.values()) w.reject(new Error(`the call record writer thread stopped: ${why}`));
    waiting.clear();
  };

  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    worker.onmessage = ({ data }: MessageEvent<FromThread>) => {
      if (data.kind === "ready") {
        clearTimeout(timer);
        resolve(true);
      } else if (data.kind === "open-failed") {
        clearTimeout(timer);
        log.warn("call records are written on the event loop: the writer thread could not open the database", { err: data.message });
        resolve(false);
      } else {
        const w = waiting.get(data.seq);
        waiting.delete(data.seq);
        if (data.error === undefined) w?.resolve();
        else w?.reject(new Error(data.error));
      }
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      if (!dead) log.warn("the call record writer thread failed; writing on the event loop", { err: e.message });
      die(e.message);
      resolve(false);
    };
    worker.postMessage({ kind: "open", url, busyTimeoutMs } satisfies ToThread);
  });
  if (!started) {
    die("it did not start");
    return inProcess;
  }
  // The thread must not keep a stopping process alive.
  (worker as Worker & { unref?(): void }).unref?.();
  return {
    upsertMany(rows) {
      if (dead) return repo.upsertMany(rows);
      return new Promise<void>((resolve, reject) => {
        waiting.set(++seq, { resolve, reject });
        worker.postMessage({ kind: "write", seq, rows } satisfies ToThread);
      });
    },
    close: () => die("closed"),
  };
}
