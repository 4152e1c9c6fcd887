/**
 * The external worker door over real HTTP, on a node without in-process workers (so nothing but the
 * door takes queued calls, and no Docker is needed): GET /tasks (and /v1/tasks) hands each queued
 * async call to exactly one consumer; DELETE /tasks acknowledges it with its outcome and the lease it
 * came with. The door takes the worker token (test/auth.test.ts shows who else it turns away).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { IMAGES } from "./helpers/images.ts";
import { startServer, type TestServer } from "./helpers/server.ts";

/** bun test does not read a default timeout from bunfig.toml: each test states its own. */
const T = 30_000;

let s: TestServer;
const APP = "tasks-app";
const WORKER = `worker-${crypto.randomUUID()}`;
const door = { env: { HOTFN_ASYNC_WORKERS: "0", HOTFN_WORKER_TOKEN: WORKER }, auth: WORKER };

beforeAll(async () => {
  s = await startServer(door);
  const route = (path: string, extra = {}) =>
    s.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path, image: IMAGES.echo, type: "async", format: "json", ...extra } } });
  expect((await route("/work", { config: { GREETING: "hi", "log-level": "debug" } })).status).toBe(200);
  expect((await route("/users/:id")).status).toBe(200);
  expect((await s.json(`/v1/apps/${APP}`, { method: "PATCH", body: { app: { config: { APP_WIDE: "yes" } } } })).status).toBe(200);
}, T);
afterAll(async () => {
  await s.stop();
}, T);

async function enqueue(path: string, body: string): Promise<string> {
  const res = await s.json(`/r/${APP}${path}`, { method: "POST", body, headers: { "content-type": "text/plain" } });
  expect(res.status).toBe(202);
  expect(typeof res.body.call_id).toBe("string");
  return res.body.call_id;
}

const take = async (door = "/tasks") => {
  const res = await s.json(door);
  expect(res.status).toBe(200);
  return res.body.task as Record<string, any> | null;
};

const ack = (task: unknown) => s.json("/tasks", { method: "DELETE", body: { task } });
const call = async (id: string) => (await s.json(`/v1/calls/${id}`)).body.call;

/** Acknowledges a task as a success, with the lease it was handed out with. */
const done = (task: Record<string, any> | null) => ack({ id: task!.id, lease: task!.lease });

/** Takes every task the door hands out until it says none, acknowledging each as a success. */
async function drain(): Promise<void> {
  for (let t = await take(); t; t = await take()) expect((await done(t)).status).toBe(200);
}

describe("GET /tasks", () => {
  it("answers {task: null} at both doors when nothing is queued", async () => {
    await drain();
    expect(await s.json("/tasks")).toMatchObject({ status: 200, body: { task: null } });
    expect(await s.json("/v1/tasks")).toMatchObject({ status: 200, body: { task: null } });
  }, T);

  it("leaves queued calls to the door on a node with no in-process workers", async () => {
    await drain();
    expect(s.logs()).toContain('"msg":"async workers started","workers":0');
    const id = await enqueue("/work", "stay");
    expect((await call(id)).status).toBe("queued");
    // Nobody else ever claimed it: the door's hand-out is its first attempt.
    const task = await take();
    expect(task).toMatchObject({ id, attempts: 1 });
    await done(task);
  }, T);

  it("hands out a queued call as a running task with its payload, image and environment, once", async () => {
    await drain();
    const id = await enqueue("/work", "hello door");
    const task = await take();
    expect(task).toMatchObject({ id, app_name: APP, path: "/work", image: IMAGES.echo, payload: "hello door", status: "running" });
    expect(Date.parse(task!.created_at)).not.toBeNaN();
    expect(task!.env_vars).toMatchObject({ FN_APP_NAME: APP, FN_PATH: "/work", FN_FORMAT: "json", FN_CALL_ID: id, FN_METHOD: "POST", GREETING: "hi", LOG_LEVEL: "debug", APP_WIDE: "yes" });
    expect(await take("/v1/tasks")).toBeNull();
    const held = await call(id);
    expect(held.status).toBe("running");
    expect(held.attempts).toBe(1);
    expect(held.started_at).toBeString();
    await done(task);
  }, T);

  it("keeps the route params of a call to a pattern route", async () => {
    await drain();
    const id = await enqueue("/users/42", "p");
    const task = await take();
    expect(task).toMatchObject({ id, path: "/users/:id" });
    expect(task!.env_vars.FN_PARAM_ID).toBe("42");
    await done(task);
  }, T);

  it("hands out oldest first", async () => {
    await drain();
    const ids = [await enqueue("/work", "1"), await enqueue("/work", "2"), await enqueue("/work", "3")];
    const got = [(await take())!, (await take())!, (await take())!];
    expect(got.map((t) => t.id)).toEqual(ids);
    for (const t of got) await done(t);
  }, T);

  it("never hands one task to two consumers taking at the same time", async () => {
    await drain();
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => enqueue("/work", `job ${i}`)));
    const consumers = Array.from({ length: 8 }, async (_, i) => {
      const got: Record<string, any>[] = [];
      for (let t = await take(i % 2 ? "/tasks" : "/v1/tasks"); t; t = await take(i % 2 ? "/tasks" : "/v1/tasks")) got.push(t);
      return got;
    });
    const taken = (await Promise.all(consumers)).flat();
    expect(taken.length).toBe(ids.length);
    expect(taken.map((t) => t.id).sort()).toEqual([...ids].sort());
    for (const t of taken) expect((await done(t)).status).toBe(200);
  }, T);
});

