import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log.ts";
import { type CallRow, recordedHead, withLog } from "./calls.ts";
import { openStore, type Store } from "./index.ts";
import { createRowWriter, type RowWriter } from "./recorder-writer.ts";

const THREAD = new URL("./recorder-thread.ts", import.meta.url).href;
/** opens like the real thread, then dies on its first write */
const DYING_THREAD = new URL("./recorder-thread.dies.test-thread.ts", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "hotfn-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = (id: string): CallRow => ({ id, appName: "a", path: "/w", status: "success", createdAt: new Date(), startedAt: new Date(), completedAt: new Date(), error: null, attempts: 1, log: "ok\n", output: null }) as CallRow;
/** A call's row as the recorder hands it over, from `base` with `change`. */
const row = (id: string, change: Partial<CallRow> = {}) => {
  const { log, ...rest } = { ...base(id), ...change };
  return withLog(recordedHead(rest), log ?? "");
};

/**
 * A store on its own file and a writer started with `thread` on it; `seen` keeps what the writer
 * warned about. Both are closed after `run`.
 */
async function withWriter(file: string, thread: string, run: (w: { store: Store; writer: RowWriter; seen: string[] }) => Promise<void>) {
  const path = join(dir, file);
  const store = await openStore({ url: `file:${path}`, log: createLogger("silent") });
  const seen: string[] = [];
  const log = createLogger("silent");
  const writer = await createRowWriter(thread, path, store.calls, { ...log, warn: (msg: string) => void seen.push(msg) });
  try {
    await run({ store, writer, seen });
  } finally {
    await writer.close();
    await store.close();
  }
}

describe("the call record writer", () => {
  it("writes on its thread what the store then reads, in order", () =>
    withWriter("a.db", THREAD, async ({ store, writer, seen }) => {
      const id = Bun.randomUUIDv7();
      await writer.upsertMany([row(id)]);
      await writer.upsertMany([row(id, { status: "error", error: "later", output: Buffer.from("answer") })]);
      expect(await store.calls.get(id)).toMatchObject({ id, status: "error", error: "later" });
      expect(await store.calls.log(id)).toBe("ok\n");
      expect(new TextDecoder().decode((await store.calls.output(id))!)).toBe("answer");
      expect(seen).toEqual([]);
    }));

  it("writes in-process, saying so, when its thread cannot start", () =>
    withWriter("b.db", new URL("./no-such-thread.ts", import.meta.url).href, async ({ store, writer, seen }) => {
      const id = Bun.randomUUIDv7();
      await writer.upsertMany([row(id)]);
      expect(await store.calls.get(id)).toMatchObject({ id, status: "success" });
      expect(seen).toEqual([expect.stringContaining("on the event loop")]);
    }));

  it("writes in-process what its thread was writing when it died, and everything after", () =>
    withWriter("c.db", DYING_THREAD, async ({ store, writer }) => {
      const inFlight = Bun.randomUUIDv7();
      const later = Bun.randomUUIDv7();
      await writer.upsertMany([row(inFlight)]);
      await writer.upsertMany([row(later)]);
      expect(await store.calls.get(inFlight)).toMatchObject({ id: inFlight, status: "success" });
      expect(await store.calls.get(later)).toMatchObject({ id: later, status: "success" });
    }));

  it("writes in-process after it was closed", () =>
    withWriter("d.db", THREAD, async ({ store, writer }) => {
      await writer.close();
      const id = Bun.randomUUIDv7();
      await writer.upsertMany([row(id)]);
      expect(await store.calls.get(id)).toMatchObject({ id });
    }));
});

describe("the recorder's upsert (in-process and on the thread alike)", () => {
  it("stores every value as given, many rows at once, and keeps what a later row does not know", () =>
    withWriter("e.db", THREAD, async ({ store, writer }) => {
      const at = new Date("2026-12-01T06:00:00.123Z");
      const ids = Array.from({ length: 500 }, () => Bun.randomUUIDv7());
      const odd = 'quote " backslash \\ newline\n emoji 🙂 tab \t end';
      await store.calls.upsertMany(ids.map((id) => row(id, { status: "running", createdAt: at, startedAt: at, completedAt: null, log: "" })));
      await writer.upsertMany([row(ids[0]!, { startedAt: null, completedAt: at, error: odd, log: odd, output: Buffer.from([0, 255, 10]) })]);
      expect(await store.calls.get(ids[0]!)).toEqual({ id: ids[0]!, appName: "a", path: "/w", status: "success", createdAt: at, startedAt: at, completedAt: at, error: odd, attempts: 1 });
      expect(await store.calls.log(ids[0]!)).toBe(odd);
      expect([...(await store.calls.output(ids[0]!))!]).toEqual([0, 255, 10]);
      // A row without output keeps the stored one; the others are still the running rows.
      await store.calls.upsertMany([row(ids[0]!, { output: null })]);
      expect([...(await store.calls.output(ids[0]!))!]).toEqual([0, 255, 10]);
      expect(await store.calls.get(ids[499]!)).toMatchObject({ status: "running", startedAt: at, completedAt: null });
      expect((await store.calls.list("a", "/w", { perPage: 1000 })).items.length).toBe(500);
      // Two rows of one call in one write: the later wins, whichever way the write goes.
      await store.calls.upsertMany([row(ids[2]!, { status: "running", log: "" }), row(ids[2]!, { status: "timeout", log: "late" })]);
      await writer.upsertMany([row(ids[3]!, { status: "running", log: "" }), row(ids[3]!, { status: "cancelled", log: "gone" })]);
      expect(await store.calls.get(ids[2]!)).toMatchObject({ status: "timeout" });
      expect(await store.calls.log(ids[3]!)).toBe("gone");
      // A lone surrogate is stored as U+FFFD, as a bound parameter stored it: JSON would escape it
      // into bytes that are not UTF-8.
      await writer.upsertMany([row(ids[1]!, { error: "half \ud800 pair", log: "\udfff" })]);
      expect(await store.calls.get(ids[1]!)).toMatchObject({ error: "half \ufffd pair" });
      expect(await store.calls.log(ids[1]!)).toBe("\ufffd");
    }));
});
