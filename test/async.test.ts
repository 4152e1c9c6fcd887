/**
 * Async routes over real HTTP and real Docker: the 202 comes only once the call is stored, every
 * status transition (queued → running → success | error | timeout) with its times, log and output,
 * the status filter of the calls list, backpressure at the queue bound, exclusivity between the
 * in-process workers and the /tasks door, and a graceful shutdown returning unfinished claims.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ensureImages, IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

/** bun test does not read a default timeout from bunfig.toml: each test states its own. */
const T = 60_000;

const TERMINAL = ["success", "error", "timeout", "cancelled"];

// the images may need building (or wait for another process's build): give it time
beforeAll(() => ensureImages(), 600_000);

async function addRoute(s: TestServer, app: string, route: Record<string, unknown>) {
  const res = await s.json(`/v1/apps/${app}/routes`, { method: "POST", body: { route: { type: "async", format: "json", ...route } } });
  expect(res.status).toBe(200);
}

async function post(s: TestServer, path: string, body: string): Promise<{ status: number; headers: Headers; id: string }> {
  const res = await s.json(path, { method: "POST", body, headers: { "content-type": "text/plain" } });
  return { status: res.status, headers: res.headers, id: res.body?.call_id };
}

const getCall = async (s: TestServer, id: string) => {
  const res = await s.json(`/v1/calls/${id}`);
  expect(res.status).toBe(200);
  return res.body.call as Record<string, any>;
};

/** Polls the call until it is terminal; returns it and every status seen on the way. */
async function settle(s: TestServer, id: string, ms = 45_000) {
  const seen: string[] = [];
  const until = Date.now() + ms;
  for (;;) {
    const c = await getCall(s, id);
    if (seen.at(-1) !== c.status) seen.push(c.status);
    if (TERMINAL.includes(c.status)) return { call: c, seen };
    if (Date.now() > until) throw new Error(`call ${id} still ${c.status} after ${ms} ms`);
    await Bun.sleep(20);
  }
}

/** The recorded output of calls, read straight from the server's database file. */
function outputs(s: TestServer, ids: string[]): Map<string, string | null> {
  const db = new Database(join(s.dir, "hotfn.db"), { readonly: true });
  try {
    const q = db.query<{ output: Uint8Array | null }, [string]>("SELECT output FROM calls WHERE id = ?");
    return new Map(ids.map((id) => {
      const o = q.get(id)?.output;
      return [id, o ? new TextDecoder().decode(o) : null];
    }));
  } finally {
    db.close();
  }
}

/** Checks the order of statuses seen is a path of the call state machine ending in `end`. */
function expectPath(seen: string[], end: string) {
  const order = ["queued", "running", end];
  expect(seen.at(-1)).toBe(end);
  const idx = seen.map((st) => order.indexOf(st));
  expect(idx.every((i) => i >= 0)).toBe(true);
  expect([...idx].sort((a, b) => a - b)).toEqual(idx);
}

/** The worker door's token: without one, /tasks is closed. */
const WORKER = `worker-${crypto.randomUUID()}`;

