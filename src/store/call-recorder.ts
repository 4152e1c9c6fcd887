/**
 * Writes sync call records off the response path: `started`/`finished` only buffer, and a background
 * flush writes everything buffered in one transaction, so the database never sets the pace of hot
 * calls. A failed flush keeps its rows and retries with backoff (up to a bound: while the database
 * fails, the oldest records go first); `stop()` flushes what is left. What is buffered can be read
 * (`peek`), so a call's record is there the moment its answer was sent.
 * @module
 */
import type { Logger } from "../log.ts";
import { type Call, type CallLog, CALL_LOG_TRAIL_MS, type LoggedOutcome } from "../model.ts";
import type { CallRepo, CallRow } from "./calls.ts";

export interface CallRecorder {
  started(call: { id: string; appName: string; path: string; createdAt: Date; startedAt: Date | null }): void;
  /** `log` may be a CallLog: it is read at flush time, so stderr that trails the answer is kept. */
  finished(id: string, outcome: LoggedOutcome): void;
  /** A call's record and log as buffered, not yet stored (or being stored); undefined otherwise. */
  peek(id: string): { call: Call; log: string } | undefined;
  /** Writes what is buffered now; resolves when it is stored. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface CallRecorderOptions {
  intervalMs?: number;
  /** flush early once this many calls are buffered */
  maxBuffered?: number;
  /** while the database fails, keep at most this many records; the oldest go first (default 20,000) */
  maxPending?: number;
}

/**
 * Records per statement. A flush of 250 (50 ms of hot calls at c=1) held the event loop for 2–3 ms
 * and put hot calls' p99 at 5–6 ms; in writes of 50, p99 3.7–3.9 ms (bench/README.md "Issue 10").
 */
const RECORDS_PER_WRITE = 50;

export function createCallRecorder(repo: Pick<CallRepo, "upsertMany">, log: Logger, opts: CallRecorderOptions = {}): CallRecorder {
  const intervalMs = opts.intervalMs ?? 50;
  const maxBuffered = opts.maxBuffered ?? 500;
  const maxPending = opts.maxPending ?? 20_000;
  let pending = new Map<string, CallRow>();
  /** the batch a flush is writing now: still readable until the database has it */
  let flushing = new Map<string, CallRow>();
  let dropped = 0;
  // Calls started but not finished: a finish whose start was already flushed still needs these
  // NOT NULL columns to form its row.
  const running = new Map<string, Pick<CallRow, "id" | "appName" | "path" | "createdAt">>();
  const lateLogs = new Map<string, { log: CallLog; at: number }>();
  let inFlight: Promise<void> = Promise.resolve();
  let failures = 0;
  let timer: Timer | undefined;
  let stopped = false;

  const schedule = (delay: number) => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
  };

  // A flush asked for while one waits to start is that one: without this, every call recorded
  // while the buffer is full would queue a flush of its own.
  let flushQueued = false;
  const flush = (): Promise<void> => {
    if (flushQueued) return inFlight;
    flushQueued = true;
    inFlight = inFlight.then(async () => {
      flushQueued = false;
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      const now = performance.now();
      for (const [id, row] of batch) {
        const late = lateLogs.get(id);
        if (late === undefined) continue;
        if (!stopped && now - late.at < CALL_LOG_TRAIL_MS) {
          // Its stderr may still be on its way: the next flush writes it.
          batch.delete(id);
          pending.set(id, row);
          schedule(CALL_LOG_TRAIL_MS);
          continue;
        }
        row.log = late.log.text();
        lateLogs.delete(id);
      }
      if (batch.size === 0) return;
      flushing = batch;
      const rows = [...batch.values()];
      let written = 0;
      try {
        // A few records at a time, with calls served in between, so no call waits behind a whole
        // flush where the writes run on the event loop (in-process libSQL; a local file's writer
        // thread takes them off it: recorder-writer.ts).
        while (written < rows.length) {
          const part = rows.slice(written, written + RECORDS_PER_WRITE);
          await repo.upsertMany(part);
          written += part.length;
          if (written < rows.length) await new Promise((resolve) => setTimeout(resolve, 0));
        }
        failures = 0;
        if (dropped > 0) log.warn("call records were dropped while the database failed", { dropped });
        dropped = 0;
      } catch (err) {
        failures++;
        log.error(stopped ? "call records not written; hotfn is stopping, they are lost" : "call records not written; will retry", {
          err,
          calls: rows.length - written,
          failures,
        });
        // Keep what failed, oldest first, under any newer version of the same call that arrived
        // meanwhile (a finish carries only what changed: the start's columns must not be lost).
        const kept = new Map<string, CallRow>();
        for (const row of rows.slice(written)) kept.set(row.id, { ...row, ...pending.get(row.id) });
        for (const [id, row] of pending) if (!kept.has(id)) kept.set(id, row);
        pending = kept;
        bound();
        if (!stopped) schedule(Math.min(30_000, intervalMs * 2 ** failures));
      } finally {
        flushing = new Map();
      }
    });
    return inFlight;
  };

  /** Sync call records are a history, not a promise: memory must not grow while the database is down. */
  const bound = () => {
    for (const id of pending.keys()) {
      if (pending.size <= maxPending) break;
      pending.delete(id);
      lateLogs.delete(id);
      dropped++;
    }
  };

  const put = (id: string, row: Partial<CallRow>) => {
    const merged = { ...pending.get(id), ...row } as CallRow;
    pending.set(id, merged);
    if (failures > 0) bound();
    // While the database fails, the backoff sets the pace; a full buffer does not add attempts. Calls
    // still waiting for their late log are not ready to write and do not count.
    if (pending.size - lateLogs.size >= maxBuffered && failures === 0) void flush();
    else schedule(intervalMs);
  };

  return {
    started(call) {
      running.set(call.id, { id: call.id, appName: call.appName, path: call.path, createdAt: call.createdAt });
      put(call.id, { ...call, status: "running", attempts: 1 });
    },
    finished(id, o) {
      const identity = running.get(id);
      running.delete(id);
      if (typeof o.log === "string") lateLogs.delete(id);
      else lateLogs.set(id, { log: o.log, at: performance.now() });
      put(id, {
        ...identity,
        id,
        status: o.status,
        ...(o.startedAt === null ? {} : { startedAt: o.startedAt }),
        completedAt: o.completedAt,
        error: o.error,
        log: typeof o.log === "string" ? o.log : "",
        output: o.output ? Buffer.from(o.output) : null,
      });
    },
    peek(id) {
      const newer = pending.get(id);
      const older = flushing.get(id);
      // a finish buffered while its start is being written carries only what changed
      const row = older && newer ? { ...older, ...newer } : (newer ?? older);
      if (row?.appName === undefined) return undefined;
      const late = lateLogs.get(id);
      const call: Call = {
        id,
        appName: row.appName,
        path: row.path,
        status: row.status,
        createdAt: row.createdAt as Date,
        startedAt: (row.startedAt as Date | null | undefined) ?? null,
        completedAt: (row.completedAt as Date | null | undefined) ?? null,
        error: row.error ?? null,
        attempts: row.attempts ?? 1,
      };
      return { call, log: late ? late.log.text() : (row.log ?? "") };
    },
    flush,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await flush();
    },
  };
}
