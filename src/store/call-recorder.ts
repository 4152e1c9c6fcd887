/**
 * Writes sync call records off the response path: `started`/`finished` only buffer, and a background
 * flush writes everything buffered in one transaction, so the database never sets the pace of hot
 * calls. A failed flush keeps its rows and retries with backoff (up to a bound: while the database
 * fails, the oldest records go first); `stop()` flushes what is left. What is buffered can be read
 * (`peek`), so a call's record is there the moment its answer was sent.
 *
 * Thousands of calls a second pass through here. A call in progress is one small object; once it
 * finishes it is kept as its row's text (calls.ts RecordedRow), plus its log while stderr may still
 * reach it, until written. Row objects kept until the next flush lengthened every young-generation
 * collection by about 0.15 ms; the same rows kept as strings did not (bench/README.md "Issue 10").
 * @module
 */
import type { Logger } from "../log.ts";
import { type Call, type CallLog, CALL_LOG_TRAIL_MS, type LoggedOutcome } from "../model.ts";
import { type CallRepo, type CallRow, decodeRecordedRow, type RecordedRow, recordedHead, withLog } from "./calls.ts";

export interface CallRecorder {
  started(call: { id: string; appName: string; path: string; createdAt: Date; startedAt: Date | null }): void;
  /** `log` may be a CallLog: it is read at flush time, so stderr that trails the answer is kept. */
  finished(id: string, outcome: LoggedOutcome): void;
  /** A call's record and log as buffered, not yet stored (or being stored); undefined otherwise. */
  peek(id: string): { call: Call; log: string } | undefined;
  /** Every buffered call of one route, each as its newest row says, in no order. */
  buffered(appName: string, path: string): Call[];
  /** Writes what is buffered now; resolves when it is stored. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export interface CallRecorderOptions {
  intervalMs?: number;
  /** flush early once this many calls are buffered */
  maxBuffered?: number;
  /**
   * while the database fails, keep at most this many rows (a call that runs through the outage may
   * have two); the oldest go first. Between two attempts up to twice this many are kept, then
   * trimmed in one go (default 20,000).
   */
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
  /** calls started and not finished */
  const running = new Map<string, Running>();
  /** rows ready to write, oldest first */
  let ready: RecordedRow[] = [];
  /** calls finished whose log may still grow: row heads, their logs, when they finished (parallel) */
  let lateHeads: string[] = [];
  let lateLogs: CallLog[] = [];
  let lateAt: number[] = [];
  /** the rows a flush is writing now: still readable until the database has them */
  let writing: RecordedRow[] = [];
  let dropped = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let failures = 0;
  let timer: Timer | undefined;
  let stopped = false;

  /** When the next flush is due: while the database fails, the backoff sets the pace. */
  const nextDelay = () => (failures > 0 ? Math.min(30_000, intervalMs * 2 ** failures) : intervalMs);
  const schedule = (delay: number) => {
    if (timer !== undefined || stopped) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
  };

  /** Moves every late log that can no longer grow into `ready`; the rest stay late. */
  const settleLate = (now: number) => {
    if (lateHeads.length === 0) return;
    const heads: string[] = [];
    const logs: CallLog[] = [];
    const at: number[] = [];
    for (let i = 0; i < lateHeads.length; i++) {
      const late = lateLogs[i]!;
      if (stopped || late.complete || now - lateAt[i]! >= CALL_LOG_TRAIL_MS) ready.push(withLog(lateHeads[i]!, late.text()));
      else {
        heads.push(lateHeads[i]!);
        logs.push(late);
        at.push(lateAt[i]!);
      }
    }
    lateHeads = heads;
    lateLogs = logs;
    lateAt = at;
  };

  // A flush asked for while one waits to start is that one: without this, every call recorded
  // while the buffer is full would queue a flush of its own.
  let flushQueued = false;
  const flush = (): Promise<void> => {
    if (flushQueued) return inFlight;
    flushQueued = true;
    inFlight = inFlight.then(async () => {
      flushQueued = false;
      // A call still running gets its running row once, so it can be listed while it runs.
      for (const call of running.values()) {
        if (call.written) continue;
        call.written = true;
        ready.push(withLog(recordedHead(call.row), ""));
      }
      // Most logs are complete by now (their container's next call has begun): a row is held back
      // only while its stderr may still be on its way.
      settleLate(performance.now());
      if (lateHeads.length > 0) schedule(Math.max(CALL_LOG_TRAIL_MS, nextDelay()));
      if (ready.length === 0) return;
      const rows = ready;
      ready = [];
      writing = rows;
      let written = 0;
      try {
        // A few rows at a time, with calls served in between, so no call waits behind a whole
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
        // Keep what failed, oldest first; rows of one call are written in order, so its last wins.
        ready = rows.slice(written).concat(ready);
        bound();
        // A flush the calls asked for meanwhile waits out the backoff too.
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        schedule(nextDelay());
      } finally {
        writing = [];
      }
    });
    return inFlight;
  };