describe("an async route on a node with workers", () => {
  let s: TestServer;
  const APP = "async-app";
  beforeAll(async () => {
    // at most four calls in flight, so that a test can occupy every worker
    s = await startServer({ env: { HOTFN_WORKER_TOKEN: WORKER, HOTFN_ASYNC_WORKERS: "4" }, auth: WORKER });
    await addRoute(s, APP, { path: "/echo", image: IMAGES.echo });
    await addRoute(s, APP, { path: "/sleep", image: IMAGES.sleep, timeout: 30 });
    await addRoute(s, APP, { path: "/slow", image: IMAGES.sleep, timeout: 1 });
    await addRoute(s, APP, { path: "/crash", image: IMAGES.crash });
    await addRoute(s, APP, { path: "/log", image: IMAGES.log });
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  it("answers 202 with a call id, and the call is already stored when the 202 arrives", async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const r = await post(s, `/r/${APP}/echo`, `stored ${i}`);
        expect(r.status).toBe(202);
        expect(r.headers.get("fn-call-id")).toBe(r.id);
        // no wait between the 202 and the read: a 404 here would be a 202 promised before storing
        expect(["queued", "running", "success"]).toContain((await getCall(s, r.id)).status);
        return r.id;
      }),
    );
    for (const id of ids) expect((await settle(s, id)).call.status).toBe("success");
  }, T);

  it("goes queued → running → success, with its times, and records the function's answer as output", async () => {
    const { id } = await post(s, `/r/${APP}/sleep`, "1500");
    const { call, seen } = await settle(s, id);
    expectPath(seen, "success");
    expect(seen).toContain("running");
    expect(call.attempts).toBe(1);
    const [created, started, completed] = [call.created_at, call.started_at, call.completed_at].map(Date.parse);
    expect(created!).toBeLessThanOrEqual(started!);
    expect(started!).toBeLessThanOrEqual(completed!);
    expect(outputs(s, [id]).get(id)).toBe("slept 1500");
  }, T);

  it("keeps the payload and echoes it as output, served at /v1/calls/{id}/output", async () => {
    const { id } = await post(s, `/r/${APP}/echo`, "payload ✓ kept");
    expect((await settle(s, id)).call.status).toBe("success");
    expect(outputs(s, [id]).get(id)).toBe("payload ✓ kept");
    const served = await s.fetch(`/v1/calls/${id}/output`);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe("payload ✓ kept");
  }, T);

  it("goes to error when the function crashes, with a message and its log", async () => {
    const { id } = await post(s, `/r/${APP}/crash`, "boom");
    const { call, seen } = await settle(s, id);
    expectPath(seen, "error");
    expect(call.error).toBeString();
    expect(call.completed_at).toBeString();
    expect((await s.json(`/v1/calls/${id}/log`)).body.log.log).toContain("crashing on purpose");
  }, T);

  it("goes to timeout when the function runs past the route timeout", async () => {
    const { id } = await post(s, `/r/${APP}/slow`, "5000");
    const { call, seen } = await settle(s, id);
    expectPath(seen, "timeout");
    expect(call.error).toBeString();
  }, T);

  it("keeps the function's stderr as the call's log", async () => {
    const { id } = await post(s, `/r/${APP}/log`, "first line\nsecond line\n");
    expect((await settle(s, id)).call.status).toBe("success");
    const log = await s.json(`/v1/calls/${id}/log`);
    expect(log.body.log.log).toContain("first line\nsecond line\n");
    const text = await s.fetch(`/v1/calls/${id}/log`, { headers: { accept: "text/plain" } });
    expect(await text.text()).toContain("second line");
  }, T);

  it("lists a route's calls filtered by status", async () => {
    const ok = (await post(s, `/r/${APP}/crash`, "x")).id;
    const bad = (await post(s, `/r/${APP}/crash`, "y")).id;
    await settle(s, ok);
    await settle(s, bad);
    const errors = await s.json(`/v1/apps/${APP}/calls/crash?status=error`);
    expect(errors.status).toBe(200);
    const ids = errors.body.calls.map((c: { id: string }) => c.id);
    expect(ids).toContain(ok);
    expect(ids).toContain(bad);
    expect(errors.body.calls.every((c: { status: string }) => c.status === "error")).toBe(true);
    expect((await s.json(`/v1/apps/${APP}/calls/crash?status=success`)).body.calls).toEqual([]);
    expect((await s.json(`/v1/apps/${APP}/calls/crash?status=bogus`)).status).toBe(400);
  }, T);

  it("never runs a call in a worker that the /tasks door handed out, nor hands the door a worker's call", async () => {
    // occupy all four in-flight places (HOTFN_ASYNC_WORKERS=4 here) for a few seconds
    const busy = await Promise.all(Array.from({ length: 4 }, () => post(s, `/r/${APP}/sleep`, "3000").then((r) => r.id)));
    for (let i = 0; i < 400; i++) {
      const states = await Promise.all(busy.map(async (id) => (await getCall(s, id)).status));
      if (states.every((st) => st === "running")) break;
      await Bun.sleep(25);
    }
    const queued = await Promise.all(Array.from({ length: 10 }, (_, i) => post(s, `/r/${APP}/echo`, `door ${i}`).then((r) => r.id)));
    const byDoor: { id: string; lease: string }[] = [];
    for (let t = (await s.json("/tasks")).body.task; t; t = (await s.json("/tasks")).body.task) byDoor.push(t);
    expect(byDoor.map((t) => t.id).sort()).toEqual([...queued].sort());

    for (const id of busy) expect((await settle(s, id)).call).toMatchObject({ status: "success", attempts: 1 });
    // the door's tasks stayed running (no worker touched them) until acknowledged
    for (const { id, lease } of byDoor) {
      expect(await getCall(s, id)).toMatchObject({ status: "running", attempts: 1 });
      expect((await s.json("/tasks", { method: "DELETE", body: { task: { id, lease, output: "by door" } } })).status).toBe(200);
      expect(outputs(s, [id]).get(id)).toBe("by door");
    }
  }, T);
});

