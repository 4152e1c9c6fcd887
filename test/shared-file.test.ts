/**
 * Two hotfn processes on one libSQL file, as real processes: a route changed through one is served
 * in its new form by the other (the change log, read every 250 ms); a third process under a live
 * node's name is refused; when one is SIGKILLed, the other returns its async claims to the queue once
 * its heartbeat lapses and runs them (their attempts show it).
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { removeLeftovers, startServer, type TestServer } from "./helpers/server.ts";

const APP = "shared";
const env = { HOTFN_NODE_TIMEOUT: "1000" };
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  await ensureImages();
  a = await startServer({ env: { ...env, HOTFN_NODE: `shared-a-${crypto.randomUUID().slice(0, 6)}` } });
  b = await startServer({ dir: a.dir, env: { ...env, HOTFN_NODE: `shared-b-${crypto.randomUUID().slice(0, 6)}` } });
}, 600_000);
afterAll(async () => {
  await b?.stop();
  if (a) {
    await a.kill();
    await removeLeftovers(a.node);
    rmSync(a.dir, { recursive: true, force: true });
  }
});

async function until(check: () => Promise<boolean>, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(50);
  }
}

const env_ = async (s: TestServer) => (await s.json(`/r/${APP}/conf`, { method: "POST", body: "env", headers: { "content-type": "text/plain" } })).body as Record<string, string>;

function rows(): { id: string; status: string; attempts: number; lease_owner: string | null }[] {
  const db = new Database(join(a.dir, "hotfn.db"), { readonly: true });
  try {
    return db.query<{ id: string; status: string; attempts: number; lease_owner: string | null }, [string]>("SELECT id, status, attempts, lease_owner FROM calls WHERE app_name = ? AND path = '/work'").all(APP);
  } finally {
    db.close();
  }
}

describe("two hotfn processes on one libSQL file", () => {
  it("serves a route changed through one process in its new form in the other", async () => {
    const route = { path: "/conf", image: IMAGES.echo, format: "http-stream", config: { MODE: "echo", VERSION: "1" } };
    expect((await a.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route } })).status).toBe(200);
    expect((await env_(b)).VERSION).toBe("1");
    expect((await a.json(`/v1/apps/${APP}/routes/conf`, { method: "PATCH", body: { route: { config: { VERSION: "2" } } } })).status).toBe(200);
    await until(async () => (await env_(b)).VERSION === "2", "the other process runs VERSION 2");
  }, 120_000);

  it("refuses a third process under a live node's name", async () => {
    const err = await startServer({ dir: a.dir, env: { ...env, HOTFN_NODE: b.node } }).catch((e: unknown) => e);
    expect(String(err)).toContain("is in use by a running hotfn");
    expect((await b.fetch("/version")).status).toBe(200);
  }, 60_000);

  it("runs the async calls a killed process held, in the other one", async () => {
    const route = { path: "/work", image: IMAGES.sleep, type: "async", format: "http-stream" };
    expect((await a.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route } })).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await a.json(`/r/${APP}/work`, { method: "POST", body: "700", headers: { "content-type": "text/plain" } });
      expect(res.status).toBe(202);
      ids.push(res.body.call_id);
    }
    const heldByA = () => rows().filter((r) => r.status === "running" && r.lease_owner?.startsWith(`worker:${a.node}/`));
    await until(async () => heldByA().length > 0, "the first process holds an async call");
    await a.kill();
    const held = heldByA().map((r) => r.id);
    expect(held.length).toBeGreaterThan(0);

    await until(async () => rows().every((r) => r.status === "success"), "every call succeeded", 90_000);
    const after = rows();
    expect(after.map((r) => r.id).sort()).toEqual(ids.sort());
    for (const id of held) expect(after.find((r) => r.id === id)!.attempts).toBeGreaterThanOrEqual(2);
    expect(b.logs()).toContain("a node stopped its heartbeat: its async calls went back to the queue");
  }, 180_000);
});
