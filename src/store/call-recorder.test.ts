import { describe, expect, it } from "bun:test";
import { createLogger } from "../log.ts";
import { CALL_LOG_TRAIL_MS, type CallLog } from "../model.ts";
import { createCallRecorder } from "./call-recorder.ts";
import { type CallRow, decodeRecordedRow, type RecordedRow } from "./calls.ts";

/** What the recorder hands its writer, decoded, write by write. */
function writer(failTimes = 0) {
  const writes: CallRow[][] = [];
  let failures = failTimes;
  return {
    writes,
    rows: () => writes.flat(),
    async upsertMany(rows: RecordedRow[]) {
      if (failures-- > 0) throw new Error("database is locked");
      writes.push(rows.map(decodeRecordedRow));
    },
  };
}

const lateLog = (text: string): CallLog & { text(): string; complete: boolean; more(s: string): void } => {
  let body = text;
  return {
    complete: false,
    text: () => body,
    more(s: string) {
      body += s;
    },
  };
};

const start = (id: string) => ({ id, appName: "app", path: "/fn", createdAt: new Date(1_000), startedAt: new Date(1_000) });
const done = (log: string | CallLog) => ({ status: "success" as const, startedAt: new Date(1_000), completedAt: new Date(2_000), error: null, log });

describe("call recorder", () => {
  it("writes a call started and finished between flushes as one complete row", async () => {
    const w = writer();
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    rec.started(start("c1"));
    rec.finished("c1", done("said hello\n"));
    await rec.flush();
    expect(w.rows()).toEqual([
      expect.objectContaining({ id: "c1", appName: "app", path: "/fn", status: "success", attempts: 1, log: "said hello\n", completedAt: new Date(2_000) }),
    ]);
    await rec.stop();
  });

  it("completes a call whose start was already written, with the start's columns", async () => {
    const w = writer();
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    rec.started(start("c2"));
    await rec.flush();
    rec.finished("c2", done(""));
    await rec.flush();
    expect(w.writes.map((rows) => rows.map((r) => [r.id, r.status, r.appName, r.path]))).toEqual([[["c2", "running", "app", "/fn"]], [["c2", "success", "app", "/fn"]]]);
    await rec.stop();
  });

  it("writes a late log at the next flush once no more output can reach it", async () => {
    const w = writer();
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    const log = lateLog("first\n");
    rec.started(start("c3"));
    rec.finished("c3", done(log));
    await rec.flush();
    // Its stderr may still be on its way: the record waits, and stays readable.
    expect(w.rows()).toEqual([]);
    expect(rec.peek("c3")).toEqual({ call: expect.objectContaining({ id: "c3", status: "success" }), log: "first\n" });
    log.more("trailing\n");
    log.complete = true;
    await rec.flush();
    expect(w.rows()).toEqual([expect.objectContaining({ id: "c3", status: "success", log: "first\ntrailing\n" })]);
    await rec.stop();
  });

  it("writes a late log that never says it is complete once the trail is over", async () => {
    const w = writer();
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 5 });
    rec.started(start("c4"));
    rec.finished("c4", done(lateLog("slow\n")));
    await Bun.sleep(CALL_LOG_TRAIL_MS * 3);
    expect(w.rows()).toEqual([expect.objectContaining({ id: "c4", log: "slow\n" })]);
    await rec.stop();
  });

  it("keeps what a failed write held and writes it, oldest first, on the next attempt", async () => {
    const w = writer(1);
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    rec.started(start("c5"));
    rec.finished("c5", done("a"));
    await rec.flush();
    rec.started(start("c6"));
    expect(rec.peek("c5")?.call.status).toBe("success");
    await rec.flush();
    expect(w.rows().map((r) => [r.id, r.status])).toEqual([
      ["c5", "success"],
      ["c6", "running"],
    ]);
    await rec.stop();
  });

  it("answers for a call while it runs, and writes its running row once however many flushes pass", async () => {
    const w = writer();
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    rec.started(start("c7"));
    expect(rec.peek("c7")).toEqual({ call: expect.objectContaining({ id: "c7", status: "running", completedAt: null }), log: "" });
    await rec.flush();
    await rec.flush();
    rec.finished("c7", { ...done("bye\n"), status: "error", error: "exit 1" });
    expect(rec.peek("c7")).toEqual({ call: expect.objectContaining({ id: "c7", status: "error", error: "exit 1", completedAt: new Date(2_000) }), log: "bye\n" });
    await rec.flush();
    expect(w.rows().map((r) => [r.id, r.status])).toEqual([
      ["c7", "running"],
      ["c7", "error"],
    ]);
    expect(rec.peek("c7")).toBeUndefined();
    await rec.stop();
  });

  it("keeps at most maxPending rows while the database fails, dropping the oldest", async () => {
    const w = writer(2);
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000, maxPending: 3 });
    for (const id of ["d1", "d2", "d3", "d4", "d5"]) {
      rec.started(start(id));
      rec.finished(id, done(""));
    }
    await rec.flush().catch(() => {});
    await rec.flush().catch(() => {});
    await rec.flush();
    expect(w.rows().map((r) => r.id)).toEqual(["d3", "d4", "d5"]);
    await rec.stop();
  });

  it("answers with a finished call waiting for its log, not with its running row being written", async () => {
    const w = writer(1);
    const rec = createCallRecorder(w, createLogger("silent"), { intervalMs: 60_000 });
    rec.started(start("c8"));
    await rec.flush(); // the running row's write fails: it is kept
    rec.finished("c8", done(lateLog("late\n")));
    expect(rec.peek("c8")).toEqual({ call: expect.objectContaining({ id: "c8", status: "success" }), log: "late\n" });
    await rec.stop();
    expect(w.rows().map((r) => [r.id, r.status, r.log])).toEqual([
      ["c8", "running", ""],
      ["c8", "success", "late\n"],
    ]);
  });

  it("backs off while the database fails, however many calls finish meanwhile", async () => {
    let attempts = 0;
    const failing = {
      async upsertMany() {
        attempts++;
        // a write that takes a while to fail: calls finish meanwhile
        await Bun.sleep(8);
        throw new Error("database is locked");
      },
    };
    const rec = createCallRecorder(failing, createLogger("silent"), { intervalMs: 10 });
    const began = performance.now();
    for (let i = 0; i < 60; i++) {
      rec.started(start(`b${i}`));
      rec.finished(`b${i}`, done(""));
      await Bun.sleep(5);
    }
    // Retries after 20, 40, 80, 160 ms…: the k-th attempt comes after about 10·(2^k − 1) ms, where
    // without the backoff one came every 10–20 ms (30 in 300 ms).
    const elapsed = performance.now() - began;
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(Math.floor(Math.log2(elapsed / 10 + 1)) + 2);
    await rec.stop();
  });
});
