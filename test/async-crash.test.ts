/**
 * "A call accepted is never lost, even if the server is killed": 500 async calls, SIGKILL while they
 * run, a restart on the same database and node, and every one of the 500 reaches a terminal state
 * with its output recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { removeLeftovers, startServer, type TestServer } from "./helpers/server.ts";

const N = 500;
const APP = "crash-app";
const node = `async-crash-${crypto.randomUUID().slice(0, 6)}`;
const env = { HOTFN_NODE: node, HOTFN_ASYNC_WORKERS: "8" };
let dir: string | undefined;

// the images may need building (or wait for another process's build): give it time
beforeAll(() => ensureImages(), 600_000);
afterAll(async () => {
  await removeLeftovers(node);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Row {
  id: string;
  status: string;
  attempts: number;
  payload: Uint8Array;
  output: Uint8Array | null;
}

function rows(dbDir: string): Row[] {
  const db = new Database(join(dbDir, "hotfn.db"), { readonly: true });
  try {
    return db.query<Row, [string]>("SELECT id, status, attempts, payload, output FROM calls WHERE app_name = ?").all(APP);
  } finally {
    db.close();
  }
}

const count = (s: TestServer, status: string) =>
  s.json(`/v1/apps/${APP}/calls/work?status=${status}&per_page=100`).then((r) => r.body.calls.length as number);

describe("async calls across a SIGKILL", () => {
  it("runs every accepted call to a terminal state with its output, after a restart on the same database", async () => {
    const first = await startServer({ env });
    dir = first.dir;
    const route = { path: "/work", image: IMAGES.sleep, type: "async", format: "json", timeout: 30 };
    expect((await first.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route } })).status).toBe(200);

    // 500 calls, 50 at a time; each sleeps 100-149 ms and answers "slept <ms>"
    const ids: string[] = [];
    /** what each call was sent: a finished call keeps its output, not its request */
    const sent = new Map<string, string>();
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, async (_, j) => {
          const body = String(100 + ((i + j) % 50));
          const res = await first.json(`/r/${APP}/work`, { method: "POST", body, headers: { "content-type": "text/plain" } });
          expect(res.status).toBe(202);
          sent.set(res.body.call_id, body);
          return res.body.call_id as string;
        }),
      );
      ids.push(...batch);
    }

    // kill it mid-drain: some calls done, some running, most still queued
    for (let i = 0; i < 1200 && (await count(first, "success")) < 20; i++) await Bun.sleep(50);
    await first.kill();
    const before = rows(first.dir);
    expect(before.length).toBe(N);
    expect(before.filter((r) => r.status === "success").length).toBeLessThan(N);
    const runningAtKill = before.filter((r) => r.status === "running").map((r) => r.id);

    const second = await startServer({ dir: first.dir, env });
    try {
      for (let i = 0; i < 2400; i++) {
        const pending = rows(first.dir).filter((r) => r.status === "queued" || r.status === "running").length;
        if (pending === 0) break;
        await Bun.sleep(50);
      }
      const after = rows(first.dir);
      expect(after.length).toBe(N);
      expect(new Set(after.map((r) => r.id))).toEqual(new Set(ids));
      for (const r of after) {
        expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: "success" });
        expect(r.output ? new TextDecoder().decode(r.output) : null).toBe(`slept ${sent.get(r.id)}`);
      }
      // the calls the kill caught running were claimed and run again
      for (const id of runningAtKill) expect(after.find((r) => r.id === id)!.attempts).toBeGreaterThanOrEqual(2);
    } finally {
      await second.stop();
    }
  }, 240_000);
});