describe("DELETE /tasks", () => {
  it("records a success with its output and log, visible through the calls API", async () => {
    await drain();
    const id = await enqueue("/work", "in");
    const { lease } = (await take())!;
    const res = await ack({ id, lease, status: "success", output: "the answer", log: "worked hard\n" });
    expect(res.status).toBe(200);
    expect(res.body.task).toEqual({ id, status: "success" });
    const done = await call(id);
    expect(done.status).toBe("success");
    expect(done.completed_at).toBeString();
    expect((await s.json(`/v1/calls/${id}/log`)).body.log).toEqual({ call_id: id, log: "worked hard\n" });
    const listed = await s.json(`/v1/apps/${APP}/calls/work?status=success`);
    expect(listed.body.calls.map((c: { id: string }) => c.id)).toContain(id);
  }, T);

  it("records an error with its message", async () => {
    await drain();
    const id = await enqueue("/work", "in");
    const { lease } = (await take())!;
    expect((await ack({ id, lease, status: "error", error: "consumer gave up" })).status).toBe(200);
    expect(await call(id)).toMatchObject({ status: "error", error: "consumer gave up" });
    const errors = await s.json(`/v1/apps/${APP}/calls/work?status=error`);
    expect(errors.body.calls.map((c: { id: string }) => c.id)).toContain(id);
  }, T);

  it("takes back the task object as GET handed it out (extra fields ignored)", async () => {
    await drain();
    const id = await enqueue("/work", "echo back");
    const task = await take();
    const { status: _running, ...rest } = task!;
    expect((await ack(rest)).status).toBe(200);
    expect((await call(id)).status).toBe("success");
  }, T);

  it("answers 404 for an unknown task, and 409 changing nothing for a task not handed out, an ack without its lease, a foreign lease, or a second acknowledgement", async () => {
    await drain();
    expect((await ack({ id: "01890000-0000-7000-8000-000000000000", lease: "tasks#whatever" })).status).toBe(404);
    const queued = await enqueue("/work", "not taken");
    const notTaken = await ack({ id: queued, lease: "tasks#guess" });
    expect(notTaken.status).toBe(409);
    expect(notTaken.body.error.message).toContain(queued);
    expect((await call(queued)).status).toBe("queued");
    const task = (await take())!;
    const noLease = await ack({ id: queued, output: "forged" });
    expect(noLease.status).toBe(409);
    expect(noLease.body.error.message).toContain("lease");
    expect((await ack({ id: queued, lease: "worker:some-node/1234#1", output: "forged" })).status).toBe(409);
    expect((await call(queued)).status).toBe("running");
    expect((await done(task)).status).toBe(200);
    expect((await ack({ id: queued, lease: task.lease, status: "error" })).status).toBe(409);
    expect((await call(queued)).status).toBe("success");
  }, T);

  it("answers 400 for a body without a task id or with a status that is not an outcome", async () => {
    expect((await s.json("/tasks", { method: "DELETE", body: {} })).status).toBe(400);
    expect((await s.json("/tasks", { method: "DELETE", body: { task: {} } })).status).toBe(400);
    const bad = await s.json("/tasks", { method: "DELETE", body: { task: { id: "x", status: "running" } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("status");
    expect((await s.json("/tasks", { method: "DELETE", body: "{not json" })).status).toBe(400);
  }, T);
});

describe("a task whose consumer never acknowledges", () => {
  let lapsing: TestServer;
  beforeAll(async () => {
    // the shortest lease hotfn takes (1 s) on a route with a 1 s timeout: the task comes back after 2 s
    lapsing = await startServer({ env: { ...door.env, HOTFN_ASYNC_LEASE: "1000" }, auth: WORKER });
    await lapsing.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path: "/short", image: IMAGES.echo, type: "async", format: "json", timeout: 1 } } });
  }, T);
  afterAll(async () => {
    await lapsing.stop();
  }, T);

  it("returns to the queue when its lease lapses and is handed out again, counting the attempt", async () => {
    const res = await lapsing.json(`/r/${APP}/short`, { method: "POST", body: "again" });
    const id = res.body.call_id as string;
    expect((await lapsing.json("/tasks")).body.task.id).toBe(id);
    expect((await lapsing.json("/tasks")).body.task).toBeNull();
    let again: Record<string, any> | null = null;
    for (let i = 0; i < 50 && !again; i++) {
      await Bun.sleep(100);
      again = (await lapsing.json("/tasks")).body.task;
    }
    expect(again?.id).toBe(id);
    expect((await lapsing.json(`/v1/calls/${id}`)).body.call.attempts).toBe(2);
    expect((await lapsing.json("/tasks", { method: "DELETE", body: { task: { id, lease: again?.lease } } })).status).toBe(200);
  }, T);

  it("takes the ack of the consumer that holds the task now, not of one whose lease lapsed", async () => {
    const res = await lapsing.json(`/r/${APP}/short`, { method: "POST", body: "twice" });
    const id = res.body.call_id as string;
    const first = (await lapsing.json("/tasks")).body.task;
    expect(first.id).toBe(id);
    let second: Record<string, any> | null = null;
    for (let i = 0; i < 50 && !second; i++) {
      await Bun.sleep(100);
      second = (await lapsing.json("/tasks")).body.task;
    }
    expect(second?.id).toBe(id);
    expect(second?.lease).not.toBe(first.lease);
    const stale = await lapsing.json("/tasks", { method: "DELETE", body: { task: { id, lease: first.lease, output: "stale" } } });
    expect(stale.status).toBe(409);
    const current = await lapsing.json("/tasks", { method: "DELETE", body: { task: { id, lease: second?.lease, output: "current" } } });
    expect(current.status).toBe(200);
    expect(await (await lapsing.fetch(`/v1/calls/${id}/output`)).text()).toBe("current");
  }, T);
});

