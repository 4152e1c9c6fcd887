import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log.ts";
import type { CallRow } from "./calls.ts";
import { openStore } from "./index.ts";
import { createRowWriter } from "./recorder-writer.ts";

const THREAD = new URL("./recorder-thread.ts", import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), "hotfn-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const row = (id: string): CallRow => ({ id, appName: "a", path: "/w", status: "success", createdAt: new Date(), startedAt: new Date(), completedAt: new Date(), error: null, attempts: 1, log: "ok\n", output: null }) as CallRow;

/** A logger that keeps what it was told to warn about. */
function warnings() {
  const seen: string[] = [];
  const log = createLogger("silent");
  return { seen, log: { ...log, warn: (msg: string) => void seen.push(msg) } as typeof log };
}

describe("the call record writer", () => {
  it("writes on its thread what the store then reads, in order", async () => {
    const url = `file:${join(dir, "a.db")}`;
    const store = await openStore({ url, log: createLogger("silent") });
    const w = warnings();
    const writer = await createRowWriter(THREAD, url, store.calls, w.log);
    try {
      const id = Bun.randomUUIDv7();
      await writer.upsertMany([row(id)]);
      await writer.upsertMany([{ ...row(id), status: "error", error: "later", output: Buffer.from("answer") }]);
      expect(await store.calls.get(id)).toMatchObject({ id, status: "error", error: "later" });
      expect(await store.calls.log(id)).toBe("ok\n");
      expect(new TextDecoder().decode((await store.calls.output(id))!)).toBe("answer");
      expect(w.seen).toEqual([]);
    } finally {
      await writer.close();
      await store.close();
    }
  });

  it("writes in-process, saying so, when its thread cannot start", async () => {
    const url = `file:${join(dir, "b.db")}`;
    const store = await openStore({ url, log: createLogger("silent") });
    const w = warnings();
    const writer = await createRowWriter(new URL("./no-such-thread.ts", import.meta.url).href, url, store.calls, w.log);
    try {
      const id = Bun.randomUUIDv7();
      await writer.upsertMany([row(id)]);
      expect(await store.calls.get(id)).toMatchObject({ id, status: "success" });
      expect(w.seen.length).toBe(1);
    } finally {
      await writer.close();
      await store.close();
    }
  });

  it("writes in-process once its thread is gone", async () => {
    const url = `file:${join(dir, "c.db")}`;
    const store = await openStore({ url, log: createLogger("silent") });
    const writer = await createRowWriter(THREAD, url, store.calls, warnings().log);
    await writer.close();
    const id = Bun.randomUUIDv7();
    await writer.upsertMany([row(id)]);
    expect(await store.calls.get(id)).toMatchObject({ id });
    await store.close();
  });
});