describe("backpressure", () => {
  let s: TestServer;
  const APP = "bp-app";
  beforeAll(async () => {
    s = await startServer({ env: { HOTFN_ASYNC_WORKERS: "0", HOTFN_MAX_QUEUED: "5", HOTFN_WORKER_TOKEN: WORKER }, auth: WORKER });
    await addRoute(s, APP, { path: "/echo", image: IMAGES.echo });
  }, T);
  afterAll(async () => {
    await s.stop();
  }, T);

  it("accepts up to the bound, then answers 503 with Retry-After and stores nothing, losing nothing accepted", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => post(s, `/r/${APP}/echo`, `bp ${i}`)));
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status !== 202);
    expect(accepted.length).toBe(5);
    for (const r of refused) {
      expect(r.status).toBe(503);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const listed = await s.json(`/v1/apps/${APP}/calls/echo?per_page=100`);
    expect(listed.body.calls.map((c: { id: string }) => c.id).sort()).toEqual(accepted.map((r) => r.id).sort());
    for (const r of accepted) expect((await getCall(s, r.id)).status).toBe("queued");

    // room again once a call leaves the queue
    const t = (await s.json("/tasks")).body.task;
    expect(accepted.map((r) => r.id)).toContain(t.id);
    expect((await post(s, `/r/${APP}/echo`, "after")).status).toBe(202);
    expect((await post(s, `/r/${APP}/echo`, "over")).status).toBe(503);
  }, T);
});

describe("graceful shutdown", () => {
  it("stops claiming, and returns a call still running after the grace to the queue; a restart runs it", async () => {
    const node = `async-grace-${crypto.randomUUID().slice(0, 6)}`;
    const env = { HOTFN_NODE: node, HOTFN_ASYNC_WORKERS: "1", HOTFN_SHUTDOWN_GRACE: "1000" };
    const first = await startServer({ env });
    const APP = "grace-app";
    await addRoute(first, APP, { path: "/sleep", image: IMAGES.sleep, timeout: 60 });
    const { id } = await post(first, `/r/${APP}/sleep`, "8000");
    const queuedBehind = (await post(first, `/r/${APP}/sleep`, "10")).id;
    for (let i = 0; i < 400 && (await getCall(first, id)).status !== "running"; i++) await Bun.sleep(25);
    expect((await getCall(first, id)).status).toBe("running");

    expect(await first.stop({ keepDir: true })).toBe(0);
    const db = new Database(join(first.dir, "hotfn.db"), { readonly: true });
    const rows = db.query<{ id: string; status: string; attempts: number; lease_owner: string | null }, []>("SELECT id, status, attempts, lease_owner FROM calls").all();
    db.close();
    const byId = new Map(rows.map((r) => [r.id, r]));
    // hotfn stopped the run, the call did not fail it: that attempt is not charged
    expect(byId.get(id)).toMatchObject({ status: "queued", attempts: 0, lease_owner: null });
    expect(byId.get(queuedBehind)).toMatchObject({ status: "queued", attempts: 0 });

    const second = await startServer({ dir: first.dir, env });
    try {
      const { call } = await settle(second, id, 60_000);
      expect(call).toMatchObject({ status: "success", attempts: 1 });
      expect((await settle(second, queuedBehind)).call).toMatchObject({ status: "success", attempts: 1 });
    } finally {
      await second.stop();
      rmSync(first.dir, { recursive: true, force: true });
    }
  }, 120_000);
});