describe("a task whose consumers keep dying", () => {
  let dying: TestServer;
  beforeAll(async () => {
    dying = await startServer({ env: { ...door.env, HOTFN_ASYNC_LEASE: "1000", HOTFN_ASYNC_MAX_ATTEMPTS: "2" }, auth: WORKER });
    await dying.json(`/v1/apps/${APP}/routes`, { method: "POST", body: { route: { path: "/short", image: IMAGES.echo, type: "async", format: "json", timeout: 1 } } });
  }, T);
  afterAll(async () => {
    await dying.stop();
  }, T);

  it("is tried HOTFN_ASYNC_MAX_ATTEMPTS times, then ends as an error that says it gave up, never handed out again", async () => {
    const id = (await dying.json(`/r/${APP}/short`, { method: "POST", body: "doomed" })).body.call_id as string;
    const handOuts: string[] = [];
    let ended: Record<string, any> | undefined;
    // Each consumer takes the task and dies (never acknowledges); its lease lapses after 2 s.
    for (let i = 0; i < 100 && !ended; i++) {
      const task = (await dying.json("/tasks")).body.task;
      if (task) handOuts.push(task.id);
      const c = (await dying.json(`/v1/calls/${id}`)).body.call;
      if (c.status === "error") ended = c;
      else await Bun.sleep(100);
    }
    expect(handOuts).toEqual([id, id]);
    expect(ended).toMatchObject({ status: "error", attempts: 2 });
    expect(ended!.error).toContain("gave up after 2 attempts");
    expect((await dying.json("/tasks")).body.task).toBeNull();
  }, T);
});