  /** Sync call records are a history, not a promise: memory must not grow while the database is down. */
  const bound = () => {
    const over = ready.length - maxPending;
    if (over <= 0) return;
    ready = ready.slice(over);
    dropped += over;
  };

  const added = () => {
    // Trimmed at twice the bound, not at every call: each trim copies what is kept.
    if (failures > 0 && ready.length >= 2 * maxPending) bound();
    // While the database fails, the backoff sets the pace; a full buffer does not add attempts. Calls
    // still waiting for their late log are not ready to write and do not count.
    if (ready.length >= maxBuffered && failures === 0) void flush();
    else schedule(nextDelay());
  };

  /** A buffered call's newest row as a Call and its log, or undefined. */
  const find = (id: string): { call: Call; log: string } | undefined => {
    const prefix = `[${JSON.stringify(id)},`;
    // Newest first: a call waiting for its log has finished, while its running row may be ready
    // (or being written); within each list the later row is the newer.
    const late = lateHeads.findIndex((head) => head.startsWith(prefix));
    if (late >= 0) return asCall(decodeRecordedRow(withLog(lateHeads[late]!, lateLogs[late]!.text())));
    for (const rows of [ready, writing]) {
      for (let i = rows.length - 1; i >= 0; i--) if (rows[i]!.startsWith(prefix)) return asCall(decodeRecordedRow(rows[i]!));
    }
    return undefined;
  };

  return {
    started(call) {
      running.set(call.id, {
        written: false,
        row: { id: call.id, appName: call.appName, path: call.path, status: "running", createdAt: call.createdAt, startedAt: call.startedAt, completedAt: null, error: null, attempts: 1, output: null },
      });
      // Nothing to write yet: a flush writes the running row if the call is still running then.
      schedule(nextDelay());
    },
    finished(id, o) {
      const call = running.get(id);
      // Only a started call has the columns a record needs.
      if (call === undefined) return;
      running.delete(id);
      const { row } = call;
      const head = recordedHead({
        ...row,
        status: o.status,
        startedAt: o.startedAt ?? row.startedAt,
        completedAt: o.completedAt,
        error: o.error,
        output: o.output ? Buffer.from(o.output) : null,
      });
      if (typeof o.log === "string" || o.log.complete) ready.push(withLog(head, typeof o.log === "string" ? o.log : o.log.text()));
      else {
        lateHeads.push(head);
        lateLogs.push(o.log);
        lateAt.push(performance.now());
      }
      added();
    },
    peek(id) {
      const call = running.get(id);
      if (call !== undefined) return asCall({ ...call.row, log: "" });
      return find(id);
    },
    buffered(appName, path) {
      const byId = new Map<string, Call>();
      // Oldest rows first, so a call's newer row replaces its older one; a running call has no
      // finished row anywhere, and a call waiting for its log has finished.
      // A late call's head is a row without its log; the list has no use for the log.
      for (const row of [...writing, ...ready, ...lateHeads.map((head) => withLog(head, ""))]) {
        const { call } = asCall(decodeRecordedRow(row));
        if (call.appName === appName && call.path === path) byId.set(call.id, call);
      }
      for (const { row } of running.values()) {
        if (row.appName === appName && row.path === path) byId.set(row.id, asCall({ ...row, log: "" }).call);
      }
      return [...byId.values()];
    },
    flush,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await flush();
    },
  };
}

/** A call in progress: the columns its row starts with, and whether a flush wrote its running row. */
interface Running {
  row: { id: string; appName: string; path: string; status: Call["status"]; createdAt: Date; startedAt: Date | null; completedAt: Date | null; error: string | null; attempts: number; output: null };
  written: boolean;
}

function asCall(row: CallRow & { id: string }): { call: Call; log: string } {
  const call: Call = {
    id: row.id,
    appName: row.appName,
    path: row.path,
    status: row.status,
    createdAt: row.createdAt,
    startedAt: row.startedAt ?? null,
    completedAt: row.completedAt ?? null,
    error: row.error ?? null,
    attempts: row.attempts ?? 1,
  };
  return { call, log: row.log ?? "" };
}
