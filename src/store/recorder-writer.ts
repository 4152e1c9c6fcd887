/**
 * Where the call recorder's rows go: for a local libSQL file, a thread of their own
 * (recorder-thread.ts) with its own connection, so the recorder's writes — and the WAL checkpoints
 * SQLite runs inside those commits — do not hold the event loop that serves calls. They took about
 * 1 ms of hot calls' p99 at one connection (bench/README.md "Issue 10"). The store's own writes
 * (async calls, heartbeats, the change log) stay on its connection, and wait for the thread's when
 * both want the file at once, as two writers of one SQLite file do. Without the thread (a runtime or
 * build that cannot start it, or a thread that died) the rows are written in-process, as before.
 * @module
 */
import type { Logger } from "../log.ts";
import { type CallRepo, type RecordedRow, upsertParam } from "./calls.ts";
import type { FromThread, ToThread } from "./recorder-thread.ts";

export interface RowWriter {
  upsertMany(rows: RecordedRow[]): Promise<void>;
  /** Closes the thread's connection and ends the thread (after the recorder's last flush). */
  close(): Promise<void>;
}

/** Time for the thread to open its connection, or to close it, before hotfn goes on without it. */
const THREAD_TIMEOUT_MS = 3000;

type Settle = { resolve(): void; reject(err: Error): void };
type RefWorker = Worker & { ref?(): void; unref?(): void };

/**
 * Starts the writer thread (the module `threadUrl`) on the SQLite file at `path`, or — logged — writes
 * through the in-process `repo` when it cannot start. Should the thread die later, its writes in
 * flight and every later one go to `repo`.
 */
export async function createRowWriter(threadUrl: string, path: string, repo: Pick<CallRepo, "upsertMany">, log: Logger): Promise<RowWriter> {
  const inProcess: RowWriter = { upsertMany: (rows) => repo.upsertMany(rows), async close() {} };
  let worker: RefWorker;
  try {
    worker = new Worker(threadUrl, { type: "module" });
  } catch (err) {
    log.warn("call records are written on the event loop: no writer thread", { err });
    return inProcess;
  }
  const waiting = new Map<number, Settle>();
  let seq = 0;
  let dead = false;
  let onReady: ((ok: boolean) => void) | undefined;
  let onClosed: (() => void) | undefined;
  /** The thread is gone: what it was writing is written in-process (upsertMany catches this). */
  const die = () => {
    if (dead) return;
    dead = true;
    worker.terminate();
    onReady?.(false);
    onClosed?.();
    for (const w of waiting.values()) w.reject(new ThreadGone());
    waiting.clear();
  };
  // A write in flight keeps the process alive until it is stored; an idle thread does not.
  const holdWhileWriting = () => (waiting.size > 0 ? worker.ref?.() : worker.unref?.());

  worker.onmessage = ({ data }: MessageEvent<FromThread>) => {
    if (data.kind === "ready") onReady?.(true);
    else if (data.kind === "open-failed") {
      log.warn("call records are written on the event loop: the writer thread could not open the database", { err: data.message });
      onReady?.(false);
    } else if (data.kind === "closed") onClosed?.();
    else {
      const w = waiting.get(data.seq);
      waiting.delete(data.seq);
      holdWhileWriting();
      if (data.error === undefined) w?.resolve();
      else w?.reject(new Error(data.error));
    }
  };
  worker.onerror = (e) => {
    if (!dead) log.warn("the call record writer thread failed; writing on the event loop", { err: e.message });
    die();
  };
  // A thread can also end without an error event (its runtime exits it): that is a death too.
  worker.addEventListener("close", () => die());

  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), THREAD_TIMEOUT_MS);
    onReady = (ok) => {
      clearTimeout(timer);
      onReady = undefined;
      resolve(ok);
    };
    worker.postMessage({ kind: "open", path } satisfies ToThread);
  });
  if (!started) {
    die();
    return inProcess;
  }
  worker.unref?.();

  return {
    async upsertMany(rows) {
      if (dead) return repo.upsertMany(rows);
      try {
        await new Promise<void>((resolve, reject) => {
          worker.postMessage({ kind: "write", seq: ++seq, rows: upsertParam(rows) } satisfies ToThread);
          waiting.set(seq, { resolve, reject });
          holdWhileWriting();
        });
      } catch (err) {
        if (err instanceof ThreadGone) return repo.upsertMany(rows);
        throw err;
      }
    },
    async close() {
      if (dead) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, THREAD_TIMEOUT_MS);
        onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
        worker.postMessage({ kind: "close" } satisfies ToThread);
      });
      dead = true;
      worker.terminate();
    },
  };
}

class ThreadGone extends Error {
  constructor() {
    super("the call record writer thread is gone");
    this.name = "ThreadGone";
  }
}
