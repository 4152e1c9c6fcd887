/**
 * Writes sync call records off the response path: `started`/`finished` only buffer, and a background
 * flush writes everything buffered in one transaction, so the database never sets the pace of hot
 * calls. A failed flush keeps its rows and retries with backoff (up to a bound: while the database
 * fails, the oldest records go first); `stop()` flushes what is left. What is buffered can be read
 * (`peek`), so a call's record is there the moment its answer was sent.
 *
 * Thousands of calls a second pass through here, so a call costs one record object, made at its
 * start and completed in place at its finish, and nothing else that outlives the call: hot calls'
 * p99 followed how much each call left behind (bench/README.md "Issue 10").
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
  /** records to write: started, finished, or both since the last flush */
  let buffered = new Map<string, CallRecord>();
  /** the batch a flush is writing now: still readable until the database has it */
  let writing = new Map<string, CallRecord>();
  /** calls started and not finished: a finish whose start was already written completes this record */
  const running = new Map<string, CallRecord>();
  /** records the last flush held back for their log: a full buffer counts without them */
  let heldBack = 0;
  let dropped = 0;
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

  /** A record's log, once no more stderr can reach it; false while it may still grow. */
  const settleLog = (record: CallRecord, now: number): boolean => {
    const late = record.lateLog;
    if (late === undefined) return true;
    if (!stopped && !late.complete && now - record.finishedAt < CALL_LOG_TRAIL_MS) return false;
    record.log = late.text();
    record.lateLog = undefined;
    return true;
  };

  // A flush asked for while one waits to start is that one: without this, every call recorded
  // while the buffer is full would queue a flush of its own.
  let flushQueued = false;
  const flush = (): Promise<void> => {
    if (flushQueued) return inFlight;
    flushQueued = true;
    inFlight = inFlight.then(async () => {
      flushQueued = false;
      if (buffered.size === 0) return;
      const batch = buffered;
      buffered = new Map();
      const now = performance.now();
      const rows: CallRecord[] = [];
      // Most logs are complete by now (their container's next call has begun): a record is held
      // back only while its stderr may still be on its way.
      for (const record of batch.values()) {
        if (settleLog(record, now)) rows.push(record);
        else {
          batch.delete(record.id);
          buffered.set(record.id, record);
        }
      }
      heldBack = buffered.size;
      if (heldBack > 0) schedule(CALL_LOG_TRAIL_MS);
      if (rows.length === 0) return;
      writing = batch;
      let written = 0;
      try {
        // A few records at a time, with calls served in between, so no call waits behind a whole
        // flush where the writes run on the event loop (in-process libSQL; a local file's writer
        // thread takes them off it: recorder-writer.ts). Each write takes its values when called.
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
        // Keep what failed, oldest first. A record is one object for the life of its call, so one
        // that finished meanwhile is already complete.
        const kept = new Map<string, CallRecord>();
        for (const record of rows.slice(written)) kept.set(record.id, record);
        for (const [id, record] of buffered) kept.set(id, record);
        buffered = kept;
        bound();
        if (!stopped) schedule(Math.min(30_000, intervalMs * 2 ** failures));
      } finally {
        writing = new Map();
      }
    });
    return inFlight;
  };

  /** Sync call records are a history, not a promise: memory must not grow while the database is down. */
  const bound = () => {
    for (const id of buffered.keys()) {
      if (buffered.size <= maxPending) break;
      buffered.delete(id);
      dropped++;
    }
  };

  const buffer = (record: CallRecord) => {
    buffered.set(record.id, record);
    if (failures > 0) bound();
    // While the database fails, the backoff sets the pace; a full buffer does not add attempts. Calls
    // still waiting for their late log are not ready to write and do not count.
    if (buffered.size - heldBack >= maxBuffered && failures === 0) void flush();
    else schedule(intervalMs);
  };

  return {
    started(call) {
      const record: CallRecord = {
        id: call.id,
        appName: call.appName,
        path: call.path,
        status: "running",
        createdAt: call.createdAt,
        startedAt: call.startedAt,
        completedAt: null,
        error: null,
        attempts: 1,
        log: "",
        output: null,
        lateLog: undefined,
        finishedAt: 0,
      };
      running.set(call.id, record);
      buffer(record);
    },
    finished(id, o) {
      const record = running.get(id);
      // Only a started call has the columns a record needs.
      if (record === undefined) return;
      running.delete(id);
      record.status = o.status;
      if (o.startedAt !== null) record.startedAt = o.startedAt;
      record.completedAt = o.completedAt;
      record.error = o.error;
      record.output = o.output ? Buffer.from(o.output) : null;
      if (typeof o.log === "string") {
        record.log = o.log;
        record.lateLog = undefined;
      } else {
        record.lateLog = o.log;
        record.finishedAt = performance.now();
      }
      buffer(record);
    },
    peek(id) {
      const record = buffered.get(id) ?? writing.get(id);
      if (record === undefined) return undefined;
      const call: Call = {
        id,
        appName: record.appName,
        path: record.path,
        status: record.status,
        createdAt: record.createdAt,
        startedAt: record.startedAt,
        completedAt: record.completedAt,
        error: record.error,
        attempts: record.attempts,
      };
      return { call, log: record.lateLog ? record.lateLog.text() : record.log };
    },
    flush,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await flush();
    },
  };
}

/** A call's row as the recorder keeps it until written, with the log that may still grow. */
interface CallRecord extends CallRow {
  id: string;
  appName: string;
  path: string;
  status: Call["status"];
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
  attempts: number;
  log: string;
  output: Buffer | null;
  /** the call's log while stderr may still reach it; read into `log` once it is complete */
  lateLog: CallLog | undefined;
  /** when the call finished (performance.now()), for CALL_LOG_TRAIL_MS */
  finishedAt: number;
}